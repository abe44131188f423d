using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Core.Tests.Execution;

/// <summary>The paths that commit: issuance, transfer, cancellation with serial ranges, and roles as of each transaction.</summary>
public sealed class LifecycleTests
{
    private const uint Jan1 = 20089;
    private readonly TestLedger _ledger = new();

    [Fact]
    public void Issuance_credits_the_project_owner_with_a_named_batch()
    {
        _ledger.ApprovedProject("PV-7", "owner-a");
        var batch = _ledger.Issue("PV-7", Jan1, Jan1 + 30, 2_500_000);

        Assert.Equal("ORD-P-PV-7-20250101-20250131", batch);
        var record = _ledger.View.GetBatch(batch)!;
        Assert.Equal(2_500_000UL, record.IssuedGrams);
        Assert.Equal(TestLedger.Verifier, record.VerifierId);
        Assert.Equal(TestLedger.Bureau, record.ApprovedBy);
        Assert.Equal(2_500_000UL, _ledger.View.GetBalance("owner-a", batch).TradableGrams);
    }

    [Fact]
    public void Adjacent_periods_both_issue()
    {
        _ledger.ApprovedProject("PV-7", "owner-a");
        _ledger.Issue("PV-7", Jan1, Jan1 + 30, 1_000, reportSeed: 1);
        _ledger.Issue("PV-7", Jan1 + 31, Jan1 + 58, 1_000, reportSeed: 2);
        Assert.Equal(2, _ledger.View.GetProject("PV-7")!.IssuedPeriods.Count);
    }

    [Fact]
    public void Transfer_moves_tradable_units_between_trading_parties()
    {
        var batch = IssuedTo("owner-a", 1_000);
        _ledger.Register("trader-b", Role.Trader);
        TestLedger.Committed(_ledger.Submit("owner-a", Bodies.Transfer("trader-b", batch, 400), TestLedger.Operator, "trader-b"));
        Assert.Equal(600UL, _ledger.View.GetBalance("owner-a", batch).TradableGrams);
        Assert.Equal(400UL, _ledger.View.GetBalance("trader-b", batch).TradableGrams);
    }

    [Fact]
    public void Approved_cancellations_take_consecutive_serial_ranges()
    {
        var batch = IssuedTo("owner-a", 1_000);
        var first = Cancel("owner-a", batch, 300);
        var second = Cancel("owner-a", batch, 200);
        Assert.Equal($"{batch}:1-300", Approve(first));
        Assert.Equal($"{batch}:301-500", Approve(second));

        var balance = _ledger.View.GetBalance("owner-a", batch);
        Assert.Equal((500UL, 0UL, 500UL), (balance.TradableGrams, balance.EscrowedGrams, balance.RetiredGrams));
        var record = _ledger.View.GetCancellation(first)!;
        Assert.Equal(CancellationStatus.Approved, record.Status);
        Assert.Equal("Ordos No. 1 Middle School", record.Beneficiary);
    }

    [Fact]
    public void A_whole_batch_of_the_maximum_size_is_cancelled_without_overflow()
    {
        var batch = IssuedTo("owner-a", Limits.GramsPerBatchMax);
        var first = Cancel("owner-a", batch, Limits.GramsPerBatchMax - 1);
        var second = Cancel("owner-a", batch, 1);
        var receipts = _ledger.ApplyBlock(_ledger.Sign(TestLedger.Operator, Bodies.ApproveCancellation(first)), _ledger.Sign(TestLedger.Operator, Bodies.ApproveCancellation(second)));
        Assert.All(receipts, r => Assert.Equal(RejectionCode.Unspecified, r.Code));
        Assert.Equal(Limits.GramsPerBatchMax + 1, _ledger.View.GetBatch(batch)!.NextSerial);
    }

    [Fact]
    public void Cancelled_units_never_move()
    {
        var batch = IssuedTo("owner-a", 1_000);
        _ledger.Register("trader-b", Role.Trader);
        Approve(Cancel("owner-a", batch, 1_000));
        var receipt = _ledger.Submit("owner-a", Bodies.Transfer("trader-b", batch, 1), TestLedger.Operator, "trader-b");
        Assert.Equal(RejectionCode.InsufficientBalance, receipt.Code);
        Assert.Equal(RejectionCode.InsufficientBalance, _ledger.Submit("owner-a", Bodies.RequestCancellation(batch, 1)).Code);
    }

    [Fact]
    public void Units_awaiting_cancellation_cannot_be_transferred()
    {
        var batch = IssuedTo("owner-a", 1_000);
        _ledger.Register("trader-b", Role.Trader);
        Cancel("owner-a", batch, 800);
        Assert.Equal(RejectionCode.InsufficientBalance, _ledger.Submit("owner-a", Bodies.Transfer("trader-b", batch, 201), TestLedger.Operator, "trader-b").Code);
        TestLedger.Committed(_ledger.Submit("owner-a", Bodies.Transfer("trader-b", batch, 200), TestLedger.Operator, "trader-b"));
    }

    [Fact]
    public void Declined_cancellation_returns_the_units()
    {
        var batch = IssuedTo("owner-a", 1_000);
        var id = Cancel("owner-a", batch, 800);
        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.DeclineCancellation(id)));
        var balance = _ledger.View.GetBalance("owner-a", batch);
        Assert.Equal((1_000UL, 0UL), (balance.TradableGrams, balance.EscrowedGrams));
        Assert.Equal(1UL, _ledger.View.GetBatch(batch)!.NextSerial);
    }

    [Fact]
    public void Roles_are_those_in_force_at_each_transaction_of_a_block()
    {
        var batch = IssuedTo("owner-a", 1_000);
        _ledger.Register("trader-b", Role.Trader);
        var suspend = _ledger.Sign(TestLedger.Bureau, Bodies.Update("owner-a", ParticipantStatus.Suspended, Role.ProjectOwner));
        var transfer = _ledger.Sign("owner-a", Bodies.Transfer("trader-b", batch, 10), TestLedger.Operator, "trader-b");
        var receipts = _ledger.ApplyBlock(transfer, suspend, _ledger.Sign("owner-a", Bodies.Transfer("trader-b", batch, 10), TestLedger.Operator, "trader-b"));
        Assert.Equal([RejectionCode.Unspecified, RejectionCode.Unspecified, RejectionCode.SignerSuspended], receipts.Select(r => r.Code));
    }

    [Fact]
    public void A_participant_registered_earlier_in_the_block_may_act_later_in_it()
    {
        var register = _ledger.Sign(TestLedger.Bureau, Bodies.Register("owner-a", _ledger.KeyOf("owner-a"), Role.ProjectOwner));
        var file = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"));
        var apply = _ledger.Sign("owner-a", Bodies.ApplyProject("PV-1", "M-1"));
        Assert.All(_ledger.ApplyBlock(register, file, apply), r => Assert.Equal(RejectionCode.Unspecified, r.Code));
    }

    [Fact]
    public void Reinstated_participant_may_act_again()
    {
        _ledger.Register("trader-a", Role.Trader);
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Update("trader-a", ParticipantStatus.Suspended, Role.Trader)));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Update("trader-a", ParticipantStatus.Active, Role.Trader)));
        var batch = IssuedTo("owner-a", 100);
        TestLedger.Committed(_ledger.Submit("owner-a", Bodies.Transfer("trader-a", batch, 10), TestLedger.Operator, "trader-a"));
        TestLedger.Committed(_ledger.Submit("trader-a", Bodies.RequestCancellation(batch, 10)));
    }

    [Fact]
    public void Rotated_key_signs_from_the_next_transaction_on()
    {
        _ledger.Register("trader-a", Role.Trader);
        var newKey = TestKeys.For("trader-a-new");
        var rotate = _ledger.Sign("trader-a", new TransactionBody { RotateKey = new RotateKey { ParticipantId = "trader-a", NewPublicKey = newKey.ToPublicKey() } });
        EnvelopeFactory.CoSign(rotate, "trader-a", newKey);
        TestLedger.Committed(_ledger.ApplyBlock(rotate)[0]);
        _ledger.UseKey("trader-a", newKey);
        var batch = IssuedTo("owner-a", 100);
        TestLedger.Committed(_ledger.Submit("owner-a", Bodies.Transfer("trader-a", batch, 10), TestLedger.Operator, "trader-a"));
        TestLedger.Committed(_ledger.Submit("trader-a", Bodies.RequestCancellation(batch, 10)));
    }

    [Fact]
    public void Bureau_rotates_a_lost_key()
    {
        _ledger.Register("trader-a", Role.Trader);
        var newKey = TestKeys.For("trader-a-new");
        var rotate = _ledger.Sign(TestLedger.Bureau, new TransactionBody { RotateKey = new RotateKey { ParticipantId = "trader-a", NewPublicKey = newKey.ToPublicKey() } });
        EnvelopeFactory.CoSign(rotate, "trader-a", newKey);
        TestLedger.Committed(_ledger.ApplyBlock(rotate)[0]);
        Assert.Equal(newKey.ToPublicKey(), _ledger.View.GetParticipant("trader-a")!.PublicKey);
    }

    [Fact]
    public void Check_says_what_apply_would_and_changes_nothing()
    {
        var envelope = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"));
        var before = _ledger.Store.Count;
        var receipt = _ledger.Machine.Check(_ledger.Store, new BlockContext(_ledger.Height + 1, _ledger.TimeMs), envelope);
        Assert.Equal(RejectionCode.Unspecified, receipt.Code);
        Assert.Equal(before, _ledger.Store.Count);
        TestLedger.Committed(_ledger.ApplyBlock(envelope)[0]);
    }

    [Fact]
    public void An_empty_block_still_advances_the_state_root()
    {
        var before = _ledger.StateRoot;
        _ledger.ApplyBlock();
        Assert.NotEqual(before, _ledger.StateRoot);
    }

    [Fact]
    public void Sm3_network_gives_other_ids_and_roots_than_sha256()
    {
        var sm3 = new TestLedger(HashAlgorithm.Sm3);
        Assert.NotEqual(Convert.ToHexString(_ledger.StateRoot), Convert.ToHexString(sm3.StateRoot));
        var envelope = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"));
        Assert.NotEqual(
            Convert.ToHexString(SignBytes.TransactionId(_ledger.Machine.Parameters.Hash, envelope)),
            Convert.ToHexString(SignBytes.TransactionId(sm3.Machine.Parameters.Hash, envelope)));
    }

    private string IssuedTo(string owner, ulong grams)
    {
        _ledger.ApprovedProject("P-" + owner, owner);
        return _ledger.Issue("P-" + owner, Jan1, Jan1 + 30, grams);
    }

    private string Cancel(string holder, string batch, ulong grams) =>
        TestLedger.Committed(_ledger.Submit(holder, Bodies.RequestCancellation(batch, grams))).Attributes.Single(a => a.Key == "cancellation_id").Value;

    private string Approve(string cancellationId) =>
        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.ApproveCancellation(cancellationId))).Attributes.Single(a => a.Key == "serial_range").Value;
}

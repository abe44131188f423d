using Google.Protobuf;
using Google.Protobuf.Reflection;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Core.Tests.Execution;

/// <summary>
/// D32: a SUSPENDED participant (UpdateParticipant) signs nothing, as signer or co-signer, whatever the
/// transaction kind; it is issued and sent no new units; what it holds stays intact and visible; the
/// bureau may still replace its lost key; reinstatement restores everything.
/// </summary>
public sealed class SuspensionTests
{
    private const uint Jan1 = 20089; // 2025-01-01
    private const string Suspended = "holder-s";

    private readonly TestLedger _ledger = new();

    /// <summary>Every kind of TransactionBody, from the proto's oneof: a new kind is covered without editing this test.</summary>
    public static TheoryData<string> EveryKind()
    {
        var data = new TheoryData<string>();
        foreach (var field in TransactionBody.Descriptor.Oneofs.Single(o => o.Name == "kind").Fields)
        {
            data.Add(field.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void A_suspended_participant_signs_no_kind_of_transaction_and_co_signs_none(string kind)
    {
        var batch = HolderWithUnits();
        Suspend();
        var body = Body(kind);

        AssertRefused(RejectionCode.SignerSuspended, SignedBySuspended(body));
        AssertRefused(RejectionCode.SignerSuspended, WithProof(_ledger.Sign(TestLedger.Bureau, body, Suspended)));
        Assert.Equal(700UL, _ledger.View.GetBalance(Suspended, batch).TradableGrams);
    }

    [Fact]
    public void Every_kind_is_in_the_table()
    {
        var kinds = Enum.GetValues<TransactionBody.KindOneofCase>().Where(k => k != TransactionBody.KindOneofCase.None).ToList();
        Assert.Equal(kinds.Count, EveryKind().Count);
    }

    [Fact]
    public void A_suspended_participant_receives_no_transfer_and_no_issuance_but_keeps_what_it_holds()
    {
        var batch = HolderWithUnits();
        _ledger.Register("trader-b", Role.Trader);
        TestLedger.Committed(_ledger.Submit(Suspended, Bodies.Transfer("trader-b", batch, 50), TestLedger.Operator, "trader-b"));
        Suspend();

        AssertRefused(RejectionCode.RecipientSuspended, _ledger.Sign("trader-b", Bodies.Transfer(Suspended, batch, 10), TestLedger.Operator));
        AssertRefused(RejectionCode.RecipientSuspended, IssueEnvelope(Jan1 + 40));

        var holding = _ledger.View.GetBalance(Suspended, batch);
        Assert.Equal(650UL, holding.TradableGrams);
        Assert.Equal(ParticipantStatus.Suspended, _ledger.View.GetParticipant(Suspended)!.Status);
    }

    [Fact]
    public void The_bureau_may_replace_a_suspended_participants_key()
    {
        HolderWithUnits();
        Suspend();
        var newKey = TestKeys.For(Suspended + "-new");
        var rotate = _ledger.Sign(TestLedger.Bureau, new TransactionBody { RotateKey = new RotateKey { ParticipantId = Suspended, NewPublicKey = newKey.ToPublicKey() } });
        EnvelopeFactory.CoSign(rotate, Suspended, newKey);
        TestLedger.Committed(_ledger.ApplyBlock(rotate)[0]);
        Assert.Equal(newKey.ToPublicKey(), _ledger.View.GetParticipant(Suspended)!.PublicKey);
        Assert.Equal(ParticipantStatus.Suspended, _ledger.View.GetParticipant(Suspended)!.Status);
    }

    [Fact]
    public void Reinstatement_restores_signing_receiving_and_issuance()
    {
        var batch = HolderWithUnits();
        _ledger.Register("trader-b", Role.Trader);
        Suspend();
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Update(Suspended, ParticipantStatus.Active, Role.ProjectOwner, Role.Trader)));

        TestLedger.Committed(_ledger.Submit(Suspended, Bodies.Transfer("trader-b", batch, 100), TestLedger.Operator, "trader-b"));
        TestLedger.Committed(_ledger.Submit("trader-b", Bodies.Transfer(Suspended, batch, 40), TestLedger.Operator, Suspended));
        TestLedger.Committed(_ledger.ApplyBlock(IssueEnvelope(Jan1 + 40))[0]);
        Assert.Equal(640UL, _ledger.View.GetBalance(Suspended, batch).TradableGrams);
    }

    /// <summary>The suspended participant owns an approved project with one issued batch, of which it sent 300 g away.</summary>
    private string HolderWithUnits()
    {
        _ledger.Register(Suspended, Role.ProjectOwner, Role.Trader);
        _ledger.ApprovedProject("P-s", Suspended);
        var batch = _ledger.Issue("P-s", Jan1, Jan1 + 30, 1_000);
        _ledger.Register("trader-a", Role.Trader);
        TestLedger.Committed(_ledger.Submit(Suspended, Bodies.Transfer("trader-a", batch, 300), TestLedger.Operator, "trader-a"));
        return batch;
    }

    private void Suspend() =>
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Update(Suspended, ParticipantStatus.Suspended, Role.ProjectOwner, Role.Trader)));

    private Envelope IssueEnvelope(uint firstDay) =>
        _ledger.Sign(TestLedger.Bureau, Bodies.Issue("P-s", firstDay, firstDay + 5, 100, Bodies.ReportHash(9, firstDay, "P-s")), TestLedger.Verifier);

    /// <summary>A body of kind with default fields: the signature check comes before any field is read.</summary>
    private static TransactionBody Body(string kind)
    {
        var field = TransactionBody.Descriptor.FindFieldByName(kind);
        var body = new TransactionBody();
        var message = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
        if (message is RotateKey rotate)
        {
            rotate.ParticipantId = Suspended;
            rotate.NewPublicKey = TestKeys.For(Suspended + "-new").ToPublicKey();
        }

        field.Accessor.SetValue(body, message);
        return body;
    }

    private Envelope SignedBySuspended(TransactionBody body) => WithProof(_ledger.Sign(Suspended, body));

    /// <summary>A RotateKey ends with the proof of possession of the new key (EnvelopeVerifier checks it first).</summary>
    private static Envelope WithProof(Envelope envelope)
    {
        if (TransactionBody.Parser.ParseFrom(envelope.Body).KindCase == TransactionBody.KindOneofCase.RotateKey)
        {
            EnvelopeFactory.CoSign(envelope, Suspended, TestKeys.For(Suspended + "-new"));
        }

        return envelope;
    }

    /// <summary>Refused with code and a message, by the admission check and by apply, writing nothing but the block's root.</summary>
    private void AssertRefused(RejectionCode code, Envelope envelope)
    {
        var context = new BlockContext(_ledger.Height + 1, _ledger.TimeMs);
        var checkReceipt = _ledger.Machine.Check(_ledger.Store, context, envelope);
        var result = _ledger.Machine.ApplyBlock(_ledger.Store, context, [envelope]);
        var receipt = result.Receipts.Single();
        Assert.True(receipt.Code == code, $"expected {code}, got {receipt.Code}: {receipt.Message}");
        Assert.False(string.IsNullOrWhiteSpace(receipt.Message));
        Assert.Equal(receipt, checkReceipt);
        var changedKeys = result.Changes.Entries.Select(e => e.Key).ToList();
        Assert.True(changedKeys.Count == 1 && changedKeys[0].AsSpan().SequenceEqual(State.StateKeys.StateRoot), "a refused transaction writes nothing but the block's root");
    }
}

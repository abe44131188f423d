using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Core.Tests.Execution;

/// <summary>
/// CorrectReductions and MakeGoodShortfall (§11): held units are voided, cancelled ones become the
/// original owner's shortfall, the owner issues nothing until it is made good, and nothing is rewritten.
/// </summary>
public sealed class CorrectionTests
{
    private const uint Jan1 = 20089;
    private readonly TestLedger _ledger = new();

    [Fact]
    public void Held_units_are_voided_and_cancelled_ones_become_the_owners_shortfall()
    {
        var (batch, cancellation) = IssuedTransferredAndPartlyCancelled();

        var receipt = TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Correct(batch, 300, ("owner-a", 600), ("trader-b", 100))));

        var record = _ledger.View.GetBatch(batch)!;
        Assert.Equal((1_000UL, 0UL, 0UL, 300UL, 700UL), (record.IssuedGrams, record.TradableGrams, record.EscrowedGrams, record.RetiredGrams, record.VoidedGrams));
        Assert.Equal(0UL, _ledger.View.GetBalance("owner-a", batch).TradableGrams);
        Assert.Equal(0UL, _ledger.View.GetBalance("trader-b", batch).TradableGrams);
        // The cancellation and its certificate's serials are history: unchanged.
        Assert.Equal($"{batch}:1-300", _ledger.View.GetCancellation(cancellation)!.SerialRange);
        Assert.Equal(300UL, _ledger.View.GetBalance("trader-b", batch).RetiredGrams);

        var shortfall = _ledger.View.GetShortfall("owner-a")!;
        Assert.Equal((300UL, 300UL, 0UL), (shortfall.OutstandingGrams, shortfall.AssignedGrams, shortfall.MadeGoodGrams));
        var correctionId = receipt.Attributes.Single(a => a.Key == "correction_id").Value;
        var correction = _ledger.View.GetCorrection(correctionId)!;
        Assert.Equal(("owner-a", 300UL, TestLedger.Bureau), (correction.Owner, correction.ShortfallGrams, correction.CorrectedBy));
        Assert.Equal([correctionId], _ledger.View.GetBatchCorrections(batch)!.CorrectionIds);
    }

    [Fact]
    public void An_owner_with_a_shortfall_issues_nothing_until_it_is_made_good()
    {
        var (batch, _) = IssuedTransferredAndPartlyCancelled();
        _ledger.ApprovedProject("WIND-2", "owner-a");
        var other = _ledger.Issue("WIND-2", Jan1, Jan1 + 30, 1_000, reportSeed: 9);
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Correct(batch, 300)));
        var refused = _ledger.Submit(TestLedger.Bureau, Bodies.Issue("PV-7", Jan1 + 31, Jan1 + 58, 800, Bodies.ReportHash(2, Jan1 + 31, "PV-7")), TestLedger.Verifier);
        Assert.Equal(RejectionCode.OutstandingShortfall, refused.Code);
        Assert.Contains("owes 300 grams", refused.Message, StringComparison.Ordinal);
        Assert.Null(_ledger.View.GetBatch("ORD-P-PV-7-20250201-20250228"));

        // The owner surrenders units of another of its batches, issued before: 200 now, 100 later.
        var partly = TestLedger.Committed(_ledger.Submit("owner-a", MakeGood(other, 200)));
        Assert.Equal("100", partly.Attributes.Single(a => a.Key == "outstanding_grams").Value);
        Assert.Equal(RejectionCode.OutstandingShortfall, _ledger.Submit(TestLedger.Bureau, Bodies.Issue("PV-7", Jan1 + 31, Jan1 + 58, 800, Bodies.ReportHash(3, Jan1 + 31, "PV-7")), TestLedger.Verifier).Code);

        TestLedger.Committed(_ledger.Submit("owner-a", MakeGood(other, 100)));
        var voided = _ledger.View.GetBatch(other)!;
        Assert.Equal((700UL, 300UL), (voided.TradableGrams, voided.VoidedGrams));
        Assert.Equal((0UL, 300UL), (_ledger.View.GetShortfall("owner-a")!.OutstandingGrams, _ledger.View.GetShortfall("owner-a")!.MadeGoodGrams));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Issue("PV-7", Jan1 + 31, Jan1 + 58, 800, Bodies.ReportHash(4, Jan1 + 31, "PV-7")), TestLedger.Verifier));
    }

    [Fact]
    public void Only_retired_units_not_yet_counted_can_be_a_shortfall()
    {
        var (batch, _) = IssuedTransferredAndPartlyCancelled();

        Assert.Equal(RejectionCode.ShortfallExceedsCancelled, _ledger.Submit(TestLedger.Bureau, Correct(batch, 301)).Code);
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Correct(batch, 200)));
        var again = _ledger.Submit(TestLedger.Bureau, Correct(batch, 101));
        Assert.Equal(RejectionCode.ShortfallExceedsCancelled, again.Code);
        Assert.Contains("already counted 200", again.Message, StringComparison.Ordinal);
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Correct(batch, 100)));
        Assert.Equal(300UL, _ledger.View.GetShortfall("owner-a")!.OutstandingGrams);
    }

    [Fact]
    public void Escrowed_units_are_neither_voided_nor_a_shortfall_until_the_operator_decides()
    {
        _ledger.ApprovedProject("PV-7", "owner-a");
        var batch = _ledger.Issue("PV-7", Jan1, Jan1 + 30, 1_000);
        TestLedger.Committed(_ledger.Submit("owner-a", Bodies.RequestCancellation(batch, 400)));

        var deduction = _ledger.Submit(TestLedger.Bureau, Correct(batch, 0, ("owner-a", 601)));
        Assert.Equal(RejectionCode.InsufficientBalance, deduction.Code);
        Assert.Contains("escrowed units wait", deduction.Message, StringComparison.Ordinal);
        Assert.Equal(RejectionCode.ShortfallExceedsCancelled, _ledger.Submit(TestLedger.Bureau, Correct(batch, 1)).Code);
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Correct(batch, 0, ("owner-a", 600))));
        Assert.Equal((0UL, 400UL, 600UL), (_ledger.View.GetBatch(batch)!.TradableGrams, _ledger.View.GetBatch(batch)!.EscrowedGrams, _ledger.View.GetBatch(batch)!.VoidedGrams));
    }

    [Fact]
    public void Bad_corrections_are_refused_with_their_code_and_change_nothing()
    {
        var (batch, _) = IssuedTransferredAndPartlyCancelled();
        var before = _ledger.Snapshot();
        var cases = new (string Signer, TransactionBody Body, RejectionCode Code)[]
        {
            (TestLedger.Operator, Correct(batch, 100), RejectionCode.UnauthorizedRole),
            ("owner-a", Correct(batch, 100), RejectionCode.UnauthorizedRole),
            (TestLedger.Bureau, Correct("ORD-P-none-20250101-20250131", 100), RejectionCode.UnknownBatch),
            (TestLedger.Bureau, Correct(batch, 0), RejectionCode.InvalidAmount),
            (TestLedger.Bureau, Correct(batch, 0, ("trader-b", 0)), RejectionCode.InvalidAmount),
            (TestLedger.Bureau, Correct(batch, 0, ("trader-b", 10), ("trader-b", 10)), RejectionCode.InvalidField),
            (TestLedger.Bureau, Correct(batch, 0, ("bad id!", 10)), RejectionCode.InvalidField),
            (TestLedger.Bureau, Correct(batch, 0, ("trader-b", 101)), RejectionCode.InsufficientBalance),
            (TestLedger.Bureau, WithReason(Correct(batch, 10), ""), RejectionCode.InvalidField),
            (TestLedger.Bureau, WithEvidence(Correct(batch, 10), new byte[31]), RejectionCode.InvalidField),
            ("owner-a", MakeGood(batch, 1), RejectionCode.NoOutstandingShortfall),
        };

        foreach (var (signer, body, code) in cases)
        {
            var receipt = _ledger.Submit(signer, body);
            Assert.True(receipt.Code == code, $"{body}: expected {code}, got {receipt.Code}: {receipt.Message}");
            Assert.False(string.IsNullOrWhiteSpace(receipt.Message));
        }

        // Refusals spend no nonce and change no record: only the state root entry (table 0x00) moves.
        Assert.Equal(
            before.Where(e => e.Key[0] != 0).Select(e => Convert.ToHexString(e.Key) + Convert.ToHexString(e.Value)),
            _ledger.Snapshot().Where(e => e.Key[0] != 0).Select(e => Convert.ToHexString(e.Key) + Convert.ToHexString(e.Value)));
    }

    [Fact]
    public void Making_good_more_than_owed_or_from_units_not_held_is_refused()
    {
        var (batch, _) = IssuedTransferredAndPartlyCancelled();
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Correct(batch, 50)));

        Assert.Equal(RejectionCode.NoOutstandingShortfall, _ledger.Submit("owner-a", MakeGood(batch, 51)).Code);
        Assert.Equal(RejectionCode.NoOutstandingShortfall, _ledger.Submit("trader-b", MakeGood(batch, 1)).Code);
        Assert.Equal(RejectionCode.UnknownBatch, _ledger.Submit("owner-a", MakeGood("ORD-P-none-20250101-20250131", 10)).Code);
        Assert.Equal(RejectionCode.InvalidAmount, _ledger.Submit("owner-a", MakeGood(batch, 0)).Code);

        TestLedger.Committed(_ledger.Submit("owner-a", Bodies.Transfer("trader-b", batch, 590), TestLedger.Operator, "trader-b"));
        var short_ = _ledger.Submit("owner-a", MakeGood(batch, 11));
        Assert.Equal(RejectionCode.InsufficientBalance, short_.Code);
        Assert.Contains("holds 10 tradable grams", short_.Message, StringComparison.Ordinal);

        TestLedger.Committed(_ledger.Submit("owner-a", MakeGood(batch, 10)));
        Assert.Equal(10UL, _ledger.View.GetBatch(batch)!.VoidedGrams);
        Assert.Equal(40UL, _ledger.View.GetShortfall("owner-a")!.OutstandingGrams);
    }

    /// <summary>owner-a is issued 1,000 g, transfers 400 to trader-b, who cancels 300 (retired, serials 1-300).</summary>
    private (string Batch, string Cancellation) IssuedTransferredAndPartlyCancelled()
    {
        _ledger.ApprovedProject("PV-7", "owner-a");
        var batch = _ledger.Issue("PV-7", Jan1, Jan1 + 30, 1_000);
        _ledger.Register("trader-b", Role.Trader);
        TestLedger.Committed(_ledger.Submit("owner-a", Bodies.Transfer("trader-b", batch, 400), TestLedger.Operator, "trader-b"));
        var request = TestLedger.Committed(_ledger.Submit("trader-b", Bodies.RequestCancellation(batch, 300)));
        var cancellation = request.Attributes.Single(a => a.Key == "cancellation_id").Value;
        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.ApproveCancellation(cancellation)));
        return (batch, cancellation);
    }

    internal static TransactionBody Correct(string batchId, ulong shortfallGrams, params (string Account, ulong Grams)[] deductions) => new()
    {
        CorrectReductions = new CorrectReductions
        {
            BatchId = batchId,
            ShortfallGrams = shortfallGrams,
            Reason = "monitoring data of March replaced by an estimate (tracking evaluation 2025-07)",
            Deductions = { deductions.Select(d => new Deduction { Account = d.Account, AmountGrams = d.Grams }) },
        },
    };

    internal static TransactionBody MakeGood(string batchId, ulong grams) => new()
    {
        MakeGoodShortfall = new MakeGoodShortfall { BatchId = batchId, AmountGrams = grams },
    };

    private static TransactionBody WithReason(TransactionBody body, string reason)
    {
        body.CorrectReductions.Reason = reason;
        return body;
    }

    private static TransactionBody WithEvidence(TransactionBody body, byte[] evidence)
    {
        body.CorrectReductions.EvidenceHash = Google.Protobuf.ByteString.CopyFrom(evidence);
        return body;
    }
}

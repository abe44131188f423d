using Ledger.Core;
using Ledger.Core.Protocol;

namespace Ledger.Client.Builders;

/// <summary>Corrections of reductions obtained from abnormal data (§11).</summary>
public static partial class Transactions
{
    /// <summary>
    /// Voids the named holders' tradable units of a batch and records the part already cancelled as a
    /// shortfall of the batch's original owner. Signed by a BUREAU. Give deductions, a shortfall, or both.
    /// </summary>
    /// <param name="batchId">The corrected batch.</param>
    /// <param name="deductions">Holders whose tradable units of the batch are voided, each at most what it holds.</param>
    /// <param name="shortfallGrams">Cancelled (retired) units of the batch owed by its original owner.</param>
    /// <param name="reason">The abnormal data found.</param>
    /// <param name="evidenceHash">Optional: the network hash of the evidence (32 bytes), or empty.</param>
    public static TransactionBody CorrectReductions(
        string batchId,
        IEnumerable<(string Account, ulong AmountGrams)> deductions,
        ulong shortfallGrams,
        string reason,
        ReadOnlySpan<byte> evidenceHash = default)
    {
        ArgumentNullException.ThrowIfNull(deductions);
        var body = new CorrectReductions
        {
            BatchId = Require.Id(batchId, nameof(batchId), Limits.BatchIdLengthMax),
            ShortfallGrams = shortfallGrams,
            Reason = Require.Text(reason, nameof(reason), Limits.TextLengthMax),
            EvidenceHash = evidenceHash.Length switch
            {
                0 => Google.Protobuf.ByteString.Empty,
                Limits.ReportHashBytes => Google.Protobuf.ByteString.CopyFrom(evidenceHash),
                _ => throw new ArgumentException($"evidenceHash must be empty or {Limits.ReportHashBytes} bytes", nameof(evidenceHash)),
            },
        };
        foreach (var (account, grams) in deductions)
        {
            body.Deductions.Add(new Deduction { Account = Require.Id(account, nameof(deductions)), AmountGrams = Require.Positive(grams, nameof(deductions)) });
        }

        if (body.Deductions.Count == 0 && shortfallGrams == 0)
        {
            throw new ArgumentException("a correction voids units (deductions) or records a shortfall, or both", nameof(deductions));
        }

        return new TransactionBody { CorrectReductions = body };
    }

    /// <summary>The signer surrenders tradable units of a batch it holds against its outstanding shortfall (§11).</summary>
    public static TransactionBody MakeGoodShortfall(string batchId, ulong amountGrams) => new()
    {
        MakeGoodShortfall = new MakeGoodShortfall { BatchId = Require.Id(batchId, nameof(batchId), Limits.BatchIdLengthMax), AmountGrams = Require.Positive(amountGrams, nameof(amountGrams)) },
    };
}

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
        var holders = deductions.Select(d => new Deduction { Account = Require.Id(d.Account, nameof(deductions)), AmountGrams = Require.Positive(d.AmountGrams, nameof(deductions)) }).ToList();
        return CorrectReductions(batchId, holders, shortfallGrams, reason, evidenceHash);
    }

    /// <summary>
    /// A deduction from a scenario user's custody balance (§16) for <see cref="CorrectReductions(string, IEnumerable{Deduction}, ulong, string, ReadOnlySpan{byte})"/>:
    /// company is the batch's custodian, userId the 32-byte pseudonymous id.
    /// </summary>
    public static Deduction CustodyDeduction(string company, ReadOnlySpan<byte> userId, ulong amountGrams) => new()
    {
        Account = Require.Id(company, nameof(company)),
        CustodyUserId = Google.Protobuf.ByteString.CopyFrom(Require.Hash(userId, nameof(userId))),
        AmountGrams = Require.Positive(amountGrams, nameof(amountGrams)),
    };

    /// <summary>As the tuple overload, with deductions that may name custody users (<see cref="CustodyDeduction"/>).</summary>
    public static TransactionBody CorrectReductions(string batchId, IEnumerable<Deduction> deductions, ulong shortfallGrams, string reason, ReadOnlySpan<byte> evidenceHash = default)
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
            Deductions = { deductions.Select(d => d.Clone()) },
        };
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

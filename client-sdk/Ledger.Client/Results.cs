using Ledger.Core.Protocol;

namespace Ledger.Client;

/// <summary>The node's answer to a submission: admitted to the mempool, or refused with a code.</summary>
/// <param name="TransactionId">The transaction id, 64 lowercase hex characters.</param>
/// <param name="Code"><see cref="RejectionCode.Unspecified"/> when admitted.</param>
/// <param name="Message">The ledger's message for a refusal; empty when admitted.</param>
public sealed record SubmitResult(string TransactionId, RejectionCode Code, string Message)
{
    /// <summary>True when the node admitted the transaction (it is not committed yet).</summary>
    public bool IsAdmitted => Code == RejectionCode.Unspecified;

    /// <summary>
    /// Set with a refusal of a transaction that was already waiting at the node (a peer had passed it on) and that the
    /// node dropped now, at this committed height: not final, another validator may still commit it (see
    /// <see cref="CommitResult.IsFinal"/>). Null for any other answer, and from nodes older than D52.
    /// </summary>
    public ulong? DroppedAtHeight { get; init; }
}

/// <summary>The fate of a transaction that was submitted and waited for.</summary>
/// <param name="TransactionId">The transaction id, 64 lowercase hex characters.</param>
/// <param name="Status">COMMITTED (in a block) or REFUSED (nothing was stored; see <see cref="IsFinal"/>).</param>
/// <param name="Receipt">The receipt: its code is <see cref="RejectionCode.Unspecified"/> when the transaction took effect; its attributes carry ids such as "batch_id" or "cancellation_id".</param>
/// <param name="Height">The block height, when committed; 0 otherwise.</param>
/// <param name="Index">The position in the block, when committed.</param>
public sealed record CommitResult(string TransactionId, TransactionStatus Status, Receipt Receipt, ulong Height, uint Index)
{
    /// <summary>True when the transaction is in a committed block and took effect.</summary>
    public bool IsCommitted => Status == TransactionStatus.Committed && Receipt.Code == RejectionCode.Unspecified;

    /// <summary>
    /// For a REFUSED result, the committed height at which the node dropped the transaction from its mempool after
    /// admitting it (the re-check after a block, or a proposer leaving it out); null when it was refused at admission or
    /// is committed, and from nodes older than D52.
    /// </summary>
    public ulong? DroppedAtHeight { get; init; }

    /// <summary>
    /// False for a refusal after admission (<see cref="DroppedAtHeight"/> set): that is the node's view at that height,
    /// and another validator's block may still commit the transaction (say after a top-up placed before it) until its
    /// expiry height; ask GetTransactionAsync to learn its fate. True for a commit and for a
    /// refusal at admission (nothing was stored or passed on).
    /// </summary>
    public bool IsFinal => Status == TransactionStatus.Committed || DroppedAtHeight is null;

    /// <summary>The rejection code; <see cref="RejectionCode.Unspecified"/> when committed.</summary>
    public RejectionCode Code => Receipt.Code;

    /// <summary>The ledger's message for a refusal.</summary>
    public string Message => Receipt.Message;

    /// <summary>The value of a receipt attribute (e.g. "batch_id", "cancellation_id", "serial_range"), or null.</summary>
    public string? Attribute(string key) => Receipt.Attributes.FirstOrDefault(a => a.Key == key)?.Value;
}

using Ledger.Core.Protocol;

namespace Ledger.Client;

/// <summary>
/// The ledger refused a transaction: at admission, or in its receipt; or a node limit refused a call
/// (a block stream past the streams allowed, D29). Nothing changed on the ledger, though a refusal after admission
/// (<see cref="DroppedAtHeight"/>) may still be followed by a commit through another validator.
/// <see cref="Code"/> says what was wrong (see rejections.proto for the cause and what to do).
/// </summary>
public sealed class LedgerRejectedException : Exception
{
    /// <summary>Creates the exception for a refusal with its code, the ledger's message and the transaction id.</summary>
    public LedgerRejectedException(RejectionCode code, string rejectionMessage, string transactionId)
        : base($"{code}: {rejectionMessage}" + (transactionId.Length > 0 ? $" (transaction {transactionId})" : string.Empty))
    {
        Code = code;
        RejectionMessage = rejectionMessage;
        TransactionId = transactionId;
    }

    /// <summary>
    /// A refusal after admission: the node dropped the transaction from its mempool at droppedAtHeight (D52). The message
    /// says it is not final: another validator's block may still commit it up to expiryHeight.
    /// </summary>
    public LedgerRejectedException(RejectionCode code, string rejectionMessage, string transactionId, ulong? droppedAtHeight, ulong expiryHeight)
        : base($"{code}: {rejectionMessage}" + (transactionId.Length > 0 ? $" (transaction {transactionId})" : string.Empty) + Dropped(droppedAtHeight, expiryHeight))
    {
        Code = code;
        RejectionMessage = rejectionMessage;
        TransactionId = transactionId;
        DroppedAtHeight = droppedAtHeight;
    }

    /// <summary>The machine-readable reason; never <see cref="RejectionCode.Unspecified"/>.</summary>
    public RejectionCode Code { get; }

    /// <summary>The ledger's human message, verbatim (<see cref="Exception.Message"/> prefixes it with the code).</summary>
    public string RejectionMessage { get; }

    /// <summary>
    /// True when nothing is wrong with the request itself and the same request may succeed later:
    /// a full mempool, the signer's share of it, the connection's submission rate, the streams allowed.
    /// </summary>
    public bool IsRetryable => Code is RejectionCode.MempoolFull or RejectionCode.MempoolSignerFull or RejectionCode.RateLimited or RejectionCode.TooManyStreams;

    /// <summary>The refused transaction's id as 64 lowercase hex characters, or empty when the node did not say.</summary>
    public string TransactionId { get; }

    /// <summary>
    /// Set when the node dropped the transaction from its mempool at this committed height after admitting it: that
    /// refusal is not final, and the transaction may still commit through another validator until its expiry height
    /// (ask GetTransactionAsync). Null for a refusal at admission or in a committed receipt, which is final.
    /// </summary>
    public ulong? DroppedAtHeight { get; }

    /// <summary>True unless the refusal was a drop after admission (<see cref="DroppedAtHeight"/>).</summary>
    public bool IsFinal => DroppedAtHeight is null;

    private static string Dropped(ulong? droppedAtHeight, ulong expiryHeight) => droppedAtHeight is null
        ? string.Empty
        : $"; dropped from the node's mempool at height {droppedAtHeight}, which is not final: another validator may still commit it up to height {expiryHeight}, so ask GetTransaction before sending it again";
}

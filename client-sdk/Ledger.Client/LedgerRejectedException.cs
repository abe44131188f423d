using Ledger.Core.Protocol;

namespace Ledger.Client;

/// <summary>
/// The ledger refused a transaction: at admission, or in its receipt; or a node limit refused a call
/// (a block stream past the streams allowed, D29). Nothing changed on the ledger.
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
}

namespace Ledger.Client;

/// <summary>
/// Submit-and-wait gave up before the transaction's fate was known. The transaction may still commit
/// (until its expiry height): ask <see cref="LedgerClient.GetTransactionAsync"/> with <see cref="TransactionId"/>.
/// </summary>
public sealed class LedgerTimeoutException : TimeoutException
{
    /// <summary>Creates the exception with the id of the transaction whose fate is unknown (empty when unknown).</summary>
    public LedgerTimeoutException(string message, string transactionId, Exception? innerException = null)
        : base(message, innerException)
    {
        TransactionId = transactionId;
    }

    /// <summary>The transaction id as 64 lowercase hex characters, or empty when it could not be computed.</summary>
    public string TransactionId { get; }
}

namespace Ledger.Core.Execution;

/// <summary>
/// Signatures already verified by this process, so a transaction's signatures are checked once:
/// at admission, not again when the mempool re-checks it or the block that holds it is built.
/// The key binds transaction id, public key and signature, so a hit means exactly this triple
/// verified before. The node supplies a bounded, thread-safe implementation; the auditor none.
/// </summary>
public interface ISignatureCache
{
    bool Contains(ReadOnlySpan<byte> key);

    void Add(ReadOnlySpan<byte> key);
}

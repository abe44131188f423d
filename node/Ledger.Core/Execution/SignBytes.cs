using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Core.Execution;

/// <summary>What every signature of an envelope covers, and what its transaction id hashes (docs/PROTOCOL.md §2).</summary>
public static class SignBytes
{
    /// <summary>
    /// tag ‖ chain_id ‖ signer ‖ nonce ‖ expiry_height ‖ body. Signer, nonce and expiry are signed too:
    /// otherwise anyone could replay a body under a fresh nonce. Signatures are not part of it,
    /// so re-encoding a signature can never make a second id for the same transaction.
    /// </summary>
    public static byte[] For(Envelope envelope) =>
        new CanonicalWriter(96 + envelope.Body.Length)
            .Bytes(DomainTags.Transaction)
            .String(envelope.ChainId)
            .String(envelope.Signer)
            .UInt64(envelope.Nonce)
            .UInt64(envelope.ExpiryHeight)
            .Bytes(envelope.Body.Span)
            .ToArray();

    public static byte[] TransactionId(INetworkHash hash, Envelope envelope) => hash.Hash(For(envelope));
}

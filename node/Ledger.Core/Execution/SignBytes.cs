using System.Buffers.Binary;
using System.Text;
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
    /// <remarks>
    /// The bytes <see cref="CanonicalWriter"/> writes for those fields (length-prefixed tag, strings as UTF-8 and body;
    /// big-endian integers), written into one array of the exact size: no writer, no growing buffer, no copy (D50).
    /// </remarks>
    public static byte[] For(Envelope envelope)
    {
        var tag = DomainTags.Transaction;
        var chainId = Encoding.UTF8.GetByteCount(envelope.ChainId);
        var signer = Encoding.UTF8.GetByteCount(envelope.Signer);
        var body = envelope.Body.Span;
        var bytes = new byte[checked(sizeof(uint) + tag.Length + sizeof(uint) + chainId + sizeof(uint) + signer + (2 * sizeof(ulong)) + sizeof(uint) + body.Length)];
        var rest = bytes.AsSpan();
        rest = Prefixed(rest, tag);
        BinaryPrimitives.WriteUInt32BigEndian(rest, (uint)chainId);
        rest = rest[(sizeof(uint) + Encoding.UTF8.GetBytes(envelope.ChainId, rest[sizeof(uint)..]))..];
        BinaryPrimitives.WriteUInt32BigEndian(rest, (uint)signer);
        rest = rest[(sizeof(uint) + Encoding.UTF8.GetBytes(envelope.Signer, rest[sizeof(uint)..]))..];
        BinaryPrimitives.WriteUInt64BigEndian(rest, envelope.Nonce);
        BinaryPrimitives.WriteUInt64BigEndian(rest[sizeof(ulong)..], envelope.ExpiryHeight);
        rest = Prefixed(rest[(2 * sizeof(ulong))..], body);
        Invariant.Require(rest.IsEmpty, "sign bytes fill their array exactly");
        return bytes;
    }

    public static byte[] TransactionId(INetworkHash hash, Envelope envelope) => hash.Hash(For(envelope));

    /// <summary>value's length (u32 big-endian) and value into destination; what is left of it.</summary>
    private static Span<byte> Prefixed(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, checked((uint)value.Length));
        value.CopyTo(destination[sizeof(uint)..]);
        return destination[(sizeof(uint) + value.Length)..];
    }
}

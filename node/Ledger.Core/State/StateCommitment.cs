using System.Buffers;
using System.Buffers.Binary;
using Ledger.Core.Crypto;

namespace Ledger.Core.State;

/// <summary>
/// The state root: a hash chain over the canonical write set of every block since genesis
/// (docs/PROTOCOL.md §5). Two nodes that applied the same blocks to the same genesis have the
/// same root; any difference in any write, ever, makes the roots differ. It costs O(changes)
/// per block, not O(state). See docs/DECISIONS.md for why it is not a Merkle tree of the state.
/// </summary>
public static class StateCommitment
{
    public static readonly byte[] GenesisParent = new byte[32];

    public static byte[] Next(INetworkHash hash, ReadOnlySpan<byte> previousRoot, WriteSet changes)
    {
        Invariant.Require(previousRoot.Length == 32, "a state root is 32 bytes");
        // The layout of CanonicalWriter: Bytes(tag) ‖ Fixed(previous root) ‖ UInt64(count) ‖ per change
        // Bytes(key) ‖ 0, or Bytes(key) ‖ 1 ‖ Bytes(value). Written into one buffer of the exact size,
        // since a block of scenario chunks changes tens of thousands of keys.
        var tag = DomainTags.StateRoot;
        var count = 0UL;
        var length = 4L + tag.Length + previousRoot.Length + sizeof(ulong);
        foreach (var (key, value) in changes.Entries)
        {
            if (!IsRootKey(key))
            {
                count++;
                length += 4L + key.Length + 1 + (value is null ? 0 : 4L + value.Length);
            }
        }

        var buffer = ArrayPool<byte>.Shared.Rent(checked((int)length));
        try
        {
            var span = buffer.AsSpan(0, (int)length);
            var offset = WriteBytes(span, 0, tag);
            previousRoot.CopyTo(span[offset..]);
            offset += previousRoot.Length;
            BinaryPrimitives.WriteUInt64BigEndian(span[offset..], count);
            offset += sizeof(ulong);
            foreach (var (key, value) in changes.Entries)
            {
                if (IsRootKey(key))
                {
                    continue;
                }

                offset = WriteBytes(span, offset, key);
                span[offset++] = value is null ? (byte)0 : (byte)1;
                if (value is not null)
                {
                    offset = WriteBytes(span, offset, value);
                }
            }

            Invariant.Require(offset == span.Length, "the state root's input is exactly the size counted");
            return hash.Hash(span);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsRootKey(byte[] key) => key.AsSpan().SequenceEqual(StateKeys.StateRoot);

    /// <summary>u32 length ‖ bytes, as CanonicalWriter.Bytes; returns the offset after them.</summary>
    private static int WriteBytes(Span<byte> destination, int offset, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], checked((uint)value.Length));
        value.CopyTo(destination[(offset + 4)..]);
        return offset + 4 + value.Length;
    }
}

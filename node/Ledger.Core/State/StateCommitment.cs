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
        var entries = changes.Entries.Where(entry => !entry.Key.AsSpan().SequenceEqual(StateKeys.StateRoot)).ToList();
        var writer = new CanonicalWriter(64 + (entries.Count * 64))
            .Bytes(DomainTags.StateRoot)
            .Fixed(previousRoot)
            .UInt64((ulong)entries.Count);
        foreach (var (key, value) in entries)
        {
            writer.Bytes(key);
            if (value is null)
            {
                writer.Byte(0);
            }
            else
            {
                writer.Byte(1).Bytes(value);
            }
        }

        return hash.Hash(writer.WrittenSpan);
    }
}

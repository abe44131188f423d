using System.Buffers.Binary;
using Ledger.Storage;

namespace Ledger.Node.Backup;

/// <summary>
/// D31: a data directory restored from a backup carries the backup's height under "restore/guard"
/// in the consensus column family, and no signer state. The validator must not sign until it has
/// seen the network move past every height it may have signed before its data was lost
/// (BftConsensus.FollowAfterRestore); then the guard is removed. A sole validator cannot learn
/// that from peers, so it refuses to start until an operator releases the guard (`ledger backup release`).
/// </summary>
public static class RestoreGuard
{
    public static readonly byte[] Key = "restore/guard"u8.ToArray();

    /// <summary>The height of the backup this directory was restored from, or null when it was not restored (or released).</summary>
    public static ulong? BackupHeight(RocksDbChainStore store) =>
        store.GetConsensus(Key) is { Length: 8 } bytes ? BinaryPrimitives.ReadUInt64BigEndian(bytes) : null;

    /// <summary>Marks a checkpoint as a backup: the guard set, the signer's state removed.</summary>
    public static void Mark(RocksDbChainStore checkpoint, ulong height)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, height);
        checkpoint.PutConsensus(Key, bytes, sync: true);
        checkpoint.DeleteConsensus(Consensus.RocksDbSignerStore.Key);
    }

    /// <summary>A sole validator has no peers to learn from whether it signed blocks above the backup; the operator must decide.</summary>
    public static void RefuseSoleValidator(RocksDbChainStore store)
    {
        if (BackupHeight(store) is { } height)
        {
            throw new InvalidOperationException(
                $"the data directory {store.Directory} was restored from a backup of height {height}; a sole validator cannot learn from peers whether it signed blocks above it, and signing them again would fork the chain. " +
                "If the lost directory never committed above that height (or the network's operators accept the fork), run `ledger backup release --data <dir>` and start again");
        }
    }

    /// <summary>Synced: a guard released stays released.</summary>
    public static void Release(RocksDbChainStore store) => store.DeleteConsensus(Key);
}

using Ledger.Core;
using Ledger.Core.State;
using RocksDbSharp;

namespace Ledger.Storage;

/// <summary>
/// The core's state interface over a RocksDB column family (DESIGN §2: "the RocksDB state store
/// implements the core's state interface"). Keys and values are exactly those of the WriteSets
/// applied, so enumerating it gives the same bytes as an InMemoryState fed the same changes.
/// Reads are thread-safe. Each Get sees every WriteBatch whole or not at all; for several reads
/// that must agree with each other, read through a snapshot (<see cref="RocksDbChainStore.OpenSnapshot"/>).
/// </summary>
public sealed class RocksDbState : IStateStore, IDisposable
{
    private readonly RocksDb _db;
    private readonly ColumnFamilyHandle _family;
    private readonly ReadOptions _reads;
    private readonly RocksDbHandle? _owned;

    internal RocksDbState(RocksDb db, ColumnFamilyHandle family, ReadOptions reads, RocksDbHandle? owned = null)
    {
        _db = db;
        _family = family;
        _reads = reads;
        _owned = owned;
    }

    /// <summary>
    /// A state store of its own in directory (created if missing), e.g. for an auditor that
    /// re-executes a chain too large to hold in memory. A node's state lives in its chain store instead.
    /// </summary>
    public static RocksDbState Open(string directory)
    {
        var handle = RocksDbHandle.OpenPrimary(directory, [ColumnFamilies.State]);
        return new RocksDbState(handle.Db, handle.Family(ColumnFamilies.State), new OwnedReadOptions(), handle);
    }

    /// <summary>Test seam: the native read options of this view.</summary>
    internal ReadOptions Reads => _reads;

    public byte[]? Get(ReadOnlySpan<byte> key)
    {
        var value = _db.Get(key, _family, _reads);
        Bounds.Check(value, StorageLimits.StateValueBytesMax, "a state value");
        return value;
    }

    /// <summary>Writes the whole WriteSet in one synced batch: all of it survives a crash, or none.</summary>
    public void Apply(WriteSet changes)
    {
        using var batch = new WriteBatch();
        AddTo(batch, _family, changes);
        _db.Write(batch, RocksDbHandle.Synced);
    }

    /// <summary>
    /// Entries whose key starts with prefix, in key order, strictly after <paramref name="after"/>
    /// when given (to resume a listing), at most limit of them. The iterator reads one consistent
    /// point in time; dispose the enumeration (foreach does) before disposing the store.
    /// </summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Scan(byte[] prefix, byte[]? after = null, int limit = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return ScanIterator(prefix, after, limit);
    }

    /// <summary>A state store of its own (<see cref="Open"/>) closes its directory and frees its read options; one inside a chain store leaves both to it.</summary>
    public void Dispose()
    {
        if (_owned is not null)
        {
            _owned.Dispose();
            (_reads as OwnedReadOptions)?.Dispose();
        }
    }

    /// <summary>Puts and deletes of changes into batch, in the WriteSet's key order.</summary>
    internal static void AddTo(WriteBatch batch, ColumnFamilyHandle family, WriteSet changes)
    {
        foreach (var (key, value) in changes.Entries)
        {
            Invariant.Require(key.Length is > 0 and <= StorageLimits.StateKeyBytesMax, "a state key is 1..StateKeyBytesMax bytes");
            if (value is null)
            {
                batch.Delete(key, family);
            }
            else
            {
                Invariant.Require(value.Length <= StorageLimits.StateValueBytesMax, "a state value is at most StateValueBytesMax bytes");
                batch.Put(key, value, family);
            }
        }
    }

    private IEnumerable<KeyValuePair<byte[], byte[]>> ScanIterator(byte[] prefix, byte[]? after, int limit)
    {
        if (limit == 0)
        {
            yield break;
        }

        var start = after is not null && ByteKeyComparer.Instance.Compare(after, prefix) > 0 ? after : prefix;
        using var iterator = _db.NewIterator(_family, _reads);
        var count = 0;
        for (iterator.Seek(start); iterator.Valid() && count < limit; iterator.Next())
        {
            var key = iterator.Key();
            if (!key.AsSpan().StartsWith(prefix))
            {
                yield break;
            }

            if (after is not null && key.AsSpan().SequenceEqual(after))
            {
                continue;
            }

            var value = iterator.Value();
            Bounds.Check(value, StorageLimits.StateValueBytesMax, "a state value");
            count++;
            yield return new KeyValuePair<byte[], byte[]>(key, value);
        }

        // An iterator in error is merely not Valid(): without this, a failed read (an I/O error, or a
        // snapshot on a secondary instance, which RocksDB does not support) would list as a short table.
        Native.Instance.rocksdb_iter_get_error(iterator.Handle);
    }
}

using Ledger.Core;
using Ledger.Core.State;

namespace Ledger.Storage;

/// <summary>
/// The committed state read through a small in-memory map of the answers RocksDB already gave,
/// absences included (D40). A transaction's keys are read several times by one node before they are
/// written — admission, the block proposal or its validation, the mempool's re-check — and most of
/// those reads are misses (a behaviour record's new dedup key), which RocksDB answers slowly.
/// <para>
/// Exact: the chain store is the only writer of its state, and every write goes between
/// <see cref="BeginWrite"/> and <see cref="EndWrite"/>, which drop the written keys. A read that
/// overlapped a write is not remembered (the write version moved), so a stale answer never enters
/// the map. After EndWrite returns every read sees the write, as a read of RocksDB would. While a
/// write is in progress a concurrent reader may see a key's old value after another key's new one;
/// readers that need several keys to agree read a <see cref="ChainSnapshot"/>, which has no cache.
/// </para>
/// <para>Bounded: at most <see cref="StorageLimits.StateCacheEntriesMax"/> entries and
/// <see cref="StorageLimits.StateCacheBytesMax"/> bytes; when either is reached the map starts empty again.</para>
/// </summary>
public sealed class CommittedStateCache : IStateView
{
    private readonly IStateView _store;
    private readonly Lock _gate = new();
    private readonly Dictionary<byte[], byte[]?> _entries = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], byte[]?>.AlternateLookup<ReadOnlySpan<byte>> _bySpan;
    private long _version;
    private bool _writing;
    private long _bytes;

    public CommittedStateCache(IStateView store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>Entries held now (for tests).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public byte[]? Get(ReadOnlySpan<byte> key)
    {
        long version;
        lock (_gate)
        {
            if (_bySpan.TryGetValue(key, out var cached))
            {
                return cached;
            }

            version = _version;
        }

        var value = _store.Get(key);
        if (value is null || value.Length <= StorageLimits.StateCacheValueBytesMax)
        {
            Remember(key, value, version);
        }

        return value;
    }

    /// <summary>Called before the store writes state: reads from now on until <see cref="EndWrite"/> are not remembered.</summary>
    public void BeginWrite()
    {
        lock (_gate)
        {
            Invariant.Require(!_writing, "one state write at a time");
            _writing = true;
            _version++;
        }
    }

    /// <summary>Called after the write (whether it succeeded or threw): forgets every key it may have changed.</summary>
    public void EndWrite(IEnumerable<byte[]> keys)
    {
        lock (_gate)
        {
            foreach (var key in keys)
            {
                if (_entries.Remove(key, out var old))
                {
                    _bytes -= Size(key, old);
                }
            }

            _writing = false;
            _version++;
        }
    }

    /// <summary>Forgets everything (a write whose keys are not known, e.g. a test's tampering).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
            _bytes = 0;
            _version++;
        }
    }

    private void Remember(ReadOnlySpan<byte> key, byte[]? value, long version)
    {
        lock (_gate)
        {
            if (_writing || _version != version)
            {
                return;
            }

            var size = Size(key, value);
            if (_entries.Count >= StorageLimits.StateCacheEntriesMax || _bytes + size > StorageLimits.StateCacheBytesMax)
            {
                _entries.Clear();
                _bytes = 0;
            }

            if (_bySpan.TryAdd(key, value))
            {
                _bytes += size;
            }
        }
    }

    /// <summary>Key, value and about 64 bytes of map entry and array headers.</summary>
    private static long Size(ReadOnlySpan<byte> key, byte[]? value) => 64L + key.Length + (value?.Length ?? 0);
}

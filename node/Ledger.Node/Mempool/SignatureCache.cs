using System.Collections.Concurrent;
using Ledger.Core.Execution;
using Ledger.Core.State;

namespace Ledger.Node.Mempool;

/// <summary>
/// A bounded, thread-safe set of verified signatures; the oldest go first when it is full.
/// Keys are compared byte for byte (ByteKeyComparer; no digest, so a hit is exactly the triple that verified), in a
/// concurrent set: admission on many threads, block execution and the verify pipeline read it without
/// queuing behind one lock. The queue's length is counted here: ConcurrentQueue.Count takes a lock once the
/// queue spans segments, and SubmitBatch's verifying threads were seen waiting on it (D42).
/// </summary>
public sealed class SignatureCache : ISignatureCache
{
    /// <summary>Lock stripes of the set: the default (one per core) made admission threads queue on two locks.</summary>
    private const int WriterStripes = 64;

    /// <summary>The most entries the table is sized for at construction (8 MB of buckets).</summary>
    private const int PresizedMax = 1 << 20;

    private readonly int _capacity;
    private readonly ConcurrentDictionary<byte[], byte> _keys;
    private readonly ConcurrentQueue<byte[]> _order = new();
    private int _queued;

    public SignatureCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        // Sized for a full cache up front (up to PresizedMax), so it does not stop every writer to grow its table.
        _keys = new ConcurrentDictionary<byte[], byte>(WriterStripes, Math.Min(capacity, PresizedMax) + 1, ByteKeyComparer.Instance);
    }

    /// <summary>Keys held now; at most the capacity once every Add has returned.</summary>
    public int Count => _keys.Count;

    public bool Contains(ReadOnlySpan<byte> key) =>
        _keys.GetAlternateLookup<ReadOnlySpan<byte>>().ContainsKey(key);

    public void Add(ReadOnlySpan<byte> key)
    {
        var copy = key.ToArray();
        if (!_keys.TryAdd(copy, 0))
        {
            return;
        }

        _order.Enqueue(copy);
        Interlocked.Increment(ref _queued);
        while (Volatile.Read(ref _queued) > _capacity && _order.TryDequeue(out var oldest))
        {
            Interlocked.Decrement(ref _queued);
            _keys.TryRemove(oldest, out _);
        }
    }
}

using Ledger.Core.State;

namespace Ledger.Core.Execution;

/// <summary>
/// Values computed from a transaction's body alone (a behaviour chunk's records root), by transaction
/// id, so that the node's several executions of one transaction (admission, the mempool's re-check,
/// building the block, validating it) compute them once. The id hashes the body, so a hit is a value
/// of exactly these bytes; a miss only costs the computation. Bounded: emptied when full, so memory
/// stays at most <see cref="CapacityDefault"/> values. Thread-safe (one lock): the mempool and
/// consensus execute side by side.
/// </summary>
public sealed class TransactionMemo
{
    /// <summary>About 100 bytes each; a few blocks' worth of chunks.</summary>
    public const int CapacityDefault = 4096;

    private readonly Dictionary<byte[], byte[]> _values = new(ByteKeyComparer.Instance);
    private readonly Lock _gate = new();
    private readonly int _capacity;

    public TransactionMemo(int capacity = CapacityDefault)
    {
        Invariant.Require(capacity > 0, "a memo holds at least one value");
        _capacity = capacity;
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _values.Count;
            }
        }
    }

    /// <summary>The value for transactionId, computed by compute if it is not held. The array returned is shared: never change it.</summary>
    public byte[] GetOrAdd(byte[] transactionId, Func<byte[]> compute)
    {
        lock (_gate)
        {
            if (_values.TryGetValue(transactionId, out var held))
            {
                return held;
            }
        }

        var value = compute();
        lock (_gate)
        {
            if (_values.Count >= _capacity)
            {
                _values.Clear();
            }

            _values[transactionId] = value;
        }

        return value;
    }
}

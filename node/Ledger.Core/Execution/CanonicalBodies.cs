using Ledger.Core.State;

namespace Ledger.Core.Execution;

/// <summary>
/// Ids of transactions whose body this node found to be the canonical encoding (D55), so its later executions of the
/// same transaction (a peer's admission, the re-check, the block) parse the body but do not encode it again to compare.
/// The id hashes the sign bytes, which end with the body's bytes, so one id is one body: a hit is a verdict on exactly
/// these bytes. Only canonical verdicts are kept; a refused body is checked in full every time. Bounded: emptied when
/// full, as <see cref="TransactionMemo"/>. Thread-safe (one lock).
/// </summary>
public sealed class CanonicalBodies
{
    /// <summary>32-byte ids: about 100 bytes each with the set's own entry.</summary>
    public const int CapacityDefault = 16_384;

    private readonly HashSet<byte[]> _ids = new(ByteKeyComparer.Instance);
    private readonly Lock _gate = new();
    private readonly int _capacity;

    public CanonicalBodies(int capacity = CapacityDefault)
    {
        Invariant.Require(capacity > 0, "the set holds at least one id");
        _capacity = capacity;
    }

    public bool Contains(byte[] transactionId)
    {
        lock (_gate)
        {
            return _ids.Contains(transactionId);
        }
    }

    public void Add(byte[] transactionId)
    {
        lock (_gate)
        {
            if (_ids.Count >= _capacity)
            {
                _ids.Clear();
            }

            _ids.Add(transactionId);
        }
    }
}

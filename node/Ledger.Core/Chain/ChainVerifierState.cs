using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ledger.Core.State;

namespace Ledger.Core.Chain;

/// <summary>
/// The auditor's replayed state (D38): a hash map, so each read and write of re-execution is one lookup
/// instead of a walk down a sorted tree of millions of keys, and a read copies no key. Nothing is ever
/// enumerated in the map's order: <see cref="Entries"/> sorts, and <see cref="FirstDifference"/> compares with
/// a sorted stored table in lookups, reporting the first difference in key order as a merge of the two would.
/// Each entry is a struct inside the map (D41).
/// </summary>
public sealed class ReplayedState : IStateStore
{
    private readonly Dictionary<byte[], Entry> _entries = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], Entry>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public ReplayedState()
    {
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Count => _entries.Count;

    /// <summary>Every entry in ascending key order (sorted on each call).</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Entries =>
        _entries.Select(e => new KeyValuePair<byte[], byte[]>(e.Key, e.Value.Value)).OrderBy(e => e.Key, ByteKeyComparer.Instance);

    public byte[]? Get(ReadOnlySpan<byte> key) => _lookup.TryGetValue(key, out var entry) ? entry.Value : null;

    public void Apply(WriteSet changes)
    {
        foreach (var (key, value) in changes.Entries)
        {
            if (value is null)
            {
                _entries.Remove(key);
            }
            else
            {
                // A new key is added with this key array; a held one keeps its own and takes the new value.
                CollectionsMarshal.GetValueRefOrAddDefault(_entries, key, out _).Value = value;
            }
        }
    }

    /// <summary>How this state differs from a stored table read in ascending key order.</summary>
    public enum DifferenceKind
    {
        /// <summary>The key is in this state, not in the stored table.</summary>
        Missing,

        /// <summary>The key is stored, and not in this state.</summary>
        Unexpected,

        /// <summary>Both hold the key with different values.</summary>
        OtherValue,
    }

    /// <summary>
    /// The first key, in ascending order, where stored (which must come in ascending key order, as a RocksDB
    /// scan does) and this state differ; null when they hold the same entries. The same answer as a merge of
    /// both sorted lists, without sorting this state: one lookup per stored entry, then one pass for the
    /// smallest key never stored.
    /// </summary>
    public (byte[] Key, DifferenceKind Kind)? FirstDifference(IEnumerable<KeyValuePair<byte[], byte[]>> stored)
    {
        var round = unchecked(++_round);
        (byte[] Key, DifferenceKind Kind)? first = null;
        byte[]? previous = null;
        foreach (var (key, value) in stored)
        {
            Invariant.Require(previous is null || ByteKeyComparer.Instance.Compare(previous, key) < 0, "the stored table comes in ascending key order");
            previous = key;
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, key);
            if (Unsafe.IsNullRef(ref entry))
            {
                first ??= (key, DifferenceKind.Unexpected);
                continue;
            }

            entry.SeenInRound = round;
            if (first is null && !entry.Value.AsSpan().SequenceEqual(value))
            {
                first = (key, DifferenceKind.OtherValue);
            }
        }

        foreach (var (key, entry) in _entries)
        {
            if (entry.SeenInRound != round && (first is not { } found || ByteKeyComparer.Instance.Compare(key, found.Key) < 0))
            {
                first = (key, DifferenceKind.Missing);
            }
        }

        return first;
    }

    private long _round;

    /// <summary>Held in the map itself (a struct): millions of entries are not millions more objects for the GC to trace.</summary>
    private struct Entry
    {
        public byte[] Value;

        public long SeenInRound;
    }
}

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
    /// both sorted lists, without sorting this state: one lookup per stored entry, then, only when some entry
    /// of this state was never stored, one pass for the smallest such key.
    /// </summary>
    public (byte[] Key, DifferenceKind Kind)? FirstDifference(IEnumerable<KeyValuePair<byte[], byte[]>> stored)
    {
        var comparison = StartComparison();
        return comparison.Finish([comparison.Compare(stored)]);
    }

    /// <summary>
    /// Up to parts - 1 keys of this state, ascending and distinct, that cut its entries into about equal ranges
    /// (from a sample of its keys): where a caller splits the stored table to compare its parts side by side.
    /// Any split gives the same verdict; this one only balances the work.
    /// </summary>
    public IReadOnlyList<byte[]> SplitKeys(int parts)
    {
        Invariant.Require(parts is > 0 and <= SplitPartsMax, "a comparison is split into 1..SplitPartsMax parts");
        var step = Math.Max(1, _entries.Count / (parts * SplitSamplesPerPart));
        var sample = new List<byte[]>();
        var index = 0;
        foreach (var key in _entries.Keys)
        {
            if (index++ % step == 0)
            {
                sample.Add(key);
            }
        }

        sample.Sort(ByteKeyComparer.Instance);
        var splits = new List<byte[]>();
        for (var part = 1; part < parts && sample.Count > 0; part++)
        {
            var key = sample[sample.Count * part / parts];
            if (splits.Count == 0 || ByteKeyComparer.Instance.Compare(splits[^1], key) < 0)
            {
                splits.Add(key);
            }
        }

        return splits;
    }

    /// <summary>The most parts <see cref="SplitKeys"/> cuts a comparison into.</summary>
    public const int SplitPartsMax = 64;

    /// <summary>Keys sampled per part to place the split keys.</summary>
    private const int SplitSamplesPerPart = 64;

    /// <summary>
    /// One comparison with a stored table, which may come in several disjoint key ranges compared side by side
    /// (on other threads: <see cref="Comparison.Compare"/> only reads this state and marks the entries of its
    /// own range); <see cref="Comparison.Finish"/> then gives exactly what <see cref="FirstDifference"/> gives for
    /// the whole table. The state must not change until it finishes.
    /// </summary>
    public Comparison StartComparison() => new(this, unchecked(++_round));

    /// <summary>What one range of the stored table showed: its first difference, and how many of its keys this state holds.</summary>
    public readonly record struct RangeResult((byte[] Key, DifferenceKind Kind)? First, long Seen);

    public sealed class Comparison
    {
        private readonly ReplayedState _state;
        private readonly long _round;

        internal Comparison(ReplayedState state, long round)
        {
            _state = state;
            _round = round;
        }

        /// <summary>
        /// Compares one range of the stored table (ascending; ranges given to different calls must not overlap):
        /// its first key that this state lacks or holds another value for, and how many of its keys this state holds.
        /// </summary>
        public RangeResult Compare(IEnumerable<KeyValuePair<byte[], byte[]>> stored)
        {
            (byte[] Key, DifferenceKind Kind)? first = null;
            byte[]? previous = null;
            long seen = 0;
            foreach (var (key, value) in stored)
            {
                Invariant.Require(previous is null || ByteKeyComparer.Instance.Compare(previous, key) < 0, "the stored table comes in ascending key order");
                previous = key;
                ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_state._entries, key);
                if (Unsafe.IsNullRef(ref entry))
                {
                    first ??= (key, DifferenceKind.Unexpected);
                    continue;
                }

                Invariant.Require(entry.SeenInRound != _round, "the ranges of one comparison do not overlap");
                entry.SeenInRound = _round;
                seen++;
                if (first is null && !entry.Value.AsSpan().SequenceEqual(value))
                {
                    first = (key, DifferenceKind.OtherValue);
                }
            }

            return new RangeResult(first, seen);
        }

        /// <summary>
        /// The first difference of the whole table from the results of all its ranges, in ascending key order of the
        /// ranges. Every entry of this state was stored when the ranges saw as many keys as it holds; otherwise one
        /// pass finds the smallest key never stored, which is the answer when it comes before the first stored difference.
        /// </summary>
        public (byte[] Key, DifferenceKind Kind)? Finish(IReadOnlyList<RangeResult> ranges)
        {
            var first = ranges.Select(r => r.First).FirstOrDefault(f => f is not null);
            if (ranges.Sum(r => r.Seen) == _state._entries.Count)
            {
                return first;
            }

            foreach (var (key, entry) in _state._entries)
            {
                if (entry.SeenInRound != _round && (first is not { } found || ByteKeyComparer.Instance.Compare(key, found.Key) < 0))
                {
                    first = (key, DifferenceKind.Missing);
                }
            }

            return first;
        }
    }

    private long _round;

    /// <summary>Held in the map itself (a struct): millions of entries are not millions more objects for the GC to trace.</summary>
    private struct Entry
    {
        public byte[] Value;

        public long SeenInRound;
    }
}

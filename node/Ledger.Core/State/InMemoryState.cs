namespace Ledger.Core.State;

/// <summary>The reference state store: an ordered map. Used by tests, simulation and the auditor.</summary>
/// <remarks>
/// Reads go to a hash map looked up by span (the auditor's replay reads it for every key a transaction
/// touches, over millions of entries); the key order is made by sorting when <see cref="Entries"/> or
/// <see cref="WithPrefix"/> is asked for, and kept until the next <see cref="Apply"/>.
/// </remarks>
public sealed class InMemoryState : IStateStore
{
    private readonly Dictionary<byte[], byte[]> _entries;
    private readonly Dictionary<byte[], byte[]>.AlternateLookup<ReadOnlySpan<byte>> _bySpan;
    private KeyValuePair<byte[], byte[]>[]? _sorted;

    public InMemoryState()
    {
        _entries = new Dictionary<byte[], byte[]>(ByteKeyComparer.Instance);
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Count => _entries.Count;

    /// <summary>Every entry in ascending key order.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Entries => Sorted();

    public byte[]? Get(ReadOnlySpan<byte> key) => _bySpan.TryGetValue(key, out var value) ? value : null;

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
                _entries[key] = value;
            }
        }

        _sorted = null;
    }

    /// <summary>Entries whose key starts with prefix, in key order.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> WithPrefix(byte[] prefix) =>
        Sorted().Where(entry => entry.Key.AsSpan().StartsWith(prefix));

    private KeyValuePair<byte[], byte[]>[] Sorted()
    {
        if (_sorted is { } sorted)
        {
            return sorted;
        }

        sorted = [.. _entries];
        Array.Sort(sorted, static (x, y) => x.Key.AsSpan().SequenceCompareTo(y.Key));
        _sorted = sorted;
        return sorted;
    }
}

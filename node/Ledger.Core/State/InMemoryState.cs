namespace Ledger.Core.State;

/// <summary>The reference state store: a sorted map. Used by tests, simulation and the auditor.</summary>
public sealed class InMemoryState : IStateStore
{
    private readonly SortedDictionary<byte[], byte[]> _entries = new(ByteKeyComparer.Instance);

    public int Count => _entries.Count;

    /// <summary>Every entry in ascending key order.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Entries => _entries;

    public byte[]? Get(ReadOnlySpan<byte> key) => _entries.GetValueOrDefault(key.ToArray());

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
    }

    /// <summary>Entries whose key starts with prefix, in key order.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> WithPrefix(byte[] prefix) =>
        _entries.Where(entry => entry.Key.AsSpan().StartsWith(prefix));
}

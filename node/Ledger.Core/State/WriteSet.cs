namespace Ledger.Core.State;

/// <summary>
/// The changes of a transaction or a block: key -> new value, or null for a deletion.
/// Enumerates in ascending key order, so anything hashed from it is canonical.
/// </summary>
public sealed class WriteSet
{
    private readonly SortedDictionary<byte[], byte[]?> _entries = new(ByteKeyComparer.Instance);

    public int Count => _entries.Count;

    public IEnumerable<KeyValuePair<byte[], byte[]?>> Entries => _entries;

    public bool TryGet(ReadOnlySpan<byte> key, out byte[]? value) => _entries.TryGetValue(key.ToArray(), out value);

    public void Put(byte[] key, byte[] value) => _entries[key] = value;

    public void Delete(byte[] key) => _entries[key] = null;

    /// <summary>Later changes win: applies other on top of this.</summary>
    public void Merge(WriteSet other)
    {
        foreach (var (key, value) in other._entries)
        {
            _entries[key] = value;
        }
    }
}

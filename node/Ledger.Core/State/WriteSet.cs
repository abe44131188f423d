namespace Ledger.Core.State;

/// <summary>
/// The changes of a transaction or a block: key -> new value, or null for a deletion.
/// Enumerates in ascending key order, so anything hashed from it is canonical.
/// </summary>
/// <remarks>
/// Reads and writes go to a hash map (a block's overlay holds tens of thousands of keys and is read
/// for every key a transaction touches); the ascending order is made by sorting when
/// <see cref="Entries"/> is asked for, and kept until the next change.
/// </remarks>
public sealed class WriteSet
{
    private readonly Dictionary<byte[], byte[]?> _entries;
    private readonly Dictionary<byte[], byte[]?>.AlternateLookup<ReadOnlySpan<byte>> _bySpan;
    private KeyValuePair<byte[], byte[]?>[]? _sorted;

    public WriteSet()
    {
        _entries = new Dictionary<byte[], byte[]?>(ByteKeyComparer.Instance);
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Count => _entries.Count;

    /// <summary>Every change in ascending (unsigned lexicographic) key order.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]?>> Entries => Sorted();

    public bool TryGet(ReadOnlySpan<byte> key, out byte[]? value) => _bySpan.TryGetValue(key, out value);

    public void Put(byte[] key, byte[] value)
    {
        _entries[key] = value;
        _sorted = null;
    }

    public void Delete(byte[] key)
    {
        _entries[key] = null;
        _sorted = null;
    }

    /// <summary>Later changes win: applies other on top of this.</summary>
    public void Merge(WriteSet other)
    {
        if (other._entries.Count == 0)
        {
            return;
        }

        foreach (var (key, value) in other._entries)
        {
            _entries[key] = value;
        }

        _sorted = null;
    }

    private KeyValuePair<byte[], byte[]?>[] Sorted()
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

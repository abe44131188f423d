namespace Ledger.Core.State;

/// <summary>
/// The changes of a transaction or a block: key -> new value, or null for a deletion.
/// Enumerates in ascending key order, so anything hashed from it is canonical.
/// </summary>
/// <remarks>
/// Reads and writes go to a hash map (a block's overlay holds tens of thousands of keys and is read
/// for every key a transaction touches); the ascending order is made by sorting when
/// <see cref="Entries"/> is asked for; a put or delete after that updates the sorted view, a merge drops it.
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

    public void Put(byte[] key, byte[] value) => Set(key, value);

    public void Delete(byte[] key) => Set(key, null);

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

    /// <summary>
    /// One change. A sorted view already made is kept, with the change put in its place (a new array,
    /// so an enumeration in progress is not disturbed): a block's state root sorts its changes, then
    /// adds the root's own key, and the commit enumerates them again without a second sort.
    /// </summary>
    private void Set(byte[] key, byte[]? value)
    {
        _entries[key] = value;
        if (_sorted is not { } sorted)
        {
            return;
        }

        var index = Array.BinarySearch(sorted, new KeyValuePair<byte[], byte[]?>(key, null), EntryOrder.Instance);
        KeyValuePair<byte[], byte[]?>[] next;
        if (index >= 0)
        {
            next = (KeyValuePair<byte[], byte[]?>[])sorted.Clone();
            next[index] = new(sorted[index].Key, value);
        }
        else
        {
            index = ~index;
            next = new KeyValuePair<byte[], byte[]?>[sorted.Length + 1];
            Array.Copy(sorted, next, index);
            next[index] = new(key, value);
            Array.Copy(sorted, index, next, index + 1, sorted.Length - index);
        }

        _sorted = next;
    }

    private sealed class EntryOrder : IComparer<KeyValuePair<byte[], byte[]?>>
    {
        public static readonly EntryOrder Instance = new();

        public int Compare(KeyValuePair<byte[], byte[]?> x, KeyValuePair<byte[], byte[]?> y) => ByteKeyComparer.Instance.Compare(x.Key, y.Key);
    }

    private KeyValuePair<byte[], byte[]?>[] Sorted()
    {
        if (_sorted is { } sorted)
        {
            return sorted;
        }

        sorted = [.. _entries];
        Array.Sort(sorted, EntryOrder.Instance);
        _sorted = sorted;
        return sorted;
    }
}

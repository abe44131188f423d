namespace Ledger.Core.State;

/// <summary>
/// Buffered changes on top of a view. A transaction runs in its own overlay; only a committed
/// transaction's overlay is merged into the block's, so a rejected one changes nothing.
/// </summary>
public sealed class StateOverlay : IStateView
{
    private readonly IStateView _parent;

    public StateOverlay(IStateView parent)
    {
        _parent = parent;
    }

    public WriteSet Changes { get; } = new();

    public byte[]? Get(ReadOnlySpan<byte> key) =>
        Changes.TryGet(key, out var value) ? value : _parent.Get(key);

    /// <summary>The overlay's own changes first; the keys it has not changed are read from the parent together.</summary>
    public void GetMany(IReadOnlyList<byte[]> keys, byte[]?[] values)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(values.Length, keys.Count);
        List<byte[]>? missing = null;
        List<int>? at = null;
        for (var i = 0; i < keys.Count; i++)
        {
            if (Changes.TryGet(keys[i], out var value))
            {
                values[i] = value;
            }
            else
            {
                (missing ??= []).Add(keys[i]);
                (at ??= []).Add(i);
            }
        }

        if (missing is null)
        {
            return;
        }

        var read = new byte[]?[missing.Count];
        _parent.GetMany(missing, read);
        for (var j = 0; j < read.Length; j++)
        {
            values[at![j]] = read[j];
        }
    }

    public void Put(byte[] key, byte[] value) => Changes.Put(key, value);

    public void Delete(byte[] key) => Changes.Delete(key);
}

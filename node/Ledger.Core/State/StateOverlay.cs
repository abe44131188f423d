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

    public void Put(byte[] key, byte[] value) => Changes.Put(key, value);

    public void Delete(byte[] key) => Changes.Delete(key);
}

using Ledger.Core.Execution;

namespace Ledger.Node.Mempool;

/// <summary>A bounded, thread-safe set of verified signatures; the oldest go first when it is full.</summary>
public sealed class SignatureCache(int capacity) : ISignatureCache
{
    private readonly HashSet<string> _keys = [];
    private readonly Queue<string> _order = new();
    private readonly Lock _gate = new();

    public bool Contains(ReadOnlySpan<byte> key)
    {
        var text = Convert.ToBase64String(key);
        lock (_gate)
        {
            return _keys.Contains(text);
        }
    }

    public void Add(ReadOnlySpan<byte> key)
    {
        var text = Convert.ToBase64String(key);
        lock (_gate)
        {
            if (!_keys.Add(text))
            {
                return;
            }

            _order.Enqueue(text);
            if (_order.Count > capacity)
            {
                _keys.Remove(_order.Dequeue());
            }
        }
    }
}

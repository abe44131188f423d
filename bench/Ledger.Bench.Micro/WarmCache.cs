using Ledger.Core.Execution;

namespace Ledger.Bench.Micro;

/// <summary>A signature cache like the node's (Ledger.Node's SignatureCache: base64 keys in a locked set), unbounded for the benchmark.</summary>
public sealed class WarmCache : ISignatureCache
{
    private readonly HashSet<string> _keys = [];
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
            _keys.Add(text);
        }
    }
}

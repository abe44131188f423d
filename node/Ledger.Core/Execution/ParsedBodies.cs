using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Execution;

/// <summary>
/// Behaviour chunks' bodies as parsed and found canonical, by transaction id (D46), so a node that checks a
/// chunk's envelope at admission does not parse and re-encode its 600 records again for the re-check and the
/// block. The id hashes the exact body bytes (<see cref="SignBytes"/>), so a body found here is what parsing
/// those bytes gives. Only SubmitBehaviourBatch bodies are kept: their handler only reads its body, and a body
/// held here is shared by every execution, so it must never be changed.
/// Bounded by the encoded bytes held (<see cref="BodyBytesMaxDefault"/>); the oldest go first. Thread-safe
/// (one lock): admission, the re-check and consensus execute side by side.
/// </summary>
public sealed class ParsedBodies
{
    /// <summary>About 250 chunks of 600 records (a mempool's backlog and a block), ≈ 4× that in parsed objects.</summary>
    public const int BodyBytesMaxDefault = 16 * 1024 * 1024;

    private readonly Dictionary<byte[], TransactionBody> _bodies = new(ByteKeyComparer.Instance);
    private readonly Queue<(byte[] TransactionId, int Bytes)> _order = new();
    private readonly Lock _gate = new();
    private readonly long _bytesMax;
    private long _bytes;

    public ParsedBodies(long bytesMax = BodyBytesMaxDefault)
    {
        Invariant.Require(bytesMax > 0, "parsed bodies are bounded by a positive number of bytes");
        _bytesMax = bytesMax;
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _bodies.Count;
            }
        }
    }

    /// <summary>Encoded bytes of the bodies held.</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Whether a body may be kept: a behaviour chunk, whose handler never changes its body.</summary>
    public static bool Keeps(TransactionBody body) => body.KindCase == TransactionBody.KindOneofCase.SubmitBehaviourBatch;

    /// <summary>The body parsed earlier from the bytes transactionId hashes, or null. Shared: never change it.</summary>
    public TransactionBody? Find(ReadOnlySpan<byte> transactionId)
    {
        lock (_gate)
        {
            return _bodies.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(transactionId, out var body) ? body : null;
        }
    }

    /// <summary>Keeps body, parsed from bodyBytes bytes and found canonical, for transactionId; the oldest leave to make room.</summary>
    public void Add(byte[] transactionId, TransactionBody body, int bodyBytes)
    {
        Invariant.Require(Keeps(body), "only behaviour chunks' bodies are kept");
        if (bodyBytes > _bytesMax)
        {
            return;
        }

        lock (_gate)
        {
            if (_bodies.ContainsKey(transactionId))
            {
                return;
            }

            while (_bytes + bodyBytes > _bytesMax && _order.TryDequeue(out var oldest))
            {
                _bodies.Remove(oldest.TransactionId);
                _bytes -= oldest.Bytes;
            }

            _bodies[transactionId] = body;
            _order.Enqueue((transactionId, bodyBytes));
            _bytes += bodyBytes;
        }
    }
}

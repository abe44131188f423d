using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Node.Chain;
using Ledger.Node.Observability;
using Ledger.Node.Options;
using Microsoft.Extensions.Options;

namespace Ledger.Node.Mempool;

/// <summary>
/// Transactions admitted but not yet committed, in arrival order. Admission runs the state
/// machine's own check against the committed state, so a refusal comes back at once with its
/// code; after each block what is left is checked again and whatever would now be refused is
/// dropped with its receipt. Bounded by MempoolTransactionsMax.
/// </summary>
public sealed class Mempool
{
    private readonly NodeChain _chain;
    private readonly TransactionTracker _tracker;
    private readonly TimeProvider _clock;
    private readonly NodeMetrics _metrics;
    private readonly int _capacity;
    private readonly LinkedList<Pending> _order = new();
    private readonly Dictionary<string, LinkedListNode<Pending>> _byId = [];
    private readonly Lock _gate = new();
    private TaskCompletionSource _arrived = NewSignal();

    public Mempool(NodeChain chain, TransactionTracker tracker, TimeProvider clock, NodeMetrics metrics, IOptions<NodeOptions> options)
    {
        _metrics = metrics;
        _chain = chain;
        _tracker = tracker;
        _clock = clock;
        _capacity = options.Value.MempoolTransactionsMax;
        chain.Committed += OnCommitted;
    }

    public sealed record Pending(string Id, byte[] TransactionId, Envelope Envelope);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _order.Count;
            }
        }
    }

    /// <summary>Completes when a transaction arrives after the call.</summary>
    public Task Arrival => Volatile.Read(ref _arrived).Task;

    /// <summary>Raised after any transaction is admitted, from a client or a peer.</summary>
    public event Action? Arrived;

    /// <summary>Raised for each transaction a client submitted and this node admitted, so peers can hear of it.</summary>
    public event Action<Envelope>? AdmittedFromClient;

    /// <summary>Admits a client's transaction and passes it on to the peers.</summary>
    public SubmitReply Admit(Envelope envelope)
    {
        var reply = AdmitFromPeer(envelope);
        // Only a client's submission counts as a refusal here: a peer's copy was counted where it was submitted.
        _metrics.Rejected(reply.Code);
        if (reply.Code == RejectionCode.Unspecified && reply.Message.Length == 0)
        {
            AdmittedFromClient?.Invoke(envelope);
        }

        return reply;
    }

    /// <summary>Admits a transaction a peer passed on; it is not passed on again.</summary>
    public SubmitReply AdmitFromPeer(Envelope envelope)
    {
        var transactionId = SignBytes.TransactionId(_chain.Machine.Parameters.Hash, envelope);
        var id = Convert.ToHexStringLower(transactionId);
        if (Contains(id))
        {
            return Reply(transactionId, RejectionCode.Unspecified, "already waiting in the mempool");
        }

        var receipt = _chain.Machine.Check(_chain.State, _chain.NextBlockContext(_clock.GetUtcNow().ToUnixTimeMilliseconds()), envelope);
        if (receipt.Code != RejectionCode.Unspecified)
        {
            return Reply(transactionId, receipt.Code, receipt.Message);
        }

        lock (_gate)
        {
            if (_order.Count >= _capacity)
            {
                return Reply(transactionId, RejectionCode.MempoolFull, $"the mempool is full ({_capacity} transactions); submit again later");
            }

            // Checked under the gate: a twin submission admitted, committed and removed meanwhile must not come back.
            if (_chain.Store.FindTransaction(transactionId) is not null)
            {
                return Reply(transactionId, RejectionCode.NonceReused, "this transaction is already committed");
            }

            if (!_byId.ContainsKey(id))
            {
                _byId[id] = _order.AddLast(new Pending(id, transactionId, envelope));
            }
        }

        Interlocked.Exchange(ref _arrived, NewSignal()).TrySetResult();
        Arrived?.Invoke();
        return Reply(transactionId, RejectionCode.Unspecified, "");
    }

    public bool Contains(string id)
    {
        lock (_gate)
        {
            return _byId.ContainsKey(id);
        }
    }

    /// <summary>Up to max waiting transactions, oldest first.</summary>
    public IReadOnlyList<Pending> Candidates(int max)
    {
        lock (_gate)
        {
            return _order.Take(max).ToList();
        }
    }

    /// <summary>Takes out what a proposer found would be refused, and tells whoever waits for it.</summary>
    public void Drop(byte[] transactionId, Receipt receipt)
    {
        Remove(Convert.ToHexStringLower(transactionId));
        _metrics.Rejected(receipt.Code);
        _tracker.Refused(transactionId, receipt);
    }

    private void OnCommitted(ExecutedBlock block)
    {
        foreach (var receipt in block.Execution.Receipts)
        {
            _metrics.Rejected(receipt.Code);
            Remove(Convert.ToHexStringLower(receipt.TransactionId.Span));
        }

        RecheckRemaining();
    }

    /// <summary>Signatures are not verified again here: the signature cache remembers them.</summary>
    private void RecheckRemaining()
    {
        var context = _chain.NextBlockContext(_clock.GetUtcNow().ToUnixTimeMilliseconds());
        foreach (var pending in Candidates(int.MaxValue))
        {
            var receipt = _chain.Machine.Check(_chain.State, context, pending.Envelope);
            if (receipt.Code != RejectionCode.Unspecified)
            {
                Drop(pending.TransactionId, receipt);
            }
        }
    }

    private void Remove(string id)
    {
        lock (_gate)
        {
            if (_byId.Remove(id, out var node))
            {
                _order.Remove(node);
            }
        }
    }

    private static SubmitReply Reply(byte[] transactionId, RejectionCode code, string message) =>
        new() { TransactionId = ByteString.CopyFrom(transactionId), Code = code, Message = message };

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

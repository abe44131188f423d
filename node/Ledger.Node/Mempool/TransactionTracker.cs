using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Node.Chain;

namespace Ledger.Node.Mempool;

/// <summary>
/// What became of transactions this node admitted: clients waiting in SubmitAndWait are woken
/// when theirs commits or is refused; refusals after admission are remembered (bounded) for GetTransaction.
/// Such a refusal is this node's view at the height it was found (D52): the reply says that height, and a later
/// commit of the same transaction still wins in GetTransaction, which looks at the committed blocks first.
/// </summary>
public sealed class TransactionTracker
{
    public const int RefusalsRememberedMax = 100_000;

    private readonly Dictionary<string, List<TaskCompletionSource<TransactionReply>>> _waiters = [];
    private readonly Dictionary<string, Refusal> _refused = [];
    private readonly Queue<string> _refusedOrder = new();
    private readonly Lock _gate = new();

    public TransactionTracker(NodeChain chain)
    {
        chain.Committed += OnCommitted;
    }

    /// <summary>A waiter of this caller's own that completes when the transaction commits or is refused.</summary>
    public TaskCompletionSource<TransactionReply> WaitFor(byte[] transactionId)
    {
        var id = Convert.ToHexStringLower(transactionId);
        var waiter = new TaskCompletionSource<TransactionReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (!_waiters.TryGetValue(id, out var list))
            {
                _waiters[id] = list = [];
            }

            list.Add(waiter);
        }

        return waiter;
    }

    /// <summary>This caller stops waiting; others waiting for the same transaction are not disturbed.</summary>
    public void StopWaiting(byte[] transactionId, TaskCompletionSource<TransactionReply> waiter)
    {
        var id = Convert.ToHexStringLower(transactionId);
        lock (_gate)
        {
            if (_waiters.TryGetValue(id, out var list) && list.Remove(waiter) && list.Count == 0)
            {
                _waiters.Remove(id);
            }
        }

        waiter.TrySetCanceled();
    }

    public Receipt? RefusalOf(string id)
    {
        lock (_gate)
        {
            return _refused.GetValueOrDefault(id)?.Receipt;
        }
    }

    /// <summary>The REFUSED reply for a transaction refused after admission, with the height it was dropped at; null when none is remembered.</summary>
    public TransactionReply? RefusedReply(string id)
    {
        lock (_gate)
        {
            return _refused.GetValueOrDefault(id) is { } refusal ? refusal.Reply() : null;
        }
    }

    /// <summary>
    /// The transaction left this node's mempool refused, found so on the committed head at droppedAtHeight: remembered,
    /// and its waiters told REFUSED with that height (not final: another validator's block may still commit it).
    /// </summary>
    public void Refused(byte[] transactionId, Receipt receipt, ulong droppedAtHeight)
    {
        var id = Convert.ToHexStringLower(transactionId);
        var refusal = new Refusal(receipt, droppedAtHeight);
        lock (_gate)
        {
            // The latest refusal wins (D52): a dropped transaction may be admitted again and dropped again later.
            // It keeps its first place in the order of forgetting.
            if (_refused.TryAdd(id, refusal))
            {
                _refusedOrder.Enqueue(id);
                if (_refusedOrder.Count > RefusalsRememberedMax)
                {
                    _refused.Remove(_refusedOrder.Dequeue());
                }
            }
            else
            {
                _refused[id] = refusal;
            }
        }

        Complete(id, refusal.Reply());
    }

    private void OnCommitted(ExecutedBlock block)
    {
        var header = block.Block.Header;
        for (var i = 0; i < block.Execution.Receipts.Count; i++)
        {
            var receipt = block.Execution.Receipts[i];
            // Most receipts have nobody waiting here (another validator's client submitted them): no reply is built for those.
            if (TakeWaiters(Convert.ToHexStringLower(receipt.TransactionId.Span)) is not { } waiters)
            {
                continue;
            }

            var reply = new TransactionReply
            {
                TransactionId = receipt.TransactionId,
                Status = TransactionStatus.Committed,
                Receipt = receipt,
                Height = header.Height,
                Index = (uint)i,
                Envelope = block.Block.Transactions[i],
            };
            foreach (var waiter in waiters)
            {
                waiter.TrySetResult(reply);
            }
        }
    }

    private void Complete(string id, TransactionReply reply)
    {
        foreach (var waiter in TakeWaiters(id) ?? [])
        {
            waiter.TrySetResult(reply);
        }
    }

    private List<TaskCompletionSource<TransactionReply>>? TakeWaiters(string id)
    {
        lock (_gate)
        {
            return _waiters.Remove(id, out var waiters) ? waiters : null;
        }
    }

    private sealed record Refusal(Receipt Receipt, ulong DroppedAtHeight)
    {
        public TransactionReply Reply() => new()
        {
            TransactionId = Receipt.TransactionId,
            Status = TransactionStatus.Refused,
            Receipt = Receipt,
            DroppedAtHeight = DroppedAtHeight,
        };
    }
}

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
/// dropped with its receipt. Bounded in total (MempoolTransactionsMax, MempoolBytesMax) and per
/// signer (MempoolTransactionsPerSignerMax), and a proposer takes candidates round-robin by signer,
/// so one signer's flood can neither fill the mempool nor crowd others out of blocks (D29).
/// The re-check after a block looks at up to MempoolRecheckPerBlockMax transactions for up to
/// MempoolRecheckMsPerBlockMax, continuing in arrival order where the last one stopped (D39): a proposer executes every candidate anyway and drops what
/// would be refused, so the re-check only tells waiting clients sooner and frees room. It checks each transaction as it was
/// admitted: a client's in full, a peer's on its envelope only (D55).
/// </summary>
public sealed class Mempool
{
    private readonly NodeChain _chain;
    private readonly TransactionTracker _tracker;
    private readonly TimeProvider _clock;
    private readonly NodeMetrics _metrics;
    private readonly int _capacity;
    private readonly long _bytesMax;
    private readonly int _perSignerMax;
    private readonly int _blockTransactionsMax;
    private readonly int _recheckPerBlockMax;
    private readonly TimeSpan _recheckBudget;
    private readonly LinkedList<Pending> _order = new();
    private readonly Dictionary<string, LinkedListNode<Pending>> _byId = [];
    private readonly Dictionary<string, int> _countBySigner = [];
    private long _bytes;
    private long _arrivals;
    private long _recheckedThrough;
    private Task _recheck = Task.CompletedTask;
    private bool _rechecking;
    private bool _recheckAgain;
    private readonly Lock _gate = new();
    private TaskCompletionSource _arrived = NewSignal();

    public Mempool(NodeChain chain, TransactionTracker tracker, TimeProvider clock, NodeMetrics metrics, IOptions<NodeOptions> options)
    {
        _metrics = metrics;
        _chain = chain;
        _tracker = tracker;
        _clock = clock;
        _capacity = options.Value.MempoolTransactionsMax;
        _bytesMax = options.Value.MempoolBytesMax;
        _perSignerMax = options.Value.MempoolTransactionsPerSignerMax;
        _blockTransactionsMax = Math.Min(options.Value.BlockTransactionsMax, Blocks.TransactionsPerBlockMax);
        _recheckPerBlockMax = options.Value.MempoolRecheckPerBlockMax;
        _recheckBudget = TimeSpan.FromMilliseconds(options.Value.MempoolRecheckMsPerBlockMax);
        chain.Committed += OnCommitted;
    }

    /// <summary>A waiting transaction; Signer is the envelope's primary signer, whose share of the mempool it takes; Arrival numbers admissions from 1.</summary>
    /// <remarks>FromClient: a client submitted it to this node, which ran its handler; a peer's copy was only checked on its envelope (D39).</remarks>
    public sealed record Pending(string Id, byte[] TransactionId, Envelope Envelope, string Signer, int Bytes, long Arrival = 0, bool FromClient = false);

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

    /// <summary>Admits a client's transaction, executed against the committed state, and passes it on to the peers.</summary>
    public SubmitReply Admit(Envelope envelope)
    {
        var reply = Admit(envelope, execute: true);
        // Only a client's submission counts as a refusal here: a peer's copy was counted where it was submitted.
        _metrics.Rejected(reply.Code);
        if (reply.Code == RejectionCode.Unspecified && reply.Message.Length == 0)
        {
            AdmittedFromClient?.Invoke(envelope);
        }

        return reply;
    }

    /// <summary>
    /// Admits a transaction a peer passed on; it is not passed on again. Its envelope is checked in full here
    /// (signatures, nonce, expiry: what block validation needs cached) but its handler is not run (D39): the peer's
    /// admission ran it, and a proposer leaves out whatever would be refused. For a scenario chunk the handler is
    /// most of the cost, and every validator paid it once more for each chunk another had admitted.
    /// </summary>
    public SubmitReply AdmitFromPeer(Envelope envelope) => Admit(envelope, execute: false);

    private SubmitReply Admit(Envelope envelope, bool execute)
    {
        var transactionId = SignBytes.TransactionId(_chain.Machine.Parameters.Hash, envelope);
        var id = Convert.ToHexStringLower(transactionId);
        if (Find(id) is { } waiting)
        {
            return AlreadyWaiting(waiting, transactionId, envelope, execute);
        }

        // Before the signature check, so a signer at its cap costs the node no verification.
        if (SignerFull(envelope.Signer) is { } full)
        {
            return Reply(transactionId, RejectionCode.MempoolSignerFull, full);
        }

        var receipt = Check(envelope, execute);
        if (receipt.Code != RejectionCode.Unspecified)
        {
            return Reply(transactionId, receipt.Code, receipt.Message);
        }

        var bytes = envelope.CalculateSize();
        lock (_gate)
        {
            if (SignerFull(envelope.Signer) is { } signerFull)
            {
                return Reply(transactionId, RejectionCode.MempoolSignerFull, signerFull);
            }

            if (_order.Count >= _capacity || _bytes + bytes > _bytesMax)
            {
                return Reply(transactionId, RejectionCode.MempoolFull, $"the mempool is full ({_capacity} transactions or {_bytesMax} bytes); submit again later");
            }

            // Checked under the gate: a twin submission admitted, committed and removed meanwhile must not come back.
            if (IsCommitted(transactionId))
            {
                return Reply(transactionId, RejectionCode.NonceReused, "this transaction is already committed");
            }

            if (!_byId.ContainsKey(id))
            {
                _byId[id] = _order.AddLast(new Pending(id, transactionId, envelope, envelope.Signer, bytes, ++_arrivals, FromClient: execute));
                _countBySigner[envelope.Signer] = _countBySigner.GetValueOrDefault(envelope.Signer) + 1;
                _bytes += bytes;
            }
        }

        Interlocked.Exchange(ref _arrived, NewSignal()).TrySetResult();
        Arrived?.Invoke();
        return Reply(transactionId, RejectionCode.Unspecified, "");
    }

    public bool Contains(string id) => Find(id) is not null;

    /// <summary>
    /// The waiting envelope of each transaction id, null where none waits (D53: a compact proposal is rebuilt from them).
    /// Read-only, under one lock for the whole list. An envelope found here was checked at admission, so its
    /// signatures are in the signature cache; the block's validation finds them there and verifies only the rest.
    /// </summary>
    public Envelope?[] FindEnvelopes(IReadOnlyList<ByteString> transactionIds)
    {
        var ids = new string[transactionIds.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = Convert.ToHexStringLower(transactionIds[i].Span);
        }

        var found = new Envelope?[ids.Length];
        lock (_gate)
        {
            for (var i = 0; i < ids.Length; i++)
            {
                found[i] = _byId.TryGetValue(ids[i], out var node) ? node.Value.Envelope : null;
            }
        }

        return found;
    }

    /// <summary>
    /// The answer to a transaction sent again while it waits here. A client's copy of what a peer passed on has its handler
    /// run now, so a refusal is told now, not at a timeout. The committed transactions are looked up after that check (D48):
    /// a block the check's view saw is then found too, so a transaction committed and not yet removed (the tracker wakes
    /// its client before the mempool hears of the commit) is a replay, NONCE_REUSED, and never dropped as refused. A
    /// refusal removes the transaction only if no block has committed since the check's head (D52): one that did may hold
    /// it or make it valid again, and the re-check after it decides on that head.
    /// </summary>
    private SubmitReply AlreadyWaiting(Pending waiting, byte[] transactionId, Envelope envelope, bool execute)
    {
        BeforeCopyCheck?.Invoke();
        var check = execute && !waiting.FromClient ? CheckOnHead(envelope, execute: true) : ((Receipt Receipt, ulong Height)?)null;
        if (IsCommitted(transactionId))
        {
            return Reply(transactionId, RejectionCode.NonceReused, "this transaction is already committed");
        }

        if (check is ({ Code: not RejectionCode.Unspecified } refusal, var height))
        {
            BeforeRefusalDrop?.Invoke();
            var removed = RemoveRefused(waiting.Id, height, out var headMoved);
            if (!headMoved)
            {
                TellRefused(removed, transactionId, refusal, height);
                var dropped = Reply(transactionId, refusal.Code, refusal.Message);
                dropped.DroppedAtHeight = height;
                return dropped;
            }

            if (IsCommitted(transactionId))
            {
                return Reply(transactionId, RejectionCode.NonceReused, "this transaction is already committed");
            }
        }

        if (check is ({ Code: RejectionCode.Unspecified }, _))
        {
            // A client now waits for it here: the re-check runs its handler from now on, as for a client's own (D55).
            MarkFromClient(waiting.Id);
        }

        return Reply(transactionId, RejectionCode.Unspecified, "already waiting in the mempool");
    }

    private void MarkFromClient(string id)
    {
        lock (_gate)
        {
            if (_byId.TryGetValue(id, out var node))
            {
                node.Value = node.Value with { FromClient = true };
            }
        }
    }

    /// <summary>Whether a block holding the transaction is committed; reads the live store, so it sees every commit made before the call.</summary>
    private bool IsCommitted(byte[] transactionId) => _chain.Store.FindTransaction(transactionId) is not null;

    /// <summary>The state machine's check against one committed head (D43), its handler run only when execute.</summary>
    private Receipt Check(Envelope envelope, bool execute) => CheckOnHead(envelope, execute).Receipt;

    /// <summary>As <see cref="Check"/>, with the height of the head it read.</summary>
    private (Receipt Receipt, ulong Height) CheckOnHead(Envelope envelope, bool execute)
    {
        using var view = _chain.AdmissionView();
        var context = Context(view);
        var receipt = execute ? _chain.Machine.Check(view.State, context, envelope) : _chain.Machine.CheckEnvelope(view.State, context, envelope);
        return (receipt, view.Head.Height);
    }

    /// <summary>The next block's context after the view's head, at the mempool's clock.</summary>
    private BlockContext Context(Storage.HeadSnapshot view) => NodeChain.NextBlockContext(view.Head, _clock.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>Whether the signer may add another transaction now (below its per-signer cap).</summary>
    public bool HasRoomFor(string signer) => SignerFull(signer) is null;

    /// <summary>Transactions the signer has waiting.</summary>
    public int CountOf(string signer)
    {
        lock (_gate)
        {
            return _countBySigner.GetValueOrDefault(signer);
        }
    }

    /// <summary>
    /// Up to max waiting transactions for a block, round-robin by signer: one from each signer in turn,
    /// signers in the order of their oldest waiting transaction, each signer's own in arrival order.
    /// A signer with thousands waiting thus gets one place per round like everyone else.
    /// </summary>
    public IReadOnlyList<Pending> Candidates(int max) => RoundRobinBySigner(InArrivalOrder(), max);

    /// <summary>What a proposer offers the block it builds: at most BlockTransactionsMax, round-robin by signer.</summary>
    public IReadOnlyList<Pending> BlockCandidates() => Candidates(_blockTransactionsMax);

    /// <summary>Every waiting transaction, oldest first.</summary>
    private List<Pending> InArrivalOrder()
    {
        lock (_gate)
        {
            return [.. _order];
        }
    }

    /// <summary>The fair order of <see cref="Candidates"/>, over transactions given in arrival order.</summary>
    public static IReadOnlyList<Pending> RoundRobinBySigner(IReadOnlyList<Pending> arrivalOrder, int max)
    {
        var queues = new List<Queue<Pending>>();
        var bySigner = new Dictionary<string, Queue<Pending>>();
        foreach (var pending in arrivalOrder)
        {
            if (!bySigner.TryGetValue(pending.Signer, out var queue))
            {
                bySigner[pending.Signer] = queue = new Queue<Pending>();
                queues.Add(queue);
            }

            queue.Enqueue(pending);
        }

        var taken = new List<Pending>(Math.Min(max, arrivalOrder.Count));
        while (taken.Count < max && queues.Count > 0)
        {
            foreach (var queue in queues)
            {
                if (taken.Count == max)
                {
                    break;
                }

                taken.Add(queue.Dequeue());
            }

            queues.RemoveAll(q => q.Count == 0);
        }

        return taken;
    }

    /// <summary>
    /// Takes out what a proposer found would be refused, and tells whoever waits for it. The refusal is counted
    /// only where a client submitted the transaction, as at admission (a peer's copy is counted at that peer).
    /// Called on the consensus thread, which also commits, so the head cannot move meanwhile.
    /// </summary>
    public void Drop(byte[] transactionId, Receipt receipt) =>
        TellRefused(Remove(Convert.ToHexStringLower(transactionId)), transactionId, receipt, _chain.Head.Height);

    /// <summary>
    /// Removes a waiting transaction found refused on the head at height, unless a block has committed since (headMoved):
    /// that block may hold the transaction, valid inside it, or make it valid again, so the newer head decides. The head
    /// test and the removal are one step with respect to the chain's commits (under its commit gate, D52), so no block
    /// holding the transaction is written between them. Only refusals take the gate; the commit path is unchanged.
    /// Null when it was no longer waiting (removed by another path).
    /// </summary>
    private Pending? RemoveRefused(string id, ulong height, out bool headMoved)
    {
        var (moved, removed) = _chain.AtHead(head => head.Height != height ? (true, (Pending?)null) : (false, Remove(id)));
        headMoved = moved;
        return removed;
    }

    /// <summary>
    /// Tells the tracker (and so SubmitAndWait's waiters) that the transaction was refused at height (D52: this node's
    /// view, not final); counted as a refusal when a client had submitted it here.
    /// </summary>
    private void TellRefused(Pending? removed, byte[] transactionId, Receipt receipt, ulong height)
    {
        if (removed is { FromClient: true })
        {
            _metrics.Rejected(receipt.Code);
        }

        _tracker.Refused(transactionId, receipt, height);
    }

    private Pending? Find(string id)
    {
        lock (_gate)
        {
            return _byId.TryGetValue(id, out var node) ? node.Value : null;
        }
    }

    /// <summary>Test seam: runs on the re-check's thread just before it leases the committed head.</summary>
    internal Action? BeforeRecheckLease { get; set; }

    /// <summary>Test seam: runs on the re-check's thread just after it leased a head, with that head's height.</summary>
    internal Action<ulong>? AfterRecheckLease { get; set; }

    /// <summary>Test seam: runs just before a waiting transaction found refused is removed (by the re-check, or for a client's copy).</summary>
    internal Action? BeforeRefusalDrop { get; set; }

    /// <summary>Test seam: runs just before a client's copy of a transaction a peer passed on is checked.</summary>
    internal Action? BeforeCopyCheck { get; set; }

    /// <summary>Completes when the re-check started after the last block is done (tests wait for it).</summary>
    public Task Rechecked
    {
        get
        {
            lock (_gate)
            {
                return _recheck;
            }
        }
    }

    /// <summary>
    /// On the consensus thread, as part of the commit: the block's transactions leave, and the re-check of what is
    /// left starts on a worker thread (D40), so the next height does not wait for it. One re-check at a time: a block
    /// that commits while one runs makes it go round once more when it is done, against the newest head. A
    /// re-check that failed (a bug, a broken disk) throws here, at the next commit, as it did when it ran inline.
    /// </summary>
    private void OnCommitted(ExecutedBlock block)
    {
        foreach (var receipt in block.Execution.Receipts)
        {
            _metrics.Rejected(receipt.Code);
            Remove(Convert.ToHexStringLower(receipt.TransactionId.Span));
        }

        lock (_gate)
        {
            if (_rechecking)
            {
                // The running one goes round once more when it is done, on the newest head.
                _recheckAgain = true;
                return;
            }

            var previous = _recheck;
            _rechecking = true;
            _recheck = Task.Run(RecheckUntilCurrent);
            previous.GetAwaiter().GetResult();
        }
    }

    /// <summary>Re-checks once, and again while blocks committed during the last round asked for one.</summary>
    private void RecheckUntilCurrent()
    {
        try
        {
            while (true)
            {
                RecheckRemaining();
                lock (_gate)
                {
                    if (!_recheckAgain)
                    {
                        _rechecking = false;
                        return;
                    }

                    _recheckAgain = false;
                }
            }
        }
        catch
        {
            lock (_gate)
            {
                _rechecking = false;
                _recheckAgain = false;
            }

            throw;
        }
    }

    /// <summary>
    /// Against one snapshot of the committed state, so a block that commits meanwhile is not seen half-written;
    /// a transaction that left the mempool meanwhile (committed, or dropped) is not refused again. A refusal is acted on
    /// only on the newest head (D48), tested at one step with the removal (D52): found on an older one, it stops the round
    /// there, and the round that the newer block's commit sent (D43) goes on from it. Signatures are not verified again here: the signature cache remembers them.
    /// </summary>
    private void RecheckRemaining()
    {
        BeforeRecheckLease?.Invoke();
        using var lease = _chain.LeaseSnapshot();
        if (lease is null)
        {
            return;
        }

        AfterRecheckLease?.Invoke(lease.Head.Height);

        var context = Context(lease);
        var started = _clock.GetTimestamp();
        long last = 0;
        foreach (var pending in NextToRecheck())
        {
            // A time budget as well as a count: one scenario chunk of 600 records costs as much as hundreds of transfers.
            if (last != 0 && _clock.GetElapsedTime(started) >= _recheckBudget)
            {
                break;
            }

            // A peer's transaction is re-checked as it was admitted, on its envelope (D39, D55): its handler ran at the peer
            // that took it from a client, and whichever proposer meets it leaves it out if the handler would now refuse it.
            var receipt = pending.FromClient
                ? _chain.Machine.Check(lease.State, context, pending.Envelope)
                : _chain.Machine.CheckEnvelope(lease.State, context, pending.Envelope);
            // Committed in a block this lease already sees, and not yet removed by that block's commit: not a refusal.
            if (receipt.Code == RejectionCode.Unspecified || IsCommitted(pending.TransactionId))
            {
                last = pending.Arrival;
                continue;
            }

            BeforeRefusalDrop?.Invoke();
            var removed = RemoveRefused(pending.Id, lease.Head.Height, out var headMoved);
            if (headMoved)
            {
                // A block committed after the lease was taken: the transaction may have been admitted on that head, be in
                // that block, or be made valid again by it. Stop here; the commit sent this re-check round again, and it
                // goes on from here on that head.
                last = pending.Arrival - 1;
                break;
            }

            last = pending.Arrival;
            if (removed is not null)
            {
                TellRefused(removed, pending.TransactionId, receipt, lease.Head.Height);
            }
        }

        lock (_gate)
        {
            _recheckedThrough = last;
        }
    }

    /// <summary>
    /// Up to MempoolRecheckPerBlockMax waiting transactions: those that arrived after the last one re-checked,
    /// then, when the end is reached, from the oldest again.
    /// </summary>
    private List<Pending> NextToRecheck()
    {
        lock (_gate)
        {
            var after = _order.Where(p => p.Arrival > _recheckedThrough);
            var wrapped = _order.Where(p => p.Arrival <= _recheckedThrough);
            return after.Concat(wrapped).Take(_recheckPerBlockMax).ToList();
        }
    }

    private Pending? Remove(string id)
    {
        lock (_gate)
        {
            if (!_byId.Remove(id, out var node))
            {
                return null;
            }

            _order.Remove(node);
            _bytes -= node.Value.Bytes;
            var left = _countBySigner[node.Value.Signer] - 1;
            if (left == 0)
            {
                _countBySigner.Remove(node.Value.Signer);
            }
            else
            {
                _countBySigner[node.Value.Signer] = left;
            }

            return node.Value;
        }
    }

    /// <summary>Why the signer may not add another transaction now, or null when it may.</summary>
    private string? SignerFull(string signer)
    {
        lock (_gate)
        {
            return _countBySigner.GetValueOrDefault(signer) >= _perSignerMax
                ? $"signer {signer} already has {_perSignerMax} transactions waiting in this node's mempool, the most one signer may; submit again once some commit"
                : null;
        }
    }

    private static SubmitReply Reply(byte[] transactionId, RejectionCode code, string message) =>
        new() { TransactionId = ByteString.CopyFrom(transactionId), Code = code, Message = message };

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

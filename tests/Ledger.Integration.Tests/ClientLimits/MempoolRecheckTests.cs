using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Node.Chain;
using Ledger.Node.Mempool;
using Ledger.Node.Observability;
using Ledger.Node.Options;
using Ledger.Storage;
using Ledger.Testing;
using Microsoft.Extensions.Options;
using NodeMempool = Ledger.Node.Mempool.Mempool;

namespace Ledger.Integration.Tests.ClientLimits;

/// <summary>
/// D48: the re-check after a block (D40, on a worker thread) never refuses a transaction it has no right to.
/// On a real chain in RocksDB, with the re-check held at a chosen point through the mempool's test seams,
/// so each interleaving happens every run: a transaction admitted on a newer head than the re-check's is not
/// refused on the older one; a block committing during a re-check makes it go round again on the newest
/// head; a transaction whose block committed but which the mempool has not yet removed is not refused.
/// </summary>
public sealed class MempoolRecheckTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ledger-recheck-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly TestLedger _ledger = new();
    private readonly NodeChain _chain;
    private TransactionTracker _tracker = null!;

    public MempoolRecheckTests()
    {
        _chain = new NodeChain(RocksDbChainStore.Open(_directory), _ledger.Genesis, new SignatureCache(capacity: 1_000));
    }

    public void Dispose()
    {
        _chain.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_transaction_admitted_on_a_newer_head_is_not_refused_by_a_recheck_reading_an_older_one()
    {
        var mempool = Mempool();
        using var hold = new Hold();
        mempool.AfterRecheckLease = hold.FirstTime;

        // Block 1: its re-check leases head 1 and is held there.
        Commit(Registration("org-1"));
        hold.WaitUntilReached();
        var recheck = mempool.Rechecked;

        // Withdrawing M-1 is refused at head 1 (nothing filed yet) and valid once block 2 files it.
        var withdrawal = _ledger.Sign(TestLedger.Bureau, Bodies.WithdrawMethodology("M-1"));
        Assert.NotEqual(RejectionCode.Unspecified, CheckAtHead(withdrawal).Code);
        Commit(Methodology("M-1"));
        Admitted(mempool.Admit(withdrawal));

        hold.Release();
        await recheck.WaitAsync(Patience);

        Assert.Null(_tracker.RefusalOf(IdOf(withdrawal)));
        Assert.True(mempool.Contains(IdOf(withdrawal)));
    }

    [Fact]
    public async Task A_block_committed_while_a_recheck_runs_makes_it_go_round_again_on_the_newest_head()
    {
        var mempool = Mempool();
        var twin = Methodology("M-1");
        Admitted(mempool.Admit(twin));
        var leased = new List<ulong>();
        using var hold = new Hold();
        mempool.AfterRecheckLease = height =>
        {
            lock (leased)
            {
                leased.Add(height);
            }

            hold.FirstTime(height);
        };

        // Block 1's re-check is held at head 1, where the twin is valid; block 2 files M-1 meanwhile and starts no re-check of its own.
        Commit(Registration("org-1"));
        hold.WaitUntilReached();
        var recheck = mempool.Rechecked;
        Commit(Methodology("M-1"));
        Assert.Same(recheck, mempool.Rechecked);

        hold.Release();
        await recheck.WaitAsync(Patience);

        // Without a third block: the same re-check went round again on head 2 and refused the twin there.
        Assert.Equal([1UL, 2UL], leased);
        Assert.Equal(RejectionCode.MethodologyExists, _tracker.RefusalOf(IdOf(twin))?.Code);
        // D52: the refusal names the head it was found on; it is this node's view there, not final.
        var refused = _tracker.RefusedReply(IdOf(twin));
        Assert.Equal(TransactionStatus.Refused, refused?.Status);
        Assert.True(refused?.HasDroppedAtHeight);
        Assert.Equal(2UL, refused?.DroppedAtHeight);
        Assert.Equal(0, mempool.Count);
    }

    [Fact]
    public async Task A_transaction_whose_block_committed_before_the_mempool_removed_it_is_not_refused_by_the_recheck()
    {
        NodeMempool? mempool = null;
        Task? recheck = null;
        using var hold = new Hold();
        var envelope = Methodology("M-1");

        // Subscribed before the tracker and the mempool: it runs after the chain moved to block 2's head, before either
        // hears of block 2. Block 1's re-check leases a head only now, so it reads block 2's while the transaction waits.
        _chain.Committed += block =>
        {
            if (block.Block.Header.Height == 2)
            {
                hold.Release();
                Assert.True(recheck!.Wait(Patience));
            }
        };
        mempool = Mempool();
        var waiter = _tracker.WaitFor(IdBytesOf(envelope));
        Admitted(mempool.Admit(envelope));
        mempool.BeforeRecheckLease = () => hold.FirstTime(0);

        Commit(Registration("org-1"));
        hold.WaitUntilReached();
        recheck = mempool.Rechecked;
        Commit(envelope);

        // Whoever waits for it hears that it committed, not that it was refused.
        Assert.True(waiter.Task.IsCompleted);
        Assert.Equal(TransactionStatus.Committed, (await waiter.Task).Status);
        Assert.Null(_tracker.RefusalOf(IdOf(envelope)));
        Assert.Equal(0, mempool.Count);
    }

    [Fact]
    public async Task A_recheck_refusal_is_not_told_when_a_block_holding_the_transaction_commits_before_its_removal()
    {
        // D52: the re-check found the registration refused (its signer suspended at head 1) and is held just before it
        // removes it; block 2 reinstates the signer and holds the registration, valid inside that block.
        var registration = Registration("org-1");
        NodeMempool? mempool = null;
        Task? recheck = null;
        using var hold = new Hold();
        _chain.Committed += block =>
        {
            // Before the tracker and the mempool hear of block 2: the re-check goes on while the block is written and the head moved.
            if (block.Block.Header.Height == 2)
            {
                hold.Release();
                Assert.True(recheck!.Wait(Patience));
            }
        };
        mempool = Mempool();
        var waiter = _tracker.WaitFor(IdBytesOf(registration));
        Admitted(mempool.Admit(registration));
        mempool.BeforeRefusalDrop = () => hold.FirstTime(0);

        Commit(Suspension(TestLedger.Operator));
        hold.WaitUntilReached();
        recheck = mempool.Rechecked;
        Commit(Reinstatement(TestLedger.Operator), registration);

        Assert.True(waiter.Task.IsCompleted);
        Assert.Equal(TransactionStatus.Committed, (await waiter.Task).Status);
        Assert.Null(_tracker.RefusalOf(IdOf(registration)));
        Assert.Equal(0, mempool.Count);
    }

    [Fact]
    public async Task A_clients_copy_refused_is_not_told_when_a_block_holding_it_commits_before_its_removal()
    {
        // D52: a peer's copy waits; the client's copy is refused at head 1 (signer suspended), and block 2, which reinstates
        // the signer and holds the transaction, commits between that check and the removal.
        var mempool = Mempool();
        var registration = Registration("org-1");
        Admitted(mempool.AdmitFromPeer(registration));
        var waiter = _tracker.WaitFor(IdBytesOf(registration));
        // Block 1's re-check is held before it reads anything, so the peer's copy is still waiting when the client's arrives.
        using var hold = new Hold();
        mempool.AfterRecheckLease = hold.FirstTime;
        Commit(Suspension(TestLedger.Operator));
        hold.WaitUntilReached();
        mempool.BeforeRefusalDrop = () =>
        {
            mempool.BeforeRefusalDrop = null;
            Commit(Reinstatement(TestLedger.Operator), registration);
        };

        var reply = mempool.Admit(registration);

        Assert.Equal(RejectionCode.NonceReused, reply.Code);
        Assert.Equal(TransactionStatus.Committed, (await waiter.Task.WaitAsync(Patience)).Status);
        Assert.Null(_tracker.RefusalOf(IdOf(registration)));
    }

    [Fact]
    public async Task A_clients_copy_whose_block_commits_just_before_its_check_is_a_replay_not_a_refusal()
    {
        // D48's order in AlreadyWaiting: the committed transactions are looked up after the check, so a block written
        // just before the check (which then finds the nonce used) is found, and the transaction is not dropped as refused.
        var mempool = Mempool();
        var filing = Methodology("M-1");
        Admitted(mempool.AdmitFromPeer(filing));
        var waiter = _tracker.WaitFor(IdBytesOf(filing));
        mempool.BeforeCopyCheck = () =>
        {
            mempool.BeforeCopyCheck = null;
            Commit(filing);
        };

        var reply = mempool.Admit(filing);

        Assert.Equal(RejectionCode.NonceReused, reply.Code);
        Assert.Equal("this transaction is already committed", reply.Message);
        Assert.Equal(TransactionStatus.Committed, (await waiter.Task.WaitAsync(Patience)).Status);
        Assert.Null(_tracker.RefusalOf(IdOf(filing)));
    }

    [Fact]
    public async Task A_transaction_the_recheck_would_refuse_at_one_head_is_kept_when_a_later_head_makes_it_valid_again()
    {
        var mempool = Mempool();
        var registration = Registration("org-1");
        var waiter = _tracker.WaitFor(IdBytesOf(registration));
        Admitted(mempool.Admit(registration));
        using var hold = new Hold();
        mempool.AfterRecheckLease = hold.FirstTime;

        // Block 1 suspends the signer: at head 1 the registration would be refused. Its re-check is held on head 1
        // while block 2 reinstates the signer.
        Commit(Suspension(TestLedger.Operator));
        hold.WaitUntilReached();
        var recheck = mempool.Rechecked;
        Assert.Equal(RejectionCode.SignerSuspended, CheckAtHead(registration).Code);
        Commit(Reinstatement(TestLedger.Operator));
        Assert.Equal(RejectionCode.Unspecified, CheckAtHead(registration).Code);

        hold.Release();
        await recheck.WaitAsync(Patience);

        Assert.False(waiter.Task.IsCompleted);
        Assert.Null(_tracker.RefusalOf(IdOf(registration)));
        Assert.True(mempool.Contains(IdOf(registration)));
        Commit(registration);
        Assert.Equal(TransactionStatus.Committed, (await waiter.Task.WaitAsync(Patience)).Status);
    }

    [Fact]
    public void A_transaction_dropped_again_after_it_was_admitted_again_is_remembered_with_its_latest_refusal()
    {
        // D52: a dropped envelope that became valid may be admitted again and dropped again, for another reason at a later
        // head; GetTransaction then tells the latest, not the first.
        Mempool();
        var id = IdBytesOf(Methodology("M-1"));
        _tracker.Refused(id, new Receipt { TransactionId = Google.Protobuf.ByteString.CopyFrom(id), Code = RejectionCode.SignerSuspended, Message = "first" }, 5);
        _tracker.Refused(id, new Receipt { TransactionId = Google.Protobuf.ByteString.CopyFrom(id), Code = RejectionCode.MethodologyExists, Message = "second" }, 9);

        var reply = _tracker.RefusedReply(Convert.ToHexStringLower(id))!;
        Assert.Equal((RejectionCode.MethodologyExists, "second", 9UL), (reply.Receipt.Code, reply.Receipt.Message, reply.DroppedAtHeight));
        Assert.Equal(RejectionCode.MethodologyExists, _tracker.RefusalOf(Convert.ToHexStringLower(id))?.Code);
    }

    [Fact]
    public async Task The_recheck_runs_a_clients_transaction_in_full_and_a_peers_on_its_envelope_as_each_was_admitted()
    {
        // D55: a peer's copy was admitted on its envelope (D39); the re-check checks it the same way. What its handler would
        // now refuse waits for a proposer, which leaves it out; what its envelope now fails (a suspended signer) is dropped.
        var mempool = Mempool();
        var fromClient = Methodology("M-1");
        var fromPeer = Methodology("M-1");
        var peerRegistration = Registration("org-1");
        Admitted(mempool.Admit(fromClient));
        Admitted(mempool.AdmitFromPeer(fromPeer));
        Admitted(mempool.AdmitFromPeer(peerRegistration));

        Commit(Methodology("M-1"), Suspension(TestLedger.Operator));
        await mempool.Rechecked.WaitAsync(Patience);

        Assert.Equal(RejectionCode.MethodologyExists, _tracker.RefusalOf(IdOf(fromClient))?.Code);
        Assert.False(mempool.Contains(IdOf(fromClient)));
        Assert.Equal(RejectionCode.SignerSuspended, _tracker.RefusalOf(IdOf(peerRegistration))?.Code);
        Assert.False(mempool.Contains(IdOf(peerRegistration)));
        Assert.Null(_tracker.RefusalOf(IdOf(fromPeer)));
        Assert.True(mempool.Contains(IdOf(fromPeer)));

        // Its handler's refusal is found by the proposer, which leaves it out: nothing refused reaches a block.
        var head = _chain.Head;
        var (block, leftOut) = Blocks.Propose(_chain.Machine, _chain.State, head, mempool.BlockCandidates().Select(c => c.Envelope), head.TimeMs + 1_000, TestLedger.ValidatorIds[0], null);
        Assert.Empty(block.Block.Transactions);
        var (envelope, receipt) = Assert.Single(leftOut);
        Assert.Equal((fromPeer, RejectionCode.MethodologyExists), (envelope, receipt.Code));
    }

    [Fact]
    public async Task A_peers_transaction_a_client_then_submits_here_is_rechecked_in_full()
    {
        // D55: once a client's copy of a waiting peer's transaction passes the full check here, the client waits here,
        // so the re-check runs its handler and tells it of a refusal after the next block.
        var mempool = Mempool();
        var filing = Methodology("M-1");
        Admitted(mempool.AdmitFromPeer(filing));
        Assert.Equal("already waiting in the mempool", mempool.Admit(filing).Message);

        Commit(Methodology("M-1"));
        await mempool.Rechecked.WaitAsync(Patience);

        Assert.Equal(RejectionCode.MethodologyExists, _tracker.RefusalOf(IdOf(filing))?.Code);
        Assert.False(mempool.Contains(IdOf(filing)));
    }

    /// <summary>Holds the re-check's thread the first time it passes, until released.</summary>
    private sealed class Hold : IDisposable
    {
        private readonly ManualResetEventSlim _reached = new();
        private readonly ManualResetEventSlim _released = new();
        private int _passes;

        public void FirstTime(ulong height)
        {
            if (Interlocked.Increment(ref _passes) == 1)
            {
                _reached.Set();
                Assert.True(_released.Wait(Patience), "the test never released the re-check");
            }
        }

        public void WaitUntilReached() => Assert.True(_reached.Wait(Patience), "the re-check never reached the hold");

        public void Release() => _released.Set();

        public void Dispose()
        {
            _released.Set();
            _reached.Dispose();
            _released.Dispose();
        }
    }

    private static void Admitted(SubmitReply reply) =>
        Assert.True(reply.Code == RejectionCode.Unspecified && reply.Message.Length == 0, $"expected admission, got {reply.Code}: {reply.Message}");

    private Envelope Methodology(string id) => _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology(id));

    private Envelope Suspension(string participant) => _ledger.Sign(TestLedger.Bureau, Bodies.Update(participant, ParticipantStatus.Suspended, Role.Operator));

    private Envelope Reinstatement(string participant) => _ledger.Sign(TestLedger.Bureau, Bodies.Update(participant, ParticipantStatus.Active, Role.Operator));

    private Envelope Registration(string id) => _ledger.Sign(TestLedger.Operator, Bodies.Register(id, TestKeys.For(id), Role.Trader));

    private NodeMempool Mempool()
    {
        _tracker = new TransactionTracker(_chain);
        var options = new NodeOptions { MempoolTransactionsPerSignerMax = 100, MempoolTransactionsMax = 100 };
        return new(_chain, _tracker, new ManualClock(), new NodeMetrics(new TestMeters()), Options.Create(options));
    }

    private byte[] IdBytesOf(Envelope envelope) => SignBytes.TransactionId(_chain.Machine.Parameters.Hash, envelope);

    private string IdOf(Envelope envelope) => Convert.ToHexStringLower(IdBytesOf(envelope));

    private Receipt CheckAtHead(Envelope envelope) =>
        _chain.Machine.Check(_chain.State, _chain.NextBlockContext(new ManualClock().GetUtcNow().ToUnixTimeMilliseconds()), envelope);

    /// <summary>Commits a block of exactly these transactions, as a solo validator would, without waiting for the re-check.</summary>
    private void Commit(params Envelope[] envelopes)
    {
        var head = _chain.Head;
        var (block, leftOut) = Blocks.Propose(_chain.Machine, _chain.State, head, envelopes, head.TimeMs + 1_000, TestLedger.ValidatorIds[0], null);
        Assert.Empty(leftOut);
        var certificate = CommitCertificates.Create(block.Block.Header.Height, 0, block.HeaderHash);
        foreach (var id in TestLedger.ValidatorIds)
        {
            CommitCertificates.AddSignature(certificate, TestLedger.ChainId, id, TestKeys.For(id));
        }

        _chain.Commit(block, certificate);
    }
}

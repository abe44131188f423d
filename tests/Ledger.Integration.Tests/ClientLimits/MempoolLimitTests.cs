using Google.Protobuf;
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
/// The mempool's caps (D29) on a real chain in RocksDB: per signer, in total by count and by bytes,
/// each with its code while other signers are still admitted; and the round-robin order a proposer takes.
/// </summary>
public sealed class MempoolLimitTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ledger-mempool-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly TestLedger _ledger = new();
    private readonly NodeChain _chain;
    private TransactionTracker _tracker = null!;

    public MempoolLimitTests()
    {
        _chain = new NodeChain(RocksDbChainStore.Open(_directory), _ledger.Genesis, new SignatureCache(capacity: 1_000));
    }

    [Fact]
    public void A_signer_at_its_cap_is_refused_with_its_own_code_while_others_are_admitted()
    {
        var mempool = Mempool(new NodeOptions { MempoolTransactionsPerSignerMax = 3, MempoolTransactionsMax = 100 });
        for (var i = 0; i < 3; i++)
        {
            Admitted(mempool.Admit(Methodology($"M-{i}")));
        }

        var refused = mempool.Admit(Methodology("M-3"));
        Assert.Equal(RejectionCode.MempoolSignerFull, refused.Code);
        Assert.Contains("signer bureau", refused.Message);
        Assert.Equal(3, mempool.CountOf(TestLedger.Bureau));

        Admitted(mempool.Admit(Registration("org-1")));
        Admitted(mempool.AdmitFromPeer(Registration("org-2")));
        Assert.Equal(5, mempool.Count);
    }

    [Fact]
    public void The_total_is_capped_by_count_and_by_bytes_with_MEMPOOL_FULL()
    {
        var byCount = Mempool(new NodeOptions { MempoolTransactionsPerSignerMax = 10, MempoolTransactionsMax = 2 });
        Admitted(byCount.Admit(Methodology("M-a")));
        Admitted(byCount.Admit(Registration("org-a")));
        Assert.Equal(RejectionCode.MempoolFull, byCount.Admit(Registration("org-b")).Code);

        var first = Methodology("M-b");
        var second = Registration("org-c");
        var third = Registration("org-d");
        var byBytes = Mempool(new NodeOptions
        {
            MempoolTransactionsPerSignerMax = 10,
            MempoolTransactionsMax = 100,
            MempoolBytesMax = first.CalculateSize() + second.CalculateSize() + 1,
        });
        Admitted(byBytes.Admit(first));
        Admitted(byBytes.Admit(second));
        Assert.Equal(RejectionCode.MempoolFull, byBytes.Admit(third).Code);
    }

    [Fact]
    public void A_commit_gives_the_signer_its_places_back()
    {
        var mempool = Mempool(new NodeOptions { MempoolTransactionsPerSignerMax = 2, MempoolTransactionsMax = 100 });
        Admitted(mempool.Admit(Methodology("M-1")));
        Admitted(mempool.Admit(Methodology("M-2")));
        Assert.Equal(RejectionCode.MempoolSignerFull, mempool.Admit(Methodology("M-3")).Code);

        CommitWhatWaits(mempool);
        Assert.Equal(0, mempool.CountOf(TestLedger.Bureau));
        Admitted(mempool.Admit(Methodology("M-3")));
    }

    [Fact]
    public void A_proposer_takes_one_transaction_per_signer_in_turn()
    {
        var mempool = Mempool(new NodeOptions { MempoolTransactionsPerSignerMax = 100, MempoolTransactionsMax = 100, BlockTransactionsMax = 4 });
        var flood = Enumerable.Range(0, 6).Select(i => Methodology($"M-{i}")).ToList();
        foreach (var envelope in flood)
        {
            Admitted(mempool.Admit(envelope));
        }

        var late = Registration("org-late");
        Admitted(mempool.Admit(late));

        var candidates = mempool.BlockCandidates();
        Assert.Equal(4, candidates.Count);
        Assert.Equal([TestLedger.Bureau, TestLedger.Operator, TestLedger.Bureau, TestLedger.Bureau], candidates.Select(c => c.Signer));
        Assert.Equal(late, candidates[1].Envelope);
        Assert.Equal(flood.Take(3), [candidates[0].Envelope, candidates[2].Envelope, candidates[3].Envelope]);
    }

    [Fact]
    public void The_recheck_after_a_block_looks_at_a_bounded_window_and_goes_on_where_it_stopped()
    {
        var mempool = Mempool(new NodeOptions { MempoolTransactionsPerSignerMax = 100, MempoolTransactionsMax = 100, BlockTransactionsMax = 1, MempoolRecheckPerBlockMax = 2 });
        var tracker = _tracker;
        var first = Methodology("M-1");
        var filler1 = Registration("org-1");
        var filler2 = Registration("org-2");
        var twin = Methodology("M-1");
        foreach (var envelope in new[] { first, filler1, filler2, twin })
        {
            Admitted(mempool.Admit(envelope));
        }

        // Block 1 holds `first`; the window of two re-checks org-1 and org-2 (valid), not the twin.
        CommitWhatWaits(mempool);
        Assert.Equal(3, mempool.Count);
        Assert.Null(tracker.RefusalOf(IdOf(twin)));

        // Block 2 holds org-1; the re-check goes on with the twin, which now names a filed methodology.
        CommitWhatWaits(mempool);
        Assert.Equal(1, mempool.Count);
        var refusal = tracker.RefusalOf(IdOf(twin));
        Assert.NotNull(refusal);
        Assert.NotEqual(RejectionCode.Unspecified, refusal!.Code);

        // Block 3 holds org-2; nothing is left and the next window starts from the oldest again.
        CommitWhatWaits(mempool);
        Assert.Equal(0, mempool.Count);
    }

    [Fact]
    public void The_recheck_after_a_block_stops_when_its_time_is_spent_and_goes_on_there_next_block()
    {
        // Every reading of the mempool's clock moves it 30 ms on; the budget of 50 ms allows two re-checks.
        var mempool = Mempool(new NodeOptions { MempoolTransactionsPerSignerMax = 100, MempoolTransactionsMax = 100, BlockTransactionsMax = 1, MempoolRecheckMsPerBlockMax = 50 }, new SteppingClock(TimeSpan.FromMilliseconds(30), DateTimeOffset.FromUnixTimeMilliseconds(1_767_571_200_000)));
        var first = Methodology("M-1");
        var twin = Methodology("M-1");
        foreach (var envelope in new[] { first, Registration("org-1"), Registration("org-2"), twin })
        {
            Admitted(mempool.Admit(envelope));
        }

        CommitWhatWaits(mempool);
        Assert.Equal(3, mempool.Count);
        Assert.Null(_tracker.RefusalOf(IdOf(twin)));

        CommitWhatWaits(mempool);
        Assert.Equal(1, mempool.Count);
        Assert.NotNull(_tracker.RefusalOf(IdOf(twin)));
    }

    [Fact]
    public void A_peers_transaction_is_admitted_on_its_envelope_checks_and_the_proposer_leaves_out_what_its_handler_refuses()
    {
        var mempool = Mempool(new NodeOptions { MempoolTransactionsPerSignerMax = 100, MempoolTransactionsMax = 100 });
        Admitted(mempool.Admit(Methodology("M-1")));
        CommitWhatWaits(mempool);

        // A client's duplicate is refused by its handler at once; a peer's is admitted on its envelope alone.
        Assert.Equal(RejectionCode.MethodologyExists, mempool.Admit(Methodology("M-1")).Code);
        var fromPeer = Methodology("M-1");
        Admitted(mempool.AdmitFromPeer(fromPeer));

        // The same envelope from a client here: its handler runs now, the client hears the refusal, and it leaves the mempool.
        var again = mempool.Admit(fromPeer);
        Assert.Equal(RejectionCode.MethodologyExists, again.Code);
        // D52: it was waiting here, so the refusal is a drop at this head, not final (the peer that passed it on may still propose it).
        Assert.Equal((true, 1UL), (again.HasDroppedAtHeight, again.DroppedAtHeight));
        Assert.False(mempool.Admit(Methodology("M-1")).HasDroppedAtHeight);
        Assert.Equal(0, mempool.Count);
        Assert.Equal(RejectionCode.MethodologyExists, _tracker.RefusalOf(IdOf(fromPeer))!.Code);
        Admitted(mempool.AdmitFromPeer(fromPeer));

        // Envelope checks still hold for a peer's transaction: a damaged signature is refused.
        var forged = Methodology("M-2");
        var signature = forged.Signatures[0].Value.ToByteArray();
        signature[0] ^= 1;
        forged.Signatures[0].Value = ByteString.CopyFrom(signature);
        Assert.Equal(RejectionCode.BadSignature, mempool.AdmitFromPeer(forged).Code);

        // The proposer executes the peer's duplicate, leaves it out and drops it with its refusal.
        var head = _chain.Head;
        var (block, leftOut) = Blocks.Propose(_chain.Machine, _chain.State, head, mempool.BlockCandidates().Select(c => c.Envelope), _ledger.Genesis.GenesisTimeMs + 2_000, TestLedger.ValidatorIds[0], _chain.Store.GetCertificate(head.Height));
        Assert.Empty(block.Block.Transactions);
        var (envelope, receipt) = Assert.Single(leftOut);
        Assert.Equal(fromPeer, envelope);
        Assert.Equal(RejectionCode.MethodologyExists, receipt.Code);
    }

    [Fact]
    public void Admission_reads_one_committed_head_and_a_check_after_a_commit_reads_the_new_one()
    {
        var mempool = Mempool(new NodeOptions { MempoolTransactionsPerSignerMax = 100, MempoolTransactionsMax = 100 });
        Admitted(mempool.Admit(Methodology("M-1")));
        var filed = Ledger.Core.State.StateKeys.Methodology("M-1");
        using (var before = _chain.AdmissionView())
        {
            CommitWhatWaits(mempool);
            Assert.NotNull(_chain.State.Get(filed));
            Assert.Equal(0UL, before.Head.Height);
            Assert.Null(before.State.Get(filed));
        }

        using (var after = _chain.AdmissionView())
        {
            Assert.Equal(1UL, after.Head.Height);
            Assert.NotNull(after.State.Get(filed));
        }

        Assert.Equal(RejectionCode.MethodologyExists, mempool.Admit(Methodology("M-1")).Code);
    }

    [Fact]
    public void A_client_told_of_a_commit_before_the_mempool_forgot_the_transaction_gets_NONCE_REUSED_for_sending_it_again()
    {
        NodeMempool? mempool = null;
        SubmitReply? replay = null;
        var envelope = Methodology("M-1");

        // Subscribed first, like the tracker that wakes SubmitAndWait: it runs before the mempool hears of the commit.
        _chain.Committed += _ => replay ??= mempool!.Admit(envelope);
        mempool = Mempool(new NodeOptions { MempoolTransactionsPerSignerMax = 100, MempoolTransactionsMax = 100 });
        Admitted(mempool.Admit(envelope));
        CommitWhatWaits(mempool);

        Assert.NotNull(replay);
        Assert.Equal(RejectionCode.NonceReused, replay!.Code);
        Assert.Equal(0, mempool.Count);
    }

    [Fact]
    public void Round_robin_keeps_each_signers_order_and_takes_signers_by_their_oldest_transaction()
    {
        var arrival = new[] { "a", "a", "a", "b", "c", "a", "c", "b" }.Select((signer, i) => Pending(signer, i)).ToList();
        var order = NodeMempool.RoundRobinBySigner(arrival, int.MaxValue);
        Assert.Equal(["a0", "b3", "c4", "a1", "b7", "c6", "a2", "a5"], order.Select(p => p.Id));
        Assert.Equal(["a0", "b3", "c4"], NodeMempool.RoundRobinBySigner(arrival, 3).Select(p => p.Id));
        Assert.Empty(NodeMempool.RoundRobinBySigner([], 10));
    }

    public void Dispose()
    {
        _chain.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static NodeMempool.Pending Pending(string signer, int index) => new($"{signer}{index}", new byte[32], new Envelope(), signer, 100);

    private static void Admitted(SubmitReply reply) =>
        Assert.True(reply.Code == RejectionCode.Unspecified, $"expected admission, got {reply.Code}: {reply.Message}");

    private Envelope Methodology(string id) => _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology(id));

    private Envelope Registration(string id) => _ledger.Sign(TestLedger.Operator, Bodies.Register(id, TestKeys.For(id), Role.Trader));

    private NodeMempool Mempool(NodeOptions options, TimeProvider? clock = null)
    {
        _tracker = new TransactionTracker(_chain);
        return new(_chain, _tracker, clock ?? new ManualClock(), new NodeMetrics(new TestMeters()), Options.Create(options));
    }

    private string IdOf(Envelope envelope) => Convert.ToHexStringLower(SignBytes.TransactionId(_chain.Machine.Parameters.Hash, envelope));

    /// <summary>Commits what the proposer takes, as a solo validator would.</summary>
    private void CommitWhatWaits(NodeMempool mempool)
    {
        var head = _chain.Head;
        var validator = TestLedger.ValidatorIds[0];
        var (block, leftOut) = Blocks.Propose(_chain.Machine, _chain.State, head, mempool.BlockCandidates().Select(c => c.Envelope), _ledger.Genesis.GenesisTimeMs + 1_000, validator, null);
        Assert.Empty(leftOut);
        var certificate = CommitCertificates.Create(block.Block.Header.Height, 0, block.HeaderHash);
        foreach (var id in TestLedger.ValidatorIds)
        {
            CommitCertificates.AddSignature(certificate, TestLedger.ChainId, id, TestKeys.For(id));
        }

        _chain.Commit(block, certificate);
        // The re-check after a block runs on a worker thread (D40).
        Assert.True(mempool.Rechecked.Wait(TimeSpan.FromSeconds(30)));
    }
}

using Ledger.Core.Protocol;
using Ledger.Integration.Tests.ClientLimits;
using Ledger.Node.Chain;
using Ledger.Node.Consensus;
using Ledger.Node.Mempool;
using Ledger.Node.Observability;
using Ledger.Node.Options;
using Ledger.Storage;
using Ledger.Testing;
using Microsoft.Extensions.Options;
using NodeMempool = Ledger.Node.Mempool.Mempool;

namespace Ledger.Integration.Tests.Throughput;

/// <summary>
/// A BFT proposer stops filling its block when its build budget is spent (D39); what it leaves waits for the
/// next block. Its own proposal, coming back for the prevote's validity check, is not executed again.
/// </summary>
public sealed class ProposalBudgetTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ledger-budget-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly TestLedger _ledger = new();
    private readonly NodeChain _chain;
    private readonly NodeMempool _mempool;
    private readonly CountingCache _cache = new();

    /// <summary>The proposers' wall time: 100 s after the test genesis.</summary>
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_764_547_300_000);

    public ProposalBudgetTests()
    {
        _chain = new NodeChain(RocksDbChainStore.Open(_directory), _ledger.Genesis, _cache);
        _mempool = new NodeMempool(_chain, new TransactionTracker(_chain), new ManualClock(), new NodeMetrics(new TestMeters()), Options.Create(new NodeOptions()));
        for (var i = 0; i < 10; i++)
        {
            var reply = _mempool.Admit(_ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology($"M-{i}")));
            Assert.Equal(RejectionCode.Unspecified, reply.Code);
        }
    }

    [Fact]
    public void A_proposer_whose_budget_runs_out_proposes_what_it_has_executed_so_far()
    {
        // Every reading of the clock moves it 100 ms on: the budget of 250 ms lets two transactions in.
        var application = new NodeApplication(_chain, _mempool, new SteppingClock(TimeSpan.FromMilliseconds(100), Now), TestLedger.ValidatorIds[0], TimeSpan.FromMilliseconds(250));

        var block = application.ProposeBlock(1, 0);

        Assert.Equal(2, block.Transactions.Count);
        Assert.Equal(10, _mempool.Count);
        Assert.True(application.IsValid(block));
    }

    [Fact]
    public void A_proposer_within_its_budget_takes_every_candidate()
    {
        var application = new NodeApplication(_chain, _mempool, new SteppingClock(TimeSpan.Zero, Now), TestLedger.ValidatorIds[0], TimeSpan.FromMilliseconds(250));

        Assert.Equal(10, application.ProposeBlock(1, 0).Transactions.Count);
    }

    [Fact]
    public void The_proposers_own_block_is_valid_without_executing_it_again()
    {
        var application = new NodeApplication(_chain, _mempool, new SteppingClock(TimeSpan.Zero, Now), TestLedger.ValidatorIds[0], TimeSpan.FromSeconds(10));
        var block = application.ProposeBlock(1, 0);
        var lookups = _cache.Lookups;

        Assert.True(application.IsValid(block));
        Assert.Equal(lookups, _cache.Lookups);

        // Another block at the same height (one transaction fewer) is executed: its signatures are looked up.
        var other = block.Clone();
        other.Transactions.RemoveAt(other.Transactions.Count - 1);
        _ = application.IsValid(other);
        Assert.True(_cache.Lookups > lookups);
    }

    public void Dispose()
    {
        _chain.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The node's cache, counting lookups: a block's execution looks up each of its signatures.</summary>
    private sealed class CountingCache : Ledger.Core.Execution.ISignatureCache
    {
        private readonly SignatureCache _inner = new(capacity: 1_000);
        private int _lookups;

        public int Lookups => Volatile.Read(ref _lookups);

        public bool Contains(ReadOnlySpan<byte> key)
        {
            Interlocked.Increment(ref _lookups);
            return _inner.Contains(key);
        }

        public void Add(ReadOnlySpan<byte> key) => _inner.Add(key);
    }
}

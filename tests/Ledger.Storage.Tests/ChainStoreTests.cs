using Google.Protobuf;
using Ledger.Core;
using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Testing;

namespace Ledger.Storage.Tests;

/// <summary>What a node relies on after a restart: the chain it committed, byte for byte, and nothing it did not.</summary>
public sealed class ChainStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestChain _chain = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_committed_chain_reads_back_the_same_after_reopening()
    {
        List<(ExecutedBlock Block, CommitCertificate Certificate)> committed;
        using (var store = _chain.OpenStore(_directory.Path))
        {
            committed = CommitScenario(store);
        }

        using var reopened = RocksDbChainStore.Open(_directory.Path);
        Assert.Equal(_chain.Head, reopened.Head, HeadComparer.Instance);
        Assert.Equal(_chain.Ledger.Genesis, reopened.Genesis);
        foreach (var (block, certificate) in committed)
        {
            AssertStored(reopened, block, certificate);
        }

        Assert.Equal(StoreAssert.AllState(_chain.Ledger.Store), StoreAssert.AllState(reopened));
    }

    [Fact]
    public void Replaying_the_stored_blocks_from_genesis_reproduces_every_state_root()
    {
        using (var writer = _chain.OpenStore(_directory.Path))
        {
            CommitScenario(writer);
        }

        using var store = RocksDbChainStore.OpenReadOnly(_directory.Path);
        var genesis = store.Genesis!;
        var machine = new LedgerStateMachine(ChainParameters.FromGenesis(genesis));
        var validators = new ValidatorSet(genesis.Validators);
        var replayed = new InMemoryState();
        replayed.Apply(machine.ApplyGenesis(genesis).Changes);
        var head = ChainHead.Genesis(genesis);
        for (var height = 1UL; height <= store.Head!.Height; height++)
        {
            var (block, problem) = Blocks.Validate(machine, replayed, head, store.GetBlock(height)!, validators, validators);
            Assert.True(problem is null, $"height {height}: {problem}");
            Assert.Null(CommitCertificates.Problem(store.GetCertificate(height), genesis.ChainId, height, block!.HeaderHash, validators));
            Assert.Equal(block.Execution.Receipts, store.GetReceipts(height)!);
            replayed.Apply(block.Execution.Changes);
            head = new ChainHead(height, block.HeaderHash, block.Block.Header.TimeMs);
        }

        Assert.Equal(store.Head, head, HeadComparer.Instance);
        Assert.Equal(StoreAssert.AllState(replayed), StoreAssert.AllState(store));
    }

    [Fact]
    public void Before_genesis_there_is_no_head_and_after_it_the_head_is_height_zero()
    {
        using var store = RocksDbChainStore.Open(_directory.Path);
        Assert.Null(store.Head);
        Assert.Null(store.Genesis);
        Assert.Null(store.State.Get(StateKeys.StateRoot));

        store.InitializeGenesis(_chain.Ledger.Genesis, _chain.GenesisState);
        Assert.Equal(ChainHead.Genesis(_chain.Ledger.Genesis), store.Head, HeadComparer.Instance);
        Assert.Equal(_chain.GenesisState.StateRoot, store.State.Get(StateKeys.StateRoot));
        Assert.Equal(StoreAssert.AllState(_chain.Ledger.Store), StoreAssert.AllState(store));
    }

    [Fact]
    public void Genesis_is_idempotent_and_another_genesis_is_refused()
    {
        using var store = _chain.OpenStore(_directory.Path);
        store.InitializeGenesis(_chain.Ledger.Genesis, _chain.GenesisState);
        var other = _chain.Ledger.Genesis.Clone();
        other.GenesisTimeMs++;
        var refusal = Assert.Throws<InvalidOperationException>(() => store.InitializeGenesis(other, _chain.GenesisState));
        Assert.Contains(_directory.Path, refusal.Message, StringComparison.Ordinal);
        Assert.Equal(_chain.Ledger.Genesis, store.Genesis);
    }

    [Fact]
    public void A_block_that_does_not_follow_the_head_is_refused_and_changes_nothing()
    {
        using var store = _chain.OpenStore(_directory.Path);
        var first = _chain.Next(_chain.Ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        var second = _chain.Next(_chain.Ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-2")));
        var third = _chain.Next();
        store.CommitBlock(first.Block, first.Certificate);
        var before = StoreAssert.AllState(store);

        Assert.Throws<InvariantViolationException>(() => store.CommitBlock(first.Block, first.Certificate));
        Assert.Throws<InvariantViolationException>(() => store.CommitBlock(third.Block, third.Certificate));
        Assert.Throws<InvariantViolationException>(() => store.CommitBlock(WithParent(second.Block, new byte[32]), second.Certificate));
        Assert.Throws<InvariantViolationException>(() => store.CommitBlock(second.Block, third.Certificate));

        Assert.Equal(1UL, store.Head!.Height);
        Assert.Null(store.GetBlock(2));
        Assert.Null(store.GetReceipts(2));
        Assert.Null(store.FindTransaction(second.Block.Execution.Receipts[0].TransactionId.Span));
        Assert.Equal(before, StoreAssert.AllState(store));
        store.CommitBlock(second.Block, second.Certificate);
        Assert.Equal(2UL, store.Head!.Height);
    }

    [Fact]
    public void A_block_before_genesis_is_refused()
    {
        using var store = RocksDbChainStore.Open(_directory.Path);
        var first = _chain.Next();
        Assert.Throws<InvariantViolationException>(() => store.CommitBlock(first.Block, first.Certificate));
        Assert.Null(store.Head);
    }

    [Fact]
    public void What_was_never_stored_reads_as_null()
    {
        using var store = _chain.OpenStore(_directory.Path);
        Assert.Null(store.GetBlock(1));
        Assert.Null(store.GetCertificate(1));
        Assert.Null(store.GetReceipts(1));
        Assert.Null(store.FindTransaction(new byte[32]));
        Assert.Null(store.State.Get(StateKeys.Participant("nobody")));
        Assert.Null(store.GetConsensus([1]));
    }

    [Fact]
    public void Scan_lists_a_table_in_key_order_and_resumes_after_a_key()
    {
        using var store = _chain.OpenStore(_directory.Path);
        CommitScenario(store);
        byte[] participants = [StateKeys.ParticipantTable];
        var expected = StoreAssert.Hex(_chain.Ledger.Store.WithPrefix(participants));
        Assert.Equal(6, expected.Count); // bureau, operator, verifier-1, owner-1, trader-1, expert-1
        Assert.Equal(expected, StoreAssert.Hex(store.Scan(participants)));

        var paged = new List<KeyValuePair<byte[], byte[]>>();
        byte[]? after = null;
        while (store.Scan(participants, after, limit: 2).ToList() is { Count: > 0 } page)
        {
            Assert.True(page.Count <= 2);
            paged.AddRange(page);
            after = page[^1].Key;
        }

        Assert.Equal(expected, StoreAssert.Hex(paged));
        Assert.Empty(store.Scan(participants, limit: 0));
    }

    [Fact]
    public void Consensus_records_survive_a_restart_until_deleted()
    {
        using (var store = RocksDbChainStore.Open(_directory.Path))
        {
            store.PutConsensus([1, 2], [9, 9, 9], sync: true);
            store.PutConsensus([3], [7], sync: false);
            store.DeleteConsensus([3]);
        }

        using var reopened = RocksDbChainStore.Open(_directory.Path);
        Assert.Equal([9, 9, 9], reopened.GetConsensus([1, 2]));
        Assert.Null(reopened.GetConsensus([3]));
    }

    [Fact]
    public void A_second_writer_on_the_same_directory_is_refused_with_the_path()
    {
        using var store = RocksDbChainStore.Open(_directory.Path);
        var refusal = Assert.Throws<StorageException>(() => RocksDbChainStore.Open(_directory.Path));
        Assert.Equal(_directory.Path, refusal.Directory);
        Assert.Contains(_directory.Path, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_where_the_directory_should_be_is_refused_with_the_path()
    {
        var file = Path.Combine(_directory.Path, "not-a-directory");
        File.WriteAllText(file, "x");
        var refusal = Assert.Throws<StorageException>(() => RocksDbChainStore.Open(file));
        Assert.Contains(file, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Committing_through_a_snapshot_leaves_the_snapshot_where_it_was()
    {
        using var store = _chain.OpenStore(_directory.Path);
        using var snapshot = store.OpenSnapshot();
        var first = _chain.Next(_chain.Ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        store.CommitBlock(first.Block, first.Certificate);
        Assert.Equal(0UL, snapshot.Head!.Height);
        Assert.Null(snapshot.GetBlock(1));
        Assert.Equal(_chain.GenesisState.StateRoot, snapshot.Get(StateKeys.StateRoot));
        Assert.Equal(first.Block.Execution.StateRoot, store.State.Get(StateKeys.StateRoot));
    }

    /// <summary>Setup, an issuance, a transfer with a cancellation request, its approval with a second issuance, and an empty block.</summary>
    internal List<(ExecutedBlock Block, CommitCertificate Certificate)> CommitScenario(RocksDbChainStore store)
    {
        var committed = new List<(ExecutedBlock Block, CommitCertificate Certificate)>();
        void Commit((ExecutedBlock Block, CommitCertificate Certificate) next, int transactions)
        {
            Assert.Equal(transactions, next.Block.Block.Transactions.Count);
            store.CommitBlock(next.Block, next.Certificate);
            committed.Add(next);
        }

        foreach (var setup in _chain.Setup())
        {
            Commit(setup, setup.Block.Block.Transactions.Count);
        }

        var issued = _chain.Next(_chain.Issue(0, 30, 1_000_000, 1));
        Commit(issued, 1);
        var batchId = issued.Block.Execution.Receipts[0].Attribute("batch_id");
        var trade = _chain.Next(_chain.Transfer("owner-1", "trader-1", batchId, 300_000), _chain.RequestCancellation("owner-1", batchId, 100_000));
        Commit(trade, 2);
        var cancellationId = trade.Block.Execution.Receipts[1].Attribute("cancellation_id");
        Commit(_chain.Next(_chain.ApproveCancellation(cancellationId), _chain.Issue(31, 30, 5_000, 2)), 2);
        Commit(_chain.Next(), 0);
        return committed;
    }

    private static void AssertStored(RocksDbChainStore store, ExecutedBlock block, CommitCertificate certificate)
    {
        var height = block.Block.Header.Height;
        Assert.Equal(block.Block, store.GetBlock(height));
        Assert.Equal(block.Block.ToByteArray(), store.GetBlock(height)!.ToByteArray());
        Assert.Equal(certificate, store.GetCertificate(height));
        Assert.Equal(block.Execution.Receipts, store.GetReceipts(height)!);
        for (var i = 0; i < block.Execution.Receipts.Count; i++)
        {
            Assert.Equal((height, i), store.FindTransaction(block.Execution.Receipts[i].TransactionId.Span));
        }
    }

    private static ExecutedBlock WithParent(ExecutedBlock executed, byte[] parent)
    {
        var block = executed.Block.Clone();
        block.Header.PreviousHeaderHash = ByteString.CopyFrom(parent);
        return executed with { Block = block };
    }
}

/// <summary>ChainHead is a record over a byte array, so its own Equals compares the array by reference.</summary>
public sealed class HeadComparer : IEqualityComparer<ChainHead?>
{
    public static readonly HeadComparer Instance = new();

    public bool Equals(ChainHead? x, ChainHead? y) =>
        x is null || y is null ? x is null && y is null : x.Height == y.Height && x.TimeMs == y.TimeMs && x.HeaderHash.AsSpan().SequenceEqual(y.HeaderHash);

    public int GetHashCode(ChainHead? obj) => obj is null ? 0 : obj.Height.GetHashCode();
}

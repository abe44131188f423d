using Ledger.Core.State;
using Ledger.Testing;

namespace Ledger.Storage.Tests;

/// <summary>The auditor's `ledger verify --data DIR` opens a directory a running node is writing.</summary>
public sealed class ReadOnlyTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestChain _chain = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_read_only_store_opened_beside_a_live_writer_sees_the_committed_blocks()
    {
        using var writer = _chain.OpenStore(_directory.Path);
        var committed = _chain.Setup().ToList();
        committed.ForEach(c => writer.CommitBlock(c.Block, c.Certificate));

        using var reader = RocksDbChainStore.OpenReadOnly(_directory.Path);
        Assert.True(reader.IsReadOnly);
        Assert.Equal(writer.Head, reader.Head, HeadComparer.Instance);
        Assert.Equal(_chain.Ledger.Genesis, reader.Genesis);
        foreach (var (block, certificate) in committed)
        {
            Assert.Equal(block.Block, reader.GetBlock(block.Block.Header.Height));
            Assert.Equal(certificate, reader.GetCertificate(block.Block.Header.Height));
        }

        Assert.Equal(StoreAssert.AllState(_chain.Ledger.Store), StoreAssert.AllState(reader));
    }

    [Fact]
    public void A_read_only_store_sees_later_commits_after_catching_up()
    {
        using var writer = _chain.OpenStore(_directory.Path);
        using var reader = RocksDbChainStore.OpenReadOnly(_directory.Path);
        var first = _chain.Next(_chain.Ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        writer.CommitBlock(first.Block, first.Certificate);

        Assert.Equal(0UL, reader.Head!.Height);
        reader.CatchUp();
        Assert.Equal(1UL, reader.Head!.Height);
        Assert.Equal(first.Block.Block, reader.GetBlock(1));
        Assert.Equal(first.Block.Execution.StateRoot, reader.State.Get(StateKeys.StateRoot));
    }

    [Fact]
    public void Several_read_only_stores_and_snapshots_work_at_once()
    {
        using var writer = _chain.OpenStore(_directory.Path);
        using var first = RocksDbChainStore.OpenReadOnly(_directory.Path);
        using var second = RocksDbChainStore.OpenReadOnly(_directory.Path);
        using var snapshot = second.OpenSnapshot();
        Assert.Equal(_chain.GenesisState.StateRoot, first.State.Get(StateKeys.StateRoot));
        Assert.Equal(_chain.GenesisState.StateRoot, snapshot.Get(StateKeys.StateRoot));
    }

    [Fact]
    public void A_scan_that_fails_throws_rather_than_lists_a_short_table()
    {
        using var writer = _chain.OpenStore(_directory.Path);
        using var reader = RocksDbChainStore.OpenReadOnly(_directory.Path);
        Assert.NotEmpty(reader.Scan([StateKeys.ParticipantTable]));

        // RocksDB refuses iterators over a snapshot of a secondary instance; the refusal must not read as "no records".
        using var snapshot = reader.OpenSnapshot();
        Assert.Throws<RocksDbSharp.RocksDbException>(() => snapshot.Scan([StateKeys.ParticipantTable]).ToList());
    }

    [Fact]
    public void A_read_only_store_outlives_its_writer()
    {
        using (var writer = _chain.OpenStore(_directory.Path))
        {
            using var reader = RocksDbChainStore.OpenReadOnly(_directory.Path);
            writer.Dispose();
            Assert.Equal(0UL, reader.Head!.Height);
        }

        using var afterwards = RocksDbChainStore.OpenReadOnly(_directory.Path);
        Assert.Equal(0UL, afterwards.Head!.Height);
    }

    [Fact]
    public void A_read_only_store_refuses_every_write()
    {
        using (_chain.OpenStore(_directory.Path))
        {
        }

        using var reader = RocksDbChainStore.OpenReadOnly(_directory.Path);
        var first = _chain.Next();
        Assert.Throws<InvalidOperationException>(() => reader.CommitBlock(first.Block, first.Certificate));
        Assert.Throws<InvalidOperationException>(() => reader.InitializeGenesis(_chain.Ledger.Genesis, _chain.GenesisState));
        Assert.Throws<InvalidOperationException>(() => reader.PutConsensus([1], [1], sync: true));
        Assert.Throws<InvalidOperationException>(() => reader.DeleteConsensus([1]));
    }

    [Fact]
    public void A_directory_without_ledger_data_is_refused_with_the_path()
    {
        var missing = Path.Combine(_directory.Path, "missing");
        var refusal = Assert.Throws<StorageException>(() => RocksDbChainStore.OpenReadOnly(missing));
        Assert.Equal(missing, refusal.Directory);
        Assert.Throws<StorageException>(() => RocksDbChainStore.OpenReadOnly(_directory.Path));
    }
}

using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Storage.Tests;

/// <summary>
/// D43: admission reads one committed head. A lease on <see cref="HeadSnapshots"/> reads the state of the
/// head it was taken at, however many blocks commit while it reads; a head's snapshot is released when a
/// later head replaced it and its last lease is gone.
/// </summary>
public sealed class HeadSnapshotTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private const int IssuanceBlocks = 30;
    private const long SetupBlocks = 5;

    private readonly TempDirectory _directory = new();
    private readonly TestChain _chain = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Reads_through_a_lease_straddling_a_commit_all_come_from_the_leased_head()
    {
        using var store = _chain.OpenStore(_directory.Path);
        foreach (var (block, certificate) in _chain.Setup())
        {
            store.CommitBlock(block, certificate);
        }

        using var heads = new HeadSnapshots(store);
        var (issued, issuedCertificate) = _chain.Next(_chain.Issue(0, 1, 1_000, 1));
        var batchId = issued.Execution.Receipts[0].Attribute("batch_id");
        var batchKey = StateKeys.Batch(batchId);
        using (var lease = heads.Acquire())
        {
            var rootBefore = lease.State.Get(StateKeys.StateRoot);
            Assert.Null(lease.State.Get(batchKey));

            // The block commits between two reads of one Check.
            store.CommitBlock(issued, issuedCertificate);
            heads.Advance();

            Assert.NotNull(store.State.Get(batchKey));
            Assert.Null(lease.State.Get(batchKey));
            Assert.Equal(rootBefore, lease.State.Get(StateKeys.StateRoot));
            Assert.Equal(issued.Block.Header.Height - 1, lease.Head.Height);
            Assert.Equal(2, heads.PinnedCount);
        }

        Assert.Equal(1, heads.PinnedCount);
        using var next = heads.Acquire();
        Assert.Equal(issued.Block.Header.Height, next.Head.Height);
        Assert.NotNull(next.State.Get(batchKey));
        Assert.Equal(issued.Block.Header.StateRoot.ToByteArray(), next.State.Get(StateKeys.StateRoot));
    }

    [Fact]
    public void Leases_taken_while_blocks_commit_each_read_one_head_and_none_stays_pinned()
    {
        using var store = _chain.OpenStore(_directory.Path);
        var blocks = _chain.Setup().ToList();
        for (var i = 0; i < IssuanceBlocks; i++)
        {
            blocks.Add(_chain.Next(_chain.Issue((uint)i * 2, 1, 1_000 + (ulong)i, (byte)i)));
        }

        var batchKeys = blocks.Skip((int)SetupBlocks).ToDictionary(b => b.Block.Block.Header.Height, b => StateKeys.Batch(b.Block.Execution.Receipts[0].Attribute("batch_id")));
        var heads = new HeadSnapshots(store);
        var done = 0;
        Exception? writerFailure = null;
        var writer = new Thread(() =>
        {
            try
            {
                foreach (var (block, certificate) in blocks)
                {
                    store.CommitBlock(block, certificate);
                    heads.Advance();
                    Thread.Yield();
                }
            }
            catch (Exception e)
            {
                writerFailure = e;
            }
            finally
            {
                Volatile.Write(ref done, 1);
            }
        });

        writer.Start();
        var heightsSeen = new HashSet<ulong>();
        var readerFailures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var readers = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            try
            {
                ReadUntil(() => Volatile.Read(ref done) == 1, store, heads, batchKeys, heightsSeen);
            }
            catch (Exception e)
            {
                readerFailures.Add(e);
            }
        })).ToList();
        readers.ForEach(r => r.Start());
        writer.Join();
        readers.ForEach(r => r.Join());

        Assert.Null(writerFailure);
        Assert.Empty(readerFailures);
        output.WriteLine($"the readers saw {heightsSeen.Count} distinct heads of {blocks.Count + 1}");
        Assert.True(heightsSeen.Count >= 2, $"the readers saw only {heightsSeen.Count} head: nothing interleaved");
        Assert.Equal(1, heads.PinnedCount);
        heads.Dispose();
        Assert.Equal(0, heads.PinnedCount);
        Assert.Throws<ObjectDisposedException>(() => heads.Acquire());
    }

    /// <summary>
    /// Every read of a lease agrees with its head: the state root is the head block's, read before and after
    /// a pause, the head block's batch is there and the next block's is not.
    /// </summary>
    private void ReadUntil(Func<bool> stop, RocksDbChainStore store, HeadSnapshots heads, IReadOnlyDictionary<ulong, byte[]> batchKeys, HashSet<ulong> heightsSeen)
    {
        while (!stop())
        {
            using var lease = heads.Acquire();
            var height = lease.Head.Height;
            var expected = height == 0 ? _chain.GenesisState.StateRoot : store.GetBlock(height)!.Header.StateRoot.ToByteArray();
            Assert.Equal(expected, lease.State.Get(StateKeys.StateRoot));
            Thread.Yield();
            if (batchKeys.TryGetValue(height, out var issued))
            {
                Assert.NotNull(lease.State.Get(issued));
            }

            if (batchKeys.TryGetValue(height + 1, out var next))
            {
                Assert.Null(lease.State.Get(next));
            }

            Assert.Equal(expected, lease.State.Get(StateKeys.StateRoot));
            lock (heightsSeen)
            {
                heightsSeen.Add(height);
            }
        }
    }
}

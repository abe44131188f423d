using Ledger.Core.Chain;
using Ledger.Core.State;
using Ledger.Core.Protocol;

namespace Ledger.Storage.Tests;

/// <summary>DESIGN §8: a block is visible whole or not at all, to readers and after a crash.</summary>
public sealed class AtomicityTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private const int IssuanceBlocks = 30;
    private const int ReaderIterationsMax = 1_000_000;

    private readonly TempDirectory _directory = new();
    private readonly TestChain _chain = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_reader_never_sees_a_head_without_its_block_receipts_and_state()
    {
        using var store = _chain.OpenStore(_directory.Path);
        var blocks = BuildBlocks();
        Exception? writerFailure = null;
        var done = 0;
        long headSeen = 0;
        var writer = new Thread(() =>
        {
            try
            {
                for (var i = 0; i < blocks.Count; i++)
                {
                    // Commit the next block only once the reader has seen the current head (bounded), so
                    // reads really interleave with writes on any machine.
                    SpinWait.SpinUntil(() => Interlocked.Read(ref headSeen) >= i, TimeSpan.FromSeconds(1));
                    store.CommitBlock(blocks[i].Block, blocks[i].Certificate);
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
        for (var i = 0; i < ReaderIterationsMax && Volatile.Read(ref done) == 0; i++)
        {
            var head = CheckLive(store);
            heightsSeen.Add(head);
            Interlocked.Exchange(ref headSeen, (long)head);
            CheckSnapshot(store);
        }

        writer.Join();
        Assert.Null(writerFailure);
        Assert.Equal((ulong)blocks.Count, CheckLive(store));
        CheckSnapshot(store);
        output.WriteLine($"the reader saw {heightsSeen.Count} distinct heads of {blocks.Count + 1}");
        Assert.True(heightsSeen.Count > blocks.Count / 2, $"the reader saw only {heightsSeen.Count} heads");
    }

    [Fact]
    public void A_crash_before_the_write_leaves_the_previous_height_whole()
    {
        var blocks = BuildBlocks().Take(6).ToList();
        List<string> before;
        using (var store = _chain.OpenStore(_directory.Path))
        {
            blocks.Take(5).ToList().ForEach(b => store.CommitBlock(b.Block, b.Certificate));
            before = StoreAssert.AllState(store);
            store.BeforeWrite = _ => throw new IOException("simulated power loss before the batch reached the disk");
            Assert.Throws<IOException>(() => store.CommitBlock(blocks[5].Block, blocks[5].Certificate));
            AssertAtHeight(store, 5, before);
        }

        using var reopened = RocksDbChainStore.Open(_directory.Path);
        AssertAtHeight(reopened, 5, before);
        reopened.CommitBlock(blocks[5].Block, blocks[5].Certificate);
        Assert.Equal(6UL, reopened.Head!.Height);
    }

    [Fact]
    public void A_commit_is_one_batch_holding_every_part_of_the_block()
    {
        using var store = _chain.OpenStore(_directory.Path);
        var batches = new List<int>();
        store.BeforeWrite = batch => batches.Add(batch.Count());
        foreach (var (block, certificate) in BuildBlocks().Take(5))
        {
            store.CommitBlock(block, certificate);
            var transactions = block.Block.Transactions.Count;
            // block, certificate, receipts, one index entry per transaction, every state change, the head
            Assert.Equal(3 + transactions + block.Execution.Changes.Count + 1, batches[^1]);
        }

        Assert.Equal(5, batches.Count);
    }

    private List<(ExecutedBlock Block, CommitCertificate Certificate)> BuildBlocks()
    {
        var blocks = _chain.Setup().ToList();
        for (var i = 0; i < IssuanceBlocks; i++)
        {
            var (block, certificate) = _chain.Next(_chain.Issue((uint)i * 2, 1, 1_000 + (ulong)i, (byte)i));
            Assert.Single(block.Block.Transactions);
            blocks.Add((block, certificate));
        }

        return blocks;
    }

    /// <summary>Reads without a snapshot: the head first, then what it promises. Returns the height seen.</summary>
    private static ulong CheckLive(RocksDbChainStore store)
    {
        var head = store.Head!;
        if (head.Height == 0)
        {
            return 0;
        }

        var block = store.GetBlock(head.Height);
        Assert.NotNull(block);
        Assert.NotNull(store.GetCertificate(head.Height));
        var receipts = store.GetReceipts(head.Height);
        Assert.Equal(block.Transactions.Count, receipts!.Count);
        if (receipts.Count > 0)
        {
            Assert.Equal((head.Height, 0), store.FindTransaction(receipts[0].TransactionId.Span));
        }

        Assert.NotNull(store.State.Get(StateKeys.StateRoot));
        return head.Height;
    }

    /// <summary>Through a snapshot the state root is exactly the head block's: never a later or an earlier one.</summary>
    private void CheckSnapshot(RocksDbChainStore store)
    {
        using var snapshot = store.OpenSnapshot();
        var head = snapshot.Head!;
        var expected = head.Height == 0 ? _chain.GenesisState.StateRoot : snapshot.GetBlock(head.Height)!.Header.StateRoot.ToByteArray();
        Assert.Equal(expected, snapshot.Get(StateKeys.StateRoot));
    }

    private static void AssertAtHeight(RocksDbChainStore store, ulong height, List<string> state)
    {
        Assert.Equal(height, store.Head!.Height);
        Assert.Null(store.GetBlock(height + 1));
        Assert.Null(store.GetCertificate(height + 1));
        Assert.Null(store.GetReceipts(height + 1));
        Assert.Equal(state, StoreAssert.AllState(store));
    }
}

using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Cli.Tests;

/// <summary>
/// `ledger verify`'s pipeline (D38, D50): signatures checked ahead on worker threads, their verdicts kept by
/// position, the replay deciding. Every signature is counted as checked; a bad one deep inside fails at its height,
/// also under a key rotated inside the chain, whatever the checks ahead saw.
/// </summary>
public sealed class VerifyPipelineTests
{
    private const int Heights = 40;
    private const int PerBlock = 5;

    [Fact]
    public async Task A_chain_verifies_and_every_signature_is_counted_as_checked()
    {
        var chain = new TestChain(new TestLedger());
        chain.AddFilings(Heights, PerBlock);

        var run = await Run(chain.Genesis, chain.Blocks);

        Assert.Null(run.Replay.FirstFailure);
        Assert.Equal((ulong)Heights, run.Replay.Head.Height);
        Assert.Equal(new VerifyPipeline.Counts(Heights * PerBlock, Heights * PerBlock * 3, Heights * PerBlock * 3, chain.CertificateSignatures), run.Counts);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task One_bad_co_signature_deep_inside_fails_at_its_height_naming_the_transaction(int workers)
    {
        var chain = new TestChain(new TestLedger());
        chain.AddFilings(Heights, PerBlock);
        var blocks = chain.Copy();
        TestChain.FlipSignature(blocks[32].Block.Transactions[3]);

        var run = await Run(chain.Genesis, blocks, workers);

        Assert.Equal(33UL, run.Replay.FirstFailure?.Height);
        Assert.Equal(3, run.Replay.FirstFailure!.TransactionIndex);
        Assert.Contains("signature of transaction 3 does not verify", run.Replay.FirstFailure.Reason, StringComparison.Ordinal);
        Assert.Equal(32UL, run.Replay.Head.Height);
    }

    [Fact]
    public async Task A_key_rotated_inside_the_chain_verifies_and_the_old_key_is_refused_after_it()
    {
        var ledger = new TestLedger();
        var (chain, rotationHeight) = Rotation(ledger, oldKeyAt: null);

        var run = await Run(chain.Genesis, chain.Blocks);

        Assert.Null(run.Replay.FirstFailure);
        Assert.Equal(chain.Signatures, run.Counts.Signatures);

        // The same chain with one co-signature by the old key after the rotation: the checks ahead may have
        // verified it under the key they read before the rotation was replayed; the replay must refuse it.
        var (forged, _) = Rotation(new TestLedger(), oldKeyAt: rotationHeight + 5);
        var refused = await Run(forged.Genesis, forged.Blocks);

        Assert.Equal(rotationHeight + 5, refused.Replay.FirstFailure?.Height);
        Assert.Contains("does not verify", refused.Replay.FirstFailure!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_block_is_a_failure_at_its_height()
    {
        var chain = new TestChain(new TestLedger());
        chain.AddFilings(10, 2);

        var run = await Run(chain.Genesis, chain.Blocks.Take(6).ToList(), head: 10);

        Assert.Equal(7UL, run.Replay.FirstFailure?.Height);
        Assert.Contains("block missing", run.Replay.FirstFailure!.Reason, StringComparison.Ordinal);
    }

    [Property(MaxTest = 300)]
    public Property The_replayed_state_finds_the_first_difference_a_sorted_merge_finds()
    {
        var entry = Gen.Choose(0, 40).Select(k => new KeyValuePair<byte[], byte[]>([(byte)(k / 8), (byte)k], [(byte)(k % 3)]));
        var state = entry.ListOf().Select(l => l.DistinctBy(e => Convert.ToBase64String(e.Key)).ToList());
        return Prop.ForAll(Arb.From(state), Arb.From(state), (replayed, stored) =>
        {
            var sortedStored = stored.OrderBy(e => e.Key, Ledger.Core.State.ByteKeyComparer.Instance).ToList();
            var replayedState = new ReplayedState();
            var changes = new Ledger.Core.State.WriteSet();
            replayed.ForEach(e => changes.Put(e.Key, e.Value));
            replayedState.Apply(changes);

            var merged = VerifyCommand.StoredStateDifference(replayed, sortedStored);
            var looked = VerifyCommand.Describe(replayedState.FirstDifference(sortedStored));
            var again = VerifyCommand.Describe(replayedState.FirstDifference(sortedStored));
            var sorted = replayedState.Entries.Select(e => e.Key).SequenceEqual(replayed.Select(e => e.Key).OrderBy(k => k, Ledger.Core.State.ByteKeyComparer.Instance), Ledger.Core.State.ByteKeyComparer.Instance);
            return (merged == looked && looked == again && sorted).Label($"merge: {merged}; lookups: {looked}; again: {again}; sorted: {sorted}");
        });
    }

    [Property(MaxTest = 300)]
    public Property The_stored_state_compared_in_key_ranges_side_by_side_finds_what_a_sorted_merge_finds()
    {
        var comparer = Ledger.Core.State.ByteKeyComparer.Instance;
        var entry = Gen.Choose(0, 40).Select(k => new KeyValuePair<byte[], byte[]>([(byte)(k / 8), (byte)k], [(byte)(k % 3)]));
        var state = entry.ListOf().Select(l => l.DistinctBy(e => Convert.ToBase64String(e.Key)).ToList());
        return Prop.ForAll(Arb.From(state), Arb.From(state), Arb.From(Gen.Choose(1, 6)), (replayed, stored, parts) =>
        {
            var sortedStored = stored.OrderBy(e => e.Key, comparer).ToList();
            var replayedState = new ReplayedState();
            var changes = new Ledger.Core.State.WriteSet();
            replayed.ForEach(e => changes.Put(e.Key, e.Value));
            replayedState.Apply(changes);
            IEnumerable<KeyValuePair<byte[], byte[]>> Scan(byte[]? after) => sortedStored.Where(e => after is null || comparer.Compare(e.Key, after) > 0);

            var merged = VerifyCommand.StoredStateDifference(replayed, sortedStored);
            var split = VerifyCommand.Describe(VerifyCommand.StoredStateDifferenceAsync(replayedState, Scan, parts).GetAwaiter().GetResult());
            var whole = VerifyCommand.Describe(replayedState.FirstDifference(sortedStored));
            return (merged == split && split == whole).Label($"merge: {merged}; {parts} ranges: {split}; whole: {whole}");
        });
    }

    [Property(MaxTest = 300)]
    public Property Any_cut_of_the_stored_table_into_ranges_gives_the_same_first_difference()
    {
        var comparer = Ledger.Core.State.ByteKeyComparer.Instance;
        var key = Gen.Choose(0, 40).Select(k => new byte[] { (byte)(k / 8), (byte)k });
        var entry = key.Select(k => new KeyValuePair<byte[], byte[]>(k, [(byte)(k[1] % 3)]));
        var state = entry.ListOf().Select(l => l.DistinctBy(e => Convert.ToBase64String(e.Key)).ToList());
        var cuts = key.ListOf().Select(l => l.DistinctBy(Convert.ToBase64String).OrderBy(k => k, comparer).ToList());
        return Prop.ForAll(Arb.From(state), Arb.From(state), Arb.From(cuts), (replayed, stored, cut) =>
        {
            var sortedStored = stored.OrderBy(e => e.Key, comparer).ToList();
            var replayedState = new ReplayedState();
            var changes = new Ledger.Core.State.WriteSet();
            replayed.ForEach(e => changes.Put(e.Key, e.Value));
            replayedState.Apply(changes);

            var comparison = replayedState.StartComparison();
            var bounds = new List<byte[]?> { null };
            bounds.AddRange(cut);
            bounds.Add(null);
            // Ranges compared last to first: the order of the work must not matter, only the order of the results.
            var results = Enumerable.Range(0, bounds.Count - 1).Reverse().Select(i => (i, comparison.Compare(sortedStored.Where(e =>
                (bounds[i] is null || comparer.Compare(e.Key, bounds[i]!) > 0) && (bounds[i + 1] is null || comparer.Compare(e.Key, bounds[i + 1]!) <= 0)))))
                .ToList().OrderBy(r => r.i).Select(r => r.Item2).ToList();

            var merged = VerifyCommand.StoredStateDifference(replayed, sortedStored);
            var ranged = VerifyCommand.Describe(comparison.Finish(results));
            return (merged == ranged).Label($"merge: {merged}; {results.Count} ranges: {ranged}");
        });
    }

    [Fact]
    public void Split_keys_are_ascending_distinct_and_balance_the_entries()
    {
        var replayed = new ReplayedState();
        var changes = new Ledger.Core.State.WriteSet();
        for (var i = 0; i < 10_000; i++)
        {
            changes.Put([(byte)(i % 7), .. BitConverter.GetBytes(i)], [1]);
        }

        replayed.Apply(changes);
        var splits = replayed.SplitKeys(4);
        var keys = replayed.Entries.Select(e => e.Key).ToList();
        var sizes = Enumerable.Range(0, splits.Count + 1).Select(i => keys.Count(k =>
            (i == 0 || Ledger.Core.State.ByteKeyComparer.Instance.Compare(k, splits[i - 1]) > 0) && (i == splits.Count || Ledger.Core.State.ByteKeyComparer.Instance.Compare(k, splits[i]) <= 0))).ToList();

        Assert.Equal(3, splits.Count);
        Assert.True(splits.Zip(splits.Skip(1)).All(p => Ledger.Core.State.ByteKeyComparer.Instance.Compare(p.First, p.Second) < 0));
        Assert.All(sizes, size => Assert.InRange(size, 2_000, 3_000));
        Assert.Empty(new ReplayedState().SplitKeys(4));
    }

    /// <summary>
    /// Registers trader-a, then blocks of filings co-signed by trader-a; trader-a rotates its key at the returned
    /// height and co-signs with the new key after it (with the old one at oldKeyAt, when given).
    /// </summary>
    private static (TestChain Chain, ulong RotationHeight) Rotation(TestLedger ledger, ulong? oldKeyAt)
    {
        const string trader = "trader-a";
        var chain = new TestChain(ledger);
        var oldKey = ledger.KeyOf(trader);
        var newKey = TestKeys.For("trader-a-new");
        chain.Add(chain.Sign(TestLedger.Bureau, Bodies.Register(trader, oldKey, Role.Trader)));
        CoSignedFilings(chain, 3, trader);
        var rotate = chain.Sign(trader, new TransactionBody { RotateKey = new RotateKey { ParticipantId = trader, NewPublicKey = newKey.ToPublicKey() } });
        EnvelopeFactory.CoSign(rotate, trader, newKey);
        chain.Add(rotate);
        var rotationHeight = chain.Height;
        ledger.UseKey(trader, newKey);
        for (var i = 0; i < 10; i++)
        {
            if (chain.Height + 1 == oldKeyAt)
            {
                // Co-signed with the old key: proposing it would leave it out, so it is forged into the stored block.
                var block = chain.Add(chain.Sign(TestLedger.Bureau, Bodies.FileMethodology($"F-{chain.Height}", MethodologyLevel.Group), trader));
                var target = block.Transactions[0];
                target.Signatures[^1].Value = Google.Protobuf.ByteString.CopyFrom(oldKey.Sign(SignBytes.For(target)));
            }
            else
            {
                CoSignedFilings(chain, 1, trader);
            }
        }

        return (chain, rotationHeight);
    }

    private static void CoSignedFilings(TestChain chain, int blocks, string coSigner)
    {
        for (var b = 0; b < blocks; b++)
        {
            chain.Add(chain.Sign(TestLedger.Bureau, Bodies.FileMethodology($"F-{chain.Height}-{b}", MethodologyLevel.Group), coSigner));
        }
    }

    private static Task<VerifyPipeline.Run> Run(Genesis genesis, List<(Block Block, CommitCertificate Certificate)> blocks, int workers = 2, ulong? head = null) =>
        VerifyPipeline.RunAsync(genesis, head ?? (ulong)blocks.Count, Source(blocks), progress: null, CancellationToken.None, workers);

    private static async IAsyncEnumerable<(Block Block, CommitCertificate? Certificate)?> Source(
        List<(Block Block, CommitCertificate Certificate)> blocks, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        foreach (var (block, certificate) in blocks)
        {
            cancellation.ThrowIfCancellationRequested();
            yield return (block, certificate);
        }

        await Task.CompletedTask;
    }
}

using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Testing;

namespace Ledger.Core.Tests.Chain;

/// <summary>
/// The auditor's replay checks every participant signature of every transaction (three per filing
/// here, as for a transfer), and one bad signature deep inside a chain stops it at that height.
/// </summary>
public sealed class ChainVerifierTests
{
    private const int Heights = 40;
    private const int PerBlock = 5;

    private readonly TestChain _chain = Filings();

    [Fact]
    public void The_replay_verifies_every_participant_signature_of_every_transaction()
    {
        var counting = new CountingCache();
        var replay = ChainVerifier.Start(_chain.Genesis, counting);
        foreach (var stored in _chain.Blocks)
        {
            Assert.Null(replay.Add(stored));
        }

        Assert.Equal(Heights * PerBlock * 3, _chain.Signatures);
        Assert.Equal(_chain.Signatures, counting.Verified);
        Assert.Equal(_chain.Signatures, counting.Looked);
    }

    [Fact]
    public void One_bad_co_signature_deep_inside_the_chain_fails_at_its_height_naming_the_transaction()
    {
        var blocks = _chain.Copy();
        var height = 33;
        TestChain.FlipSignature(blocks[height - 1].Block.Transactions[3]);

        var result = ChainVerifier.Verify(_chain.Genesis, Heights, h => blocks[(int)h - 1]);

        Assert.Equal((ulong)height, result.FailedHeight);
        Assert.Equal((ulong)height - 1, result.HeightsVerified);
        Assert.Equal(3, result.FirstFailure!.TransactionIndex);
        Assert.Contains("signature of transaction 3 does not verify", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_signature_fails_even_when_every_good_one_was_verified_before()
    {
        var blocks = _chain.Copy();
        TestChain.FlipSignature(blocks[20].Block.Transactions[0], signature: 1);
        var everything = new CountingCache { AnswerFromVerified = true };
        var warm = ChainVerifier.Start(_chain.Genesis, everything);
        foreach (var stored in _chain.Blocks)
        {
            Assert.Null(warm.Add(stored));
        }

        var replay = ChainVerifier.Start(_chain.Genesis, everything);
        var failure = blocks.Select(b => replay.Add(b)).First(f => f is not null);

        Assert.Equal(21UL, failure!.Height);
        Assert.Equal(0, failure.TransactionIndex);
    }

    [Property(MaxTest = 300)]
    public Property The_replayed_state_holds_what_the_sorted_in_memory_state_holds()
    {
        // Keys from a small alphabet so that writes overwrite and delete each other; null deletes.
        var key = Gen.Choose(0, 30).Select(k => new byte[] { (byte)(k / 6), (byte)k });
        var value = Gen.Choose(0, 4).Select(v => v == 0 ? null : new byte[] { (byte)v });
        var writeSet = Gen.Zip(key, value).ListOf();
        return Prop.ForAll(Arb.From(writeSet.ListOf()), blocks =>
        {
            var sorted = new InMemoryState();
            var replayed = new ReplayedState();
            foreach (var block in blocks)
            {
                var changes = new WriteSet();
                foreach (var (k, v) in block)
                {
                    if (v is null)
                    {
                        changes.Delete(k);
                    }
                    else
                    {
                        changes.Put(k, v);
                    }
                }

                sorted.Apply(changes);
                replayed.Apply(changes);
            }

            var sameEntries = sorted.Entries.Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value))
                .SequenceEqual(replayed.Entries.Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value)));
            var sameReads = Enumerable.Range(0, 31).Select(k => new byte[] { (byte)(k / 6), (byte)k })
                .All(k => (sorted.Get(k) is { } a ? Convert.ToHexString(a) : "-") == (replayed.Get(k) is { } b ? Convert.ToHexString(b) : "-"));
            return (sameEntries && sameReads && sorted.Count == replayed.Count && replayed.FirstDifference(sorted.Entries) is null).Label($"{blocks.Count} write sets");
        });
    }

    private static TestChain Filings()
    {
        var chain = new TestChain(new TestLedger());
        chain.AddFilings(Heights, PerBlock);
        return chain;
    }

    /// <summary>Counts what the replay looks up and verifies; answers "not verified before" unless told to remember.</summary>
    private sealed class CountingCache : ISignatureCache
    {
        private readonly HashSet<string> _verified = [];

        public bool AnswerFromVerified { get; init; }

        public long Looked { get; private set; }

        public long Verified { get; private set; }

        public bool Contains(ReadOnlySpan<byte> key)
        {
            Looked++;
            return AnswerFromVerified && _verified.Contains(Convert.ToBase64String(key));
        }

        public void Add(ReadOnlySpan<byte> key)
        {
            Verified++;
            _verified.Add(Convert.ToBase64String(key));
        }
    }
}

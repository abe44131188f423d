using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Core.Tests.Execution;

/// <summary>
/// A signature is verified once per process (D34): a block's parallel warm-up, admission's check and
/// the block's execution share one cache, and a cached signature is never verified again.
/// </summary>
public sealed class VerifiedOnceTests
{
    [Fact]
    public void A_signature_warmed_or_checked_once_is_not_verified_again_at_check_or_block_execution()
    {
        var ledger = new TestLedger();
        var cache = new CountingCache();
        var machine = new LedgerStateMachine(ChainParameters.FromGenesis(ledger.Genesis), cache);
        var envelopes = Enumerable.Range(0, 3).Select(i => ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology($"M-once-{i}"))).ToArray();
        var context = new BlockContext(ledger.Height + 1, ledger.TimeMs + 1);

        EnvelopeVerifier.Warm(ledger.Store, machine.Parameters.Hash, envelopes[0], cache);
        Assert.Equal(1, cache.Verifications);
        EnvelopeVerifier.Warm(ledger.Store, machine.Parameters.Hash, envelopes[0], cache);
        Assert.Equal(RejectionCode.Unspecified, machine.Check(ledger.Store, context, envelopes[0]).Code);
        Assert.Equal(1, cache.Verifications);

        Assert.Equal(RejectionCode.Unspecified, machine.Check(ledger.Store, context, envelopes[1]).Code);
        Assert.Equal(2, cache.Verifications);

        // Execution of the block verifies only the one envelope nothing verified before.
        var execution = machine.ApplyBlock(ledger.Store, context, envelopes);
        Assert.All(execution.Receipts, r => Assert.Equal(RejectionCode.Unspecified, r.Code));
        Assert.Equal(3, cache.Verifications);
    }

    /// <summary>Counts the lookups that miss, each of which the verifier follows with a verification.</summary>
    private sealed class CountingCache : ISignatureCache
    {
        private readonly HashSet<string> _keys = [];

        public int Verifications { get; private set; }

        public bool Contains(ReadOnlySpan<byte> key)
        {
            var found = _keys.Contains(Convert.ToBase64String(key));
            Verifications += found ? 0 : 1;
            return found;
        }

        public void Add(ReadOnlySpan<byte> key) => _keys.Add(Convert.ToBase64String(key));
    }
}

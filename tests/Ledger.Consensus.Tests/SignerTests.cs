using FsCheck.Xunit;
using Google.Protobuf;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Consensus.Tests;

/// <summary>The double-sign guard (DESIGN §7 rule 1; CometBFT privval): regressions and conflicts refused, the same bytes re-signed identically, state durable first.</summary>
public sealed class SignerTests
{
    private const string Validator = "node-operator";

    [Fact]
    public void A_lower_height_round_or_step_is_refused()
    {
        var signer = NewSigner(new CountingStore());
        Assert.NotNull(signer.Sign(Vote(VoteKind.Precommit, 2, 1, 0x01)));
        Assert.Null(signer.Sign(Vote(VoteKind.Prevote, 2, 1, 0x01)));
        Assert.Null(signer.Sign(Vote(VoteKind.Precommit, 2, 0, 0x01)));
        Assert.Null(signer.Sign(Vote(VoteKind.Precommit, 1, 5, 0x01)));
        Assert.Null(signer.Sign(Proposal(2, 1), new byte[32]));
    }

    [Fact]
    public void The_same_bytes_get_the_stored_signature_without_a_new_write()
    {
        var store = new CountingStore();
        var signer = NewSigner(store);
        var first = signer.Sign(Vote(VoteKind.Prevote, 3, 0, 0x07))!;
        var again = signer.Sign(Vote(VoteKind.Prevote, 3, 0, 0x07))!;
        Assert.Equal(first.Signature, again.Signature);
        Assert.Equal(1, store.Saves);
    }

    [Theory]
    [InlineData(0x01, 0x02)]
    [InlineData(0x01, null)]
    [InlineData(null, 0x01)]
    public void Different_bytes_at_the_same_height_round_and_step_are_refused_nil_included(int? first, int? second)
    {
        var signer = NewSigner(new CountingStore());
        Assert.NotNull(signer.Sign(Vote(VoteKind.Prevote, 3, 0, (byte?)first)));
        Assert.Null(signer.Sign(Vote(VoteKind.Prevote, 3, 0, (byte?)second)));
    }

    [Fact]
    public void The_next_step_round_and_height_are_signed()
    {
        var signer = NewSigner(new CountingStore());
        Assert.NotNull(signer.Sign(Proposal(4, 0), new byte[32]));
        Assert.NotNull(signer.Sign(Vote(VoteKind.Prevote, 4, 0, 0x01)));
        Assert.NotNull(signer.Sign(Vote(VoteKind.Precommit, 4, 0, null)));
        Assert.NotNull(signer.Sign(Vote(VoteKind.Prevote, 4, 1, 0x02)));
        Assert.NotNull(signer.Sign(Vote(VoteKind.Prevote, 5, 0, 0x02)));
    }

    [Fact]
    public void After_a_crash_the_signer_reloads_its_state_and_still_refuses_conflicts()
    {
        var store = new CountingStore();
        var signed = NewSigner(store).Sign(Vote(VoteKind.Precommit, 6, 2, 0x09))!;
        var restarted = NewSigner(store);
        Assert.Equal((6UL, 2U, SignStep.Precommit), (restarted.Last!.Height, restarted.Last.Round, restarted.Last.Step));
        Assert.Null(restarted.Sign(Vote(VoteKind.Precommit, 6, 2, null)));
        Assert.Null(restarted.Sign(Vote(VoteKind.Prevote, 6, 2, 0x09)));
        Assert.Equal(signed.Signature, restarted.Sign(Vote(VoteKind.Precommit, 6, 2, 0x09))!.Signature);
    }

    [Fact]
    public void A_signature_never_leaves_before_its_state_is_saved()
    {
        var store = new CountingStore { FailSaves = true };
        var signer = NewSigner(store);
        Assert.Throws<IOException>(() => signer.Sign(Vote(VoteKind.Prevote, 1, 0, 0x01)));
        Assert.Null(signer.Last);
    }

    /// <summary>Whatever is asked, in whatever order: at most one signed bytes per (h, r, step), and nothing below the highest signed.</summary>
    [Property(MaxTest = 200)]
    public bool No_two_signatures_for_different_bytes_and_no_regression(byte[] requests)
    {
        var signer = NewSigner(new CountingStore());
        var signed = new Dictionary<(ulong, uint, int), ByteString>();
        var highest = (0UL, 0U, 0);
        for (var i = 0; i + 2 < requests.Length; i += 3)
        {
            var (height, round, kind, block) = ((ulong)(requests[i] % 3) + 1, (uint)(requests[i + 1] % 3), 2 + (requests[i + 2] % 2), requests[i + 2] % 3 == 0 ? (byte?)null : (byte)(requests[i + 2] % 4));
            var vote = signer.Sign(Vote(kind == 2 ? VoteKind.Prevote : VoteKind.Precommit, height, round, block));
            if (vote is null)
            {
                continue;
            }

            var key = (height, round, kind);
            if ((signed.TryGetValue(key, out var earlier) && earlier != vote.BlockHash) || key.CompareTo(highest) < 0)
            {
                return false;
            }

            signed[key] = vote.BlockHash;
            highest = key;
        }

        return true;
    }

    private static Signer NewSigner(ISignerStateStore store) => new(TestKeys.For(Validator), Validator, TestLedger.ChainId, store);

    private static Vote Vote(VoteKind kind, ulong height, uint round, byte? block) => new()
    {
        Kind = kind,
        Height = height,
        Round = round,
        BlockHash = block is { } b ? ByteString.CopyFrom(Enumerable.Repeat(b, 32).ToArray()) : ByteString.Empty,
    };

    private static Proposal Proposal(ulong height, uint round) => new() { Height = height, Round = round, ValidRound = -1 };

    private sealed class CountingStore : ISignerStateStore
    {
        private SignerState? _saved;

        public int Saves { get; private set; }

        public bool FailSaves { get; init; }

        public SignerState? Load() => _saved;

        public void Save(SignerState state)
        {
            if (FailSaves)
            {
                throw new IOException("disk full");
            }

            Saves++;
            _saved = state;
        }
    }
}

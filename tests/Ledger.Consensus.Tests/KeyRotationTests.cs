using Google.Protobuf;
using Ledger.Consensus.Tests.Rules;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Testing;
using static Ledger.Consensus.Tests.Rules.RuleHarness;

namespace Ledger.Consensus.Tests;

/// <summary>
/// A validator re-keyed by ChangeValidators (D32): its signer signs with the key the height's set names,
/// and the state machine and the certificate check refuse anything signed with the old key.
/// </summary>
public sealed class KeyRotationTests
{
    private static readonly Block X = MakeBlock(Height, 1, Operator);

    private static readonly Ledger.Core.Crypto.SigningKey NewOperatorKey = TestKeys.For(Operator + "-next");

    /// <summary>The TestLedger validators with the operator's key replaced, as the set from h + 2 of a re-key.</summary>
    private static ValidatorSet Rekeyed()
    {
        var validators = new TestLedger().Genesis.Validators.Select(v => v.Clone()).ToList();
        validators.Single(v => v.ValidatorId == Operator).PublicKey = NewOperatorKey.ToPublicKey();
        return new ValidatorSet(validators);
    }

    private static ValidatorSet Original() => new(new TestLedger().Genesis.Validators);

    [Fact]
    public void The_signer_signs_with_the_key_the_set_names_and_not_at_all_when_it_names_none_it_holds()
    {
        var signer = new Signer([TestKeys.For(Operator), NewOperatorKey], Operator, TestLedger.ChainId, new MemoryStore());
        Assert.Null(signer.ActiveKey);
        Assert.Null(signer.Sign(Vote(1)));

        Assert.Equal(TestKeys.For(Operator).ToPublicKey(), signer.UseKeyFor(Original()));
        Assert.True(ConsensusSigning.VerifyVote(TestLedger.ChainId, signer.Sign(Vote(1))!, Original()));

        Assert.Equal(NewOperatorKey.ToPublicKey(), signer.UseKeyFor(Rekeyed()));
        var after = signer.Sign(Vote(2))!;
        Assert.True(ConsensusSigning.VerifyVote(TestLedger.ChainId, after, Rekeyed()));
        Assert.False(ConsensusSigning.VerifyVote(TestLedger.ChainId, after, Original()));

        // The (height, round, step) order spans keys: the new key does not sign an older step.
        Assert.Null(signer.Sign(Vote(1)));

        var removed = new ValidatorSet(new TestLedger().Genesis.Validators.Where(v => v.ValidatorId != Operator));
        Assert.Null(signer.UseKeyFor(removed));
        Assert.Null(signer.Sign(Vote(3)));

        var unknownKey = new ValidatorSet(Rekeyed().Validators.Select(v => v.ValidatorId == Operator ? new Validator(v) { PublicKey = TestKeys.For("someone-else").ToPublicKey() } : v));
        Assert.Null(signer.UseKeyFor(unknownKey));
        Assert.Null(signer.Sign(Vote(4)));
    }

    [Fact]
    public void After_a_re_key_a_proposal_and_votes_signed_with_the_old_key_are_ignored()
    {
        var consensus = new Tendermint(new ConsensusConfig(TestLedger.ChainId, Me, Timeouts), new ScriptedApplication());
        consensus.StartHeight(Height, Rekeyed());

        // Round 0's proposer is the operator: its proposal under the old key gets no prevote from Me.
        var proposal = SignedProposal(0, X, -1, Operator);
        Assert.Empty(consensus.Handle(new ProposalArrived(proposal)).OfType<SignAndBroadcastVote>());

        // With the old key's prevote, X has 2 of 4 valid prevotes: no polka, no lock.
        var actions = new List<ConsensusAction>();
        foreach (var validator in new[] { Verifier1, Verifier2, Operator })
        {
            actions.AddRange(consensus.Handle(new VoteArrived(SignedVote(VoteKind.Prevote, 0, X, validator))));
        }

        Assert.Equal(-1, consensus.LockedRound);
        Assert.DoesNotContain(actions.OfType<SignAndBroadcastVote>(), v => v.Vote.Kind == VoteKind.Precommit);

        // The same proposal and prevote under the new key count.
        var renewed = proposal.Clone();
        renewed.Signature = ByteString.CopyFrom(NewOperatorKey.Sign(ConsensusSigning.ProposalSignBytes(TestLedger.ChainId, renewed, HashOf(X))));
        consensus.Handle(new ProposalArrived(renewed));
        var prevote = SignedVote(VoteKind.Prevote, 0, X, Operator);
        prevote.Signature = ByteString.CopyFrom(NewOperatorKey.Sign(ConsensusSigning.VoteSignBytes(TestLedger.ChainId, prevote)));
        var locked = consensus.Handle(new VoteArrived(prevote));
        Assert.Equal(0, consensus.LockedRound);
        Assert.Equal(HashOf(X), ActionAssert.SingleVote(locked, VoteKind.Precommit));
    }

    [Fact]
    public void A_certificate_with_a_precommit_signed_by_the_old_key_is_refused_from_the_change_on()
    {
        var hash = HashOf(X);
        var precommits = new[] { Me, Verifier1, Operator }.Select(v => SignedVote(VoteKind.Precommit, 0, X, v)).ToList();
        var certificate = ConsensusSigning.Certificate(Height, 0, hash, precommits);

        Assert.Null(CommitCertificates.Problem(certificate, TestLedger.ChainId, Height, hash, Original()));
        var problem = CommitCertificates.Problem(certificate, TestLedger.ChainId, Height, hash, Rekeyed());
        Assert.NotNull(problem);
        Assert.Contains(Operator, problem);
    }

    private static Vote Vote(ulong height) => new() { Kind = VoteKind.Prevote, Height = height, Round = 0, BlockHash = ByteString.Empty };

    private sealed class MemoryStore : ISignerStateStore
    {
        private SignerState? _saved;

        public SignerState? Load() => _saved;

        public void Save(SignerState state) => _saved = state;
    }
}

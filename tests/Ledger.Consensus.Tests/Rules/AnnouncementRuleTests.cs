using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using static Ledger.Consensus.Tests.Rules.RuleHarness;

namespace Ledger.Consensus.Tests.Rules;

/// <summary>
/// D49: a peer's announcement carries a commit certificate without the block, and the driver hands its
/// precommits to the state machine as votes. With the proposed block held, that decides exactly what the
/// whole Decision (block and certificate) decided before; without it, nothing is decided until it comes.
/// </summary>
public sealed class AnnouncementRuleTests
{
    private static readonly Block V = MakeBlock(Height, 1, Operator);

    [Theory]
    [InlineData(0u, new[] { Operator, Verifier1, Verifier2 })]
    [InlineData(0u, new[] { Operator, Verifier2, Me })]
    [InlineData(1u, new[] { Verifier1, Verifier2, Me })]
    [InlineData(3u, new[] { Operator, Verifier1, Verifier2, Me })]
    public void With_the_proposal_held_the_precommits_decide_what_the_decision_decided(uint round, string[] signers)
    {
        var certificate = CertificateOf(round, V, signers);

        var byDecision = Held(round).Consensus.Handle(new DecisionArrived(new Decision { Block = V, Certificate = certificate })).OfType<Commit>().Single();
        var byAnnouncement = Announce(Held(round), certificate).OfType<Commit>().Single();

        Assert.Equal(byDecision.BlockHash, byAnnouncement.BlockHash);
        Assert.Equal(byDecision.Block, byAnnouncement.Block);
        Assert.Equal(byDecision.Certificate.BlockHash, byAnnouncement.Certificate.BlockHash);
        Assert.Equal(round, byAnnouncement.Certificate.Round);
        Assert.True(CommitCertificates.Problem(byAnnouncement.Certificate, Ledger.Testing.TestLedger.ChainId, Height, byAnnouncement.BlockHash, new RuleHarness().Validators) is null);
    }

    [Fact]
    public void Without_the_proposal_nothing_is_decided_until_it_comes()
    {
        var harness = new RuleHarness();
        harness.Start();

        Assert.Empty(Announce(harness, CertificateOf(0, V, Others)).OfType<Commit>());

        var commit = Assert.Single(harness.Propose(0, V).OfType<Commit>());
        Assert.Equal(HashOf(V), commit.BlockHash);
    }

    [Fact]
    public void A_minority_of_precommits_decides_nothing()
    {
        var harness = Held(0);
        Assert.Empty(Announce(harness, CertificateOf(0, V, Operator, Verifier1)).OfType<Commit>());
    }

    /// <summary>A node that has started the height and holds round's proposal of V.</summary>
    private static RuleHarness Held(uint round)
    {
        var harness = new RuleHarness();
        harness.Start();
        harness.Propose(round, V, proposer: harness.Validators.Proposer(Height, round).ValidatorId);
        return harness;
    }

    private static List<ConsensusAction> Announce(RuleHarness harness, CommitCertificate certificate) =>
        ConsensusSigning.Precommits(certificate).SelectMany(vote => harness.Consensus.Handle(new VoteArrived(vote))).ToList();

    private static CommitCertificate CertificateOf(uint round, Block block, params string[] signers) =>
        ConsensusSigning.Certificate(Height, round, HashOf(block), signers.Select(s => SignedVote(VoteKind.Precommit, round, block, s)));
}

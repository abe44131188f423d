using Google.Protobuf;
using Ledger.Core.Protocol;
using static Ledger.Consensus.Tests.Rules.RuleHarness;

namespace Ledger.Consensus.Tests.Rules;

/// <summary>
/// Deviations of Tendermint.cs from the paper or from "bad input is never a crash", found by the
/// simulation and pinned down here. Each test states the expected behaviour; it fails until fixed.
/// </summary>
public sealed class TendermintFindingTests
{
    private static readonly Block V = MakeBlock(Height, 1, Operator);
    private static readonly Block W = MakeBlock(Height, 2, Verifier1);

    /// <summary>
    /// l.28 counts 2f+1 PREVOTE messages for id(v) received in round vr. A Byzantine validator that sent
    /// nil first and v second has sent a prevote for v; VoteSet.Add keeps only its first vote, so a
    /// node locked earlier never sees the polka and never unlocks. With two honest nodes locked in
    /// different rounds this stalls the network for good (simulation: 17 of the 120 Twins seeds, e.g.
    /// LEDGER_SIM_SEED=Twins:2000056; all pass when VoteSet counts per hash). Counting each
    /// validator once per block hash keeps safety
    /// (any 2f+1 for v still holds f+1 honest) and restores liveness; CometBFT does it for the
    /// blocks a peer claims a +2/3 majority for (VoteSet.SetPeerMaj23).
    /// </summary>
    [Fact]
    public void L28_an_equivocators_second_prevote_counts_toward_the_polka_of_the_valid_round()
    {
        var harness = new RuleHarness();
        harness.Start();
        harness.LockOn(W); // round 0
        harness.NextRound();
        harness.Votes(VoteKind.Prevote, 1, null, Verifier2);
        harness.Votes(VoteKind.Prevote, 1, V, Verifier2, Operator, Verifier1); // a polka for V in round 1, with the equivocator's second vote
        harness.NextRound();
        var actions = harness.Propose(2, V, validRound: 1);
        Assert.Equal(HashOf(V), ActionAssert.SingleVote(actions, VoteKind.Prevote));
    }

    /// <summary>
    /// l.49 decides v on ⟨PROPOSAL, h, r, v⟩ from the proposer and 2f+1 precommits for id(v). Receive(Proposal)
    /// keeps only the first proposal of a round, so when an equivocating proposer's second block is the one
    /// that gathers the precommits, the node cannot decide it from the votes (only a Decision message saves it).
    /// </summary>
    [Fact]
    public void L49_the_second_proposal_of_an_equivocating_proposer_is_decided_when_it_gets_the_precommits()
    {
        var harness = new RuleHarness();
        harness.Start();
        harness.Propose(0, V);
        harness.Propose(0, W, proposer: Operator);
        var commit = Assert.Single(harness.Votes(VoteKind.Precommit, 0, W, Others).OfType<Commit>());
        Assert.Equal(HashOf(W), commit.BlockHash);
    }

    /// <summary>
    /// Receive(Proposal) and Receive(Decision) hash the header (BlockHashing.HeaderHash, whose Invariant
    /// requires 32-byte hash fields) before checking any signature: one message with a 31-byte state root
    /// and the right proposer id, from anyone, throws InvariantViolationException out of Handle and
    /// stops the validator. Bad input must be ignored.
    /// </summary>
    [Theory]
    [InlineData("proposal")]
    [InlineData("decision")]
    public void A_block_header_with_a_malformed_hash_field_is_ignored_not_thrown(string carrier)
    {
        var harness = new RuleHarness();
        harness.Start();
        var block = V.Clone();
        block.Header.StateRoot = ByteString.CopyFrom(new byte[31]);
        var arrived = carrier == "proposal"
            ? (ConsensusEvent)new ProposalArrived(new Proposal { Height = Height, Round = 0, ValidRound = -1, Block = block, Proposer = Operator, Signature = ByteString.CopyFrom(new byte[64]) })
            : new DecisionArrived(new Decision { Block = block, Certificate = new CommitCertificate { Height = Height, BlockHash = ByteString.CopyFrom(new byte[32]) } });
        Assert.Empty(harness.Consensus.Handle(arrived));
    }
}

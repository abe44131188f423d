using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Testing;
using static Ledger.Consensus.Tests.Rules.RuleHarness;

namespace Ledger.Consensus.Tests.Rules;

/// <summary>
/// Algorithm 1 of "The latest gossip on BFT consensus" (arXiv 1807.04938), one test per rule,
/// named by its pseudo-code line. Me is node-bureau; the others' messages are signed with their TestKeys.
/// </summary>
public sealed class TendermintRuleTests
{
    private static readonly Block V = MakeBlock(Height, 1, Operator);
    private static readonly Block W = MakeBlock(Height, 2, Verifier1);
    private static readonly Block X = MakeBlock(Height, 3, Verifier2);

    [Fact]
    public void L11_StartRound_the_proposer_proposes_a_new_block_with_valid_round_minus_one()
    {
        var harness = new RuleHarness(Verifier2); // proposer(1, 2) is node-verifier-2
        harness.Application.NextBlock = X;
        harness.Start();
        var actions = harness.Votes(VoteKind.Prevote, 2, null, Operator, Verifier1); // l.55 takes it to round 2
        var proposal = Assert.Single(actions.OfType<SignAndBroadcastProposal>()).Proposal;
        Assert.Equal((2u, -1), (proposal.Round, proposal.ValidRound));
        Assert.Equal(HashOf(X), HashOf(proposal.Block));
    }

    [Fact]
    public void L21_StartRound_a_non_proposer_schedules_the_propose_timeout_of_its_round()
    {
        var actions = new RuleHarness().Start();
        var timeout = Assert.Single(actions.OfType<ScheduleTimeout>());
        Assert.Equal(new ScheduleTimeout(TimeoutKind.Propose, Height, 0, Timeouts.For(TimeoutKind.Propose, 0)), timeout);
        Assert.Empty(actions.OfType<SignAndBroadcastProposal>());
    }

    [Fact]
    public void L16_a_proposer_with_a_valid_value_re_proposes_it_with_its_valid_round()
    {
        var harness = new RuleHarness(Verifier2);
        harness.Start();
        harness.Propose(0, V);
        harness.Votes(VoteKind.Prevote, 0, V, Me, Operator, Verifier1); // polka: valid value V at round 0
        Assert.Equal(0, harness.Consensus.ValidRound);
        harness.Votes(VoteKind.Precommit, 0, null, Me, Operator, Verifier1);
        harness.Timeout(TimeoutKind.Precommit, 0);
        harness.Votes(VoteKind.Precommit, 1, null, Me, Operator, Verifier1);
        var proposal = Assert.Single(harness.Timeout(TimeoutKind.Precommit, 1).OfType<SignAndBroadcastProposal>()).Proposal;
        Assert.Equal(2u, proposal.Round);
        Assert.Equal(0, proposal.ValidRound);
        Assert.Equal(HashOf(V), HashOf(proposal.Block));
    }

    public static TheoryData<string, bool, string?, bool> L22Cases => new()
    {
        // case, valid(v), locked on (null = not locked, "same" = v, "other"), expect a prevote for v
        { "valid, not locked", true, null, true },
        { "invalid, not locked", false, null, false },
        { "valid, locked on another value", true, "other", false },
        { "valid, locked on the same value", true, "same", true },
    };

    [Theory]
    [MemberData(nameof(L22Cases))]
    public void L22_a_proposal_without_valid_round_gets_a_prevote_when_valid_and_not_locked_on_another_value(string @case, bool valid, string? locked, bool prevotesValue)
    {
        var harness = new RuleHarness();
        harness.Start();
        var proposal = locked == "same" ? W : V;
        if (locked is not null)
        {
            harness.Propose(0, W);
            harness.Votes(VoteKind.Prevote, 0, W, Others);
            harness.NextRound();
        }

        if (!valid)
        {
            harness.Application.Invalid.Add(Convert.ToHexString(HashOf(proposal)));
        }

        var round = harness.Consensus.Round;
        var actions = harness.Propose(round, proposal);
        Assert.True(prevotesValue ? ActionAssert.SingleVote(actions, VoteKind.Prevote)?.SequenceEqual(HashOf(proposal)) == true : ActionAssert.SingleVote(actions, VoteKind.Prevote) is null, @case);
        Assert.Equal(Step.Prevote, harness.Consensus.Step);
    }

    public static TheoryData<string, int, int, bool, bool> L28Cases => new()
    {
        // case, round Me locked in (-1 = none), the proposal's valid round, valid(v), expect a prevote for v
        { "not locked, polka in vr", -1, 0, true, true },
        { "locked earlier than vr: unlock", 0, 1, true, true },
        { "locked later than vr", 1, 0, true, false },
        { "invalid value", -1, 0, false, false },
    };

    [Theory]
    [MemberData(nameof(L28Cases))]
    public void L28_a_re_proposal_with_a_polka_in_its_valid_round_gets_a_prevote_unless_locked_later(string @case, int lockedRound, int validRound, bool valid, bool prevotesValue)
    {
        var harness = new RuleHarness();
        harness.Start();
        for (uint round = 0; round < 2; round++)
        {
            if (round == validRound)
            {
                harness.Votes(VoteKind.Prevote, round, V, Others); // a polka for V that Me sees without the proposal
            }

            if (round == lockedRound)
            {
                harness.LockOn(W);
            }

            harness.NextRound();
        }

        if (!valid)
        {
            harness.Application.Invalid.Add(Convert.ToHexString(HashOf(V)));
        }

        var actions = harness.Propose(2, V, validRound);
        var prevote = prevotesValue ? ActionAssert.SingleVote(actions, VoteKind.Prevote) : ActionAssert.SingleVote(actions.Concat(harness.Timeout(TimeoutKind.Propose, 2)), VoteKind.Prevote);
        Assert.True(prevotesValue ? prevote?.SequenceEqual(HashOf(V)) == true : prevote is null, @case);
    }

    [Fact]
    public void L34_two_thirds_of_any_prevotes_in_step_prevote_schedule_the_prevote_timeout_once()
    {
        var harness = new RuleHarness();
        harness.Start();
        harness.Timeout(TimeoutKind.Propose, 0); // l.57: Me prevotes nil, step prevote
        var actions = harness.Votes(VoteKind.Prevote, 0, V, Operator).Concat(harness.Votes(VoteKind.Prevote, 0, W, Verifier1)).Concat(harness.Votes(VoteKind.Prevote, 0, null, Verifier2)).ToList();
        Assert.Equal(new ScheduleTimeout(TimeoutKind.Prevote, Height, 0, Timeouts.For(TimeoutKind.Prevote, 0)), Assert.Single(actions.OfType<ScheduleTimeout>()));
        Assert.Empty(harness.Votes(VoteKind.Prevote, 0, null, Me).OfType<ScheduleTimeout>());
    }

    public static TheoryData<bool, bool, int> L36Cases => new()
    {
        // already precommitted nil (step precommit), expect a precommit for v, locked round after
        { false, true, 0 },
        { true, false, -1 },
    };

    [Theory]
    [MemberData(nameof(L36Cases))]
    public void L36_a_polka_for_the_proposal_locks_and_precommits_in_step_prevote_and_always_sets_the_valid_value(bool alreadyPrecommitted, bool precommits, int lockedRound)
    {
        var harness = new RuleHarness();
        harness.Start();
        harness.Timeout(TimeoutKind.Propose, 0);
        harness.Votes(VoteKind.Prevote, 0, null, Me);
        harness.Votes(VoteKind.Prevote, 0, V, Operator, Verifier1);
        if (alreadyPrecommitted)
        {
            harness.Timeout(TimeoutKind.Prevote, 0); // l.61: precommit nil before the proposal arrives
            Assert.Equal(Step.Precommit, harness.Consensus.Step);
        }

        var actions = harness.Propose(0, V).Concat(harness.Votes(VoteKind.Prevote, 0, V, Verifier2)).ToList();
        if (precommits)
        {
            Assert.Equal(HashOf(V), ActionAssert.SingleVote(actions, VoteKind.Precommit));
        }
        else
        {
            ActionAssert.NoVote(actions, VoteKind.Precommit);
        }

        Assert.Equal(lockedRound, harness.Consensus.LockedRound);
        Assert.Equal(0, harness.Consensus.ValidRound);
    }

    [Fact]
    public void L44_two_thirds_of_nil_prevotes_in_step_prevote_precommit_nil()
    {
        var harness = new RuleHarness();
        harness.Start();
        harness.Timeout(TimeoutKind.Propose, 0);
        Assert.Null(ActionAssert.SingleVote(harness.Votes(VoteKind.Prevote, 0, null, Others), VoteKind.Precommit));
        Assert.Equal(Step.Precommit, harness.Consensus.Step);
    }

    [Fact]
    public void L47_two_thirds_of_any_precommits_schedule_the_precommit_timeout_once()
    {
        var harness = new RuleHarness();
        harness.Start();
        var actions = harness.Votes(VoteKind.Precommit, 0, V, Operator).Concat(harness.Votes(VoteKind.Precommit, 0, null, Verifier1, Verifier2)).ToList();
        Assert.Equal(new ScheduleTimeout(TimeoutKind.Precommit, Height, 0, Timeouts.For(TimeoutKind.Precommit, 0)), Assert.Single(actions.OfType<ScheduleTimeout>()));
        Assert.Empty(harness.Votes(VoteKind.Precommit, 0, null, Me).OfType<ScheduleTimeout>());
    }

    public static TheoryData<string, uint, bool, bool> L49Cases => new()
    {
        // case, rounds Me moved on before the precommits arrive, valid(v), expect a decision
        { "in the current round", 0, true, true },
        { "in an earlier round", 2, true, true },
        { "invalid value", 0, false, false },
    };

    [Theory]
    [MemberData(nameof(L49Cases))]
    public void L49_the_proposal_and_two_thirds_of_precommits_for_it_decide_in_any_round_with_a_valid_certificate(string @case, uint roundsLater, bool valid, bool decides)
    {
        var harness = new RuleHarness();
        harness.Start();
        if (!valid)
        {
            harness.Application.Invalid.Add(Convert.ToHexString(HashOf(V)));
        }

        harness.Propose(0, V);
        if (roundsLater > 0)
        {
            harness.Votes(VoteKind.Prevote, roundsLater, null, Operator, Verifier1); // l.55
            Assert.Equal(roundsLater, harness.Consensus.Round);
        }

        var actions = harness.Votes(VoteKind.Precommit, 0, V, Others);
        var commit = actions.OfType<Commit>().SingleOrDefault();
        Assert.True(decides == (commit is not null), @case);
        if (commit is not null)
        {
            Assert.Equal(HashOf(V), commit.BlockHash);
            Assert.Null(CommitCertificates.Problem(commit.Certificate, TestLedger.ChainId, Height, commit.BlockHash, harness.Validators));
            Assert.Empty(harness.Votes(VoteKind.Prevote, 0, V, Others)); // decided: everything else of the height is ignored
        }
    }

    public static TheoryData<int, bool> L55Cases => new()
    {
        // senders at the higher round, expect the round to be skipped (f + 1 = 2 of 4)
        { 1, false },
        { 2, true },
    };

    [Theory]
    [MemberData(nameof(L55Cases))]
    public void L55_messages_from_f_plus_one_at_a_higher_round_start_that_round(int senders, bool skips)
    {
        var harness = new RuleHarness();
        harness.Start();
        var actions = harness.Votes(VoteKind.Prevote, 5, null, Others.Take(senders).ToArray());
        Assert.Equal(skips ? 5u : 0u, harness.Consensus.Round);
        if (skips)
        {
            Assert.Contains(new ScheduleTimeout(TimeoutKind.Propose, Height, 5, Timeouts.For(TimeoutKind.Propose, 5)), actions);
            Assert.Equal(Step.Propose, harness.Consensus.Step);
        }
    }

    public static TheoryData<TimeoutKind, Step, VoteKind?> L57To65Cases => new()
    {
        // timeout, the step it arrives in, the vote it makes (null: none)
        { TimeoutKind.Propose, Step.Propose, VoteKind.Prevote },
        { TimeoutKind.Propose, Step.Prevote, null },
        { TimeoutKind.Prevote, Step.Prevote, VoteKind.Precommit },
        { TimeoutKind.Prevote, Step.Precommit, null },
    };

    [Theory]
    [MemberData(nameof(L57To65Cases))]
    public void L57_L61_a_timeout_in_its_own_step_votes_nil_and_is_ignored_in_a_later_step(TimeoutKind kind, Step step, VoteKind? votes)
    {
        var harness = new RuleHarness();
        harness.Start();
        if (step >= Step.Prevote)
        {
            harness.Timeout(TimeoutKind.Propose, 0);
        }

        if (step >= Step.Precommit)
        {
            harness.Votes(VoteKind.Prevote, 0, null, Others);
        }

        Assert.Equal(step, harness.Consensus.Step);
        var actions = harness.Timeout(kind, 0);
        if (votes is { } voteKind)
        {
            Assert.Null(ActionAssert.SingleVote(actions, voteKind));
        }
        else
        {
            Assert.Empty(actions.OfType<SignAndBroadcastVote>());
        }
    }

    [Fact]
    public void L57_a_timeout_of_another_round_or_height_does_nothing()
    {
        var harness = new RuleHarness();
        harness.Start();
        Assert.Empty(harness.Timeout(TimeoutKind.Propose, 1));
        Assert.Empty(harness.Consensus.Handle(new TimeoutElapsed(TimeoutKind.Propose, Height + 1, 0)));
        Assert.Equal(Step.Propose, harness.Consensus.Step);
    }

    [Fact]
    public void L65_the_precommit_timeout_starts_the_next_round_with_a_longer_propose_timeout()
    {
        var harness = new RuleHarness();
        harness.Start();
        harness.Timeout(TimeoutKind.Propose, 0);
        var actions = harness.Timeout(TimeoutKind.Precommit, 0);
        Assert.Equal(1u, harness.Consensus.Round);
        Assert.Equal(Step.Propose, harness.Consensus.Step);
        Assert.Equal(new ScheduleTimeout(TimeoutKind.Propose, Height, 1, Timeouts.For(TimeoutKind.Propose, 1)), Assert.Single(actions.OfType<ScheduleTimeout>()));
        Assert.True(Timeouts.For(TimeoutKind.Propose, 1) > Timeouts.For(TimeoutKind.Propose, 0));
    }

    [Fact]
    public void Messages_of_another_height_a_non_proposer_or_a_bad_signature_are_ignored()
    {
        var harness = new RuleHarness();
        harness.Start();
        Assert.Empty(harness.Consensus.Handle(new ProposalArrived(SignedProposal(0, MakeBlock(2, 1, Operator), -1, Operator))));
        Assert.Empty(harness.Consensus.Handle(new ProposalArrived(SignedProposal(0, V, -1, Verifier1))));
        var forged = SignedProposal(0, V, -1, Operator);
        forged.Signature = SignedProposal(0, W, -1, Operator).Signature;
        Assert.Empty(harness.Consensus.Handle(new ProposalArrived(forged)));
        Assert.Empty(harness.Consensus.Handle(new VoteArrived(SignedVote(VoteKind.Prevote, 0, V, Operator, height: 2))));
        Assert.Equal(Step.Propose, harness.Consensus.Step);
    }

    [Fact]
    public void Two_different_votes_of_one_validator_are_reported_as_evidence_once()
    {
        var harness = new RuleHarness();
        harness.Start();
        harness.Votes(VoteKind.Prevote, 0, V, Operator);
        var evidence = Assert.Single(harness.Votes(VoteKind.Prevote, 0, W, Operator).OfType<EvidenceFound>()).Evidence;
        Assert.Equal(Operator, evidence.First.ValidatorId);
        Assert.NotEqual(evidence.First.BlockHash, evidence.Second.BlockHash);
        Assert.Empty(harness.Votes(VoteKind.Prevote, 0, null, Operator).OfType<EvidenceFound>());
        Assert.Single(harness.Consensus.Evidence);
    }

    [Fact]
    public void A_decision_with_a_valid_certificate_decides_and_a_forged_one_does_not()
    {
        var harness = new RuleHarness();
        harness.Start();
        var certificate = CommitCertificates.Create(Height, 3, HashOf(V));
        foreach (var validator in Others[..2])
        {
            CommitCertificates.AddSignature(certificate, TestLedger.ChainId, validator, TestKeys.For(validator));
        }

        Assert.Empty(harness.Consensus.Handle(new DecisionArrived(new Decision { Block = V, Certificate = certificate })));
        CommitCertificates.AddSignature(certificate, TestLedger.ChainId, Verifier2, TestKeys.For(Verifier2));
        var commit = Assert.Single(harness.Consensus.Handle(new DecisionArrived(new Decision { Block = V, Certificate = certificate })).OfType<Commit>());
        Assert.Equal(HashOf(V), commit.BlockHash);
    }
}

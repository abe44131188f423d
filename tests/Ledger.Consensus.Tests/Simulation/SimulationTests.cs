using Xunit.Abstractions;

namespace Ledger.Consensus.Tests.Simulation;

// One class per fault family, so xUnit runs the families in parallel (one per core). A failing
// seed prints its scenario and the one command that replays it (LEDGER_SIM_SEED=<family>:<seed>).

public sealed class HonestSimulationTests(ITestOutputHelper output)
{
    public static TheoryData<ulong> Seeds => SimulationAssert.Seeds(Family.Honest, 300);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Honest_validators_stay_safe_and_live_under_network_faults_crashes_and_wipes(ulong seed) =>
        SimulationAssert.Passes(Family.Honest, seed, output);
}

public sealed class SevenValidatorSimulationTests(ITestOutputHelper output)
{
    public static TheoryData<ulong> Seeds => SimulationAssert.Seeds(Family.SevenValidators, 80);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Seven_validators_stay_safe_and_live_under_network_faults_crashes_and_wipes(ulong seed) =>
        SimulationAssert.Passes(Family.SevenValidators, seed, output);
}

public sealed class TwinsSimulationTests(ITestOutputHelper output)
{
    public static TheoryData<ulong> Seeds => SimulationAssert.Seeds(Family.Twins, 120);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void One_twinned_validator_in_shifting_partitions_cannot_fork_the_honest_nodes(ulong seed) =>
        SimulationAssert.Passes(Family.Twins, seed, output);
}

public sealed class ByzantineSimulationTests(ITestOutputHelper output)
{
    public static TheoryData<ulong> EquivocatingSeeds => SimulationAssert.Seeds(Family.EquivocatingProposer, 60);

    public static TheoryData<ulong> DoubleSigningSeeds => SimulationAssert.Seeds(Family.DoubleSigningVoter, 60);

    public static TheoryData<ulong> InvalidBlockSeeds => SimulationAssert.Seeds(Family.InvalidBlockProposer, 60);

    [Theory]
    [MemberData(nameof(EquivocatingSeeds))]
    public void A_proposer_sending_different_blocks_to_different_peers_cannot_fork_the_honest_nodes(ulong seed) =>
        SimulationAssert.Passes(Family.EquivocatingProposer, seed, output);

    [Theory]
    [MemberData(nameof(DoubleSigningSeeds))]
    public void A_voter_sending_conflicting_votes_cannot_fork_the_honest_nodes(ulong seed) =>
        SimulationAssert.Passes(Family.DoubleSigningVoter, seed, output);

    [Theory]
    [MemberData(nameof(InvalidBlockSeeds))]
    public void Honest_nodes_never_vote_for_an_invalid_block(ulong seed) =>
        SimulationAssert.Passes(Family.InvalidBlockProposer, seed, output);
}

public sealed class KeyRotationSimulationTests(ITestOutputHelper output)
{
    public static TheoryData<ulong> Seeds => SimulationAssert.Seeds(Family.KeyRotation, 40);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_validator_re_keyed_mid_run_signs_with_its_new_key_and_its_old_key_is_ignored(ulong seed) =>
        SimulationAssert.Passes(Family.KeyRotation, seed, output);
}

/// <summary>The checkers themselves: each must be able to fail (Twins' "inject bugs to validate the tester").</summary>
public sealed class SimulationControlTests(ITestOutputHelper output)
{
    [Fact]
    public void Two_twinned_validators_of_four_fork_and_the_fork_checker_reports_it()
    {
        var results = Enumerable.Range(0, 5).Select(i => new Simulation(Family.TwoTwins, 7_000 + (ulong)i).Run()).ToList();
        foreach (var result in results)
        {
            output.WriteLine($"{result.Scenario}: {(result.Forked ? "fork detected" : result.Failure ?? "no failure")}");
        }

        Assert.Contains(results, r => r.Forked);
    }

    [Fact]
    public void Nodes_that_ignore_their_lock_are_caught_forking()
    {
        // The seeds were chosen with the full Decision broadcast; with announcements (D49) forks came in 1 of 200 seeds against 4.
        var results = Enumerable.Range(0, LockIgnoringSeedsMax).Select(i => new Simulation(Family.LockIgnoring, 9_000 + (ulong)i, SimulationOptions.WithDecisions).Run()).ToList();
        var caught = results.Where(r => r.Failure is not null).ToList();
        output.WriteLine($"{caught.Count} of {results.Count} seeds caught:\n{string.Join("\n", caught.Select(r => r.Failure))}");
        Assert.Contains(results, r => r.Forked);
    }

    /// <summary>
    /// Positive control of the liveness checker, and a record of a gap in the driver contract: with
    /// re-broadcast only when a timeout elapses, a node that lost votes in step prevote or precommit
    /// has no timeout pending (l.34 and l.47 need 2f+1 votes first) and the network can stall for good.
    /// </summary>
    [Fact]
    public void Rebroadcasting_only_at_timeouts_stalls_and_the_liveness_checker_reports_it()
    {
        var results = Enumerable.Range(0, 20).Select(i => new Simulation(Family.Honest, (ulong)i, SimulationOptions.RebroadcastAtTimeoutsOnly).Run()).ToList();
        var stalled = results.Where(r => r.Failure?.StartsWith("liveness", StringComparison.Ordinal) == true).ToList();
        output.WriteLine($"{stalled.Count} of {results.Count} seeds stalled:\n{string.Join("\n", stalled.Select(r => r.Scenario))}");
        Assert.NotEmpty(stalled);
        Assert.DoesNotContain(results, r => r.Failure is not null && !r.Failure.StartsWith("liveness", StringComparison.Ordinal));
    }

    /// <summary>
    /// A record of a second gap in the driver contract: a node restarted with only its signer state and
    /// blocks cannot re-send the votes it signed before the crash (the signer refuses different bytes,
    /// and the exact ones are gone), so with another node's votes lost too no quorum of any kind forms
    /// and no timeout is pending. The own-message log of DESIGN §7 rule 2 closes it.
    /// </summary>
    [Fact]
    public void Restarting_without_the_own_message_log_can_stall_and_never_breaks_safety()
    {
        // The seeds were chosen with the full Decision broadcast; with announcements (D49) 0 of 200 seeds stalled against 1.
        var results = Enumerable.Range(0, 60).Select(i => new Simulation(Family.Honest, (ulong)i, SimulationOptions.WithoutOwnMessageLog with { AnnounceCertificates = false }).Run()).ToList();
        var stalled = results.Where(r => r.Failure?.StartsWith("liveness", StringComparison.Ordinal) == true).ToList();
        output.WriteLine($"{stalled.Count} of {results.Count} seeds stalled:\n{string.Join("\n", stalled.Select(r => r.Scenario))}");
        Assert.NotEmpty(stalled);
        Assert.DoesNotContain(results, r => r.Failure is not null && !r.Failure.StartsWith("liveness", StringComparison.Ordinal));
    }

    [Fact]
    public void The_fixed_corpus_exercises_every_fault()
    {
        var results = Enumerable.Range(0, 30).Select(i => SimulationAssert.Passes(Family.Honest, (ulong)i)).ToList();
        var byzantine = SimulationAssert.Passes(Family.DoubleSigningVoter, (ulong)Family.DoubleSigningVoter * 1_000_003UL);
        Assert.Contains(results, r => r.Faults.Crashes > r.Faults.CrashesAtWrite);
        Assert.Contains(results, r => r.Faults.CrashesAtWrite > 0);
        Assert.Contains(results, r => r.Faults.Wipes > 0);
        Assert.Contains(results, r => r.Faults.Partitions > 0);
        Assert.Contains(results, r => r.Faults.MessagesDropped > 0);
        Assert.True(results.Sum(r => r.TransactionsCommitted) > 100, "the clients' transactions commit");
        Assert.True(byzantine.Evidence > 0, "honest nodes report the double signer's votes as evidence");
        var invalid = new Simulation(Family.InvalidBlockProposer, (ulong)Family.InvalidBlockProposer * 1_000_003UL);
        Assert.Null(invalid.Run().Failure);
        Assert.NotEmpty(invalid.Checkers.InvalidBlockHashes);
    }

    [Theory]
    [InlineData(Family.Honest, 3UL)]
    [InlineData(Family.Twins, (ulong)Family.Twins * 1_000_003UL)]
    [InlineData(Family.EquivocatingProposer, (ulong)Family.EquivocatingProposer * 1_000_003UL)]
    public void A_seed_replays_to_the_same_chains(Family family, ulong seed) =>
        Assert.Equal(new Simulation(family, seed).Run().Digest, new Simulation(family, seed).Run().Digest);

    /// <summary>Replays LEDGER_SIM_SEED=family:seed (as a failing seed prints it); passes trivially when unset.</summary>
    [Fact]
    public void Replay_LEDGER_SIM_SEED()
    {
        if (Environment.GetEnvironmentVariable("LEDGER_SIM_SEED") is not { Length: > 0 } value)
        {
            return;
        }

        var parts = value.Split(':');
        SimulationAssert.Passes(Enum.Parse<Family>(parts[0]), ulong.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), output);
    }

    private const int LockIgnoringSeedsMax = 100;
}

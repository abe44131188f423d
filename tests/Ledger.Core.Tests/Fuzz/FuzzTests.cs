using System.Globalization;
using Ledger.Core.Protocol;
using Ledger.Fuzz;
using Xunit.Abstractions;

namespace Ledger.Core.Tests.Fuzz;

/// <summary>
/// The bounded fuzz run of CI (the long run is bench/Ledger.Bench.Fuzz): each target on a fixed seed
/// and on a rotating seed that is printed. A failure prints LEDGER_FUZZ_REPLAY=target:seed:index,
/// which Replay_LEDGER_FUZZ_REPLAY runs alone.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    public const ulong FixedSeed = 20_261_124;

    /// <summary>Generous: a hung input is one that never ends, not a slow one on a loaded machine.</summary>
    private static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(60);

    private static readonly Lazy<FuzzWorld> World = new(() => new FuzzWorld());

    /// <summary>LEDGER_FUZZ_SEED when set, else new every run.</summary>
    public static ulong RotatingSeed { get; } =
        ulong.TryParse(Environment.GetEnvironmentVariable("LEDGER_FUZZ_SEED"), CultureInfo.InvariantCulture, out var seed) ? seed : (ulong)DateTime.UtcNow.Ticks;

    [Fact]
    public void Every_transaction_kind_has_a_generator()
    {
        var missing = BodyTemplates.AllKinds.Where(k => !BodyTemplates.ByKind.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, $"no fuzz template for {string.Join(", ", missing)} (tests/Ledger.Fuzz/BodyTemplates.cs)");
        var world = World.Value;
        var random = new FuzzRandom(FixedSeed);
        foreach (var kind in BodyTemplates.AllKinds)
        {
            Assert.Equal(kind, BodyTemplates.ByKind[kind](world, random).Body.KindCase);
        }
    }

    [Fact]
    public void Envelopes_decode_check_and_apply_without_surprises()
    {
        var results = Run("envelopes", 2_000);
        var fixedRun = results[0].Counters;
        Assert.True(fixedRun["decode failure"] > 0 && fixedRun["committed"] > 0, "the fixed seed reaches both decode failures and commits");
        Assert.True(fixedRun.All.Count(c => c.Key.StartsWith("REJECTION_CODE_", StringComparison.Ordinal)) >= 10, "the fixed seed reaches at least 10 rejection codes");
    }

    [Fact]
    public void Every_body_kind_survives_hostile_field_values()
    {
        var results = Run("bodies", 2_000);
        foreach (var kind in BodyTemplates.AllKinds)
        {
            Assert.True(results[0].Counters[$"kind {kind}"] >= 10, $"the fixed seed fuzzes {kind} at least 10 times");
        }
    }

    [Fact]
    public void Consensus_never_throws_double_signs_or_commits_without_a_quorum()
    {
        var results = Run("consensus", 200);
        Assert.True(results[0].Counters["commits"] > 0, "the fixed seed reaches commits, so the commit checks ran");
        Assert.True(results[0].Counters["episodes, minority keys"] > 0, "the fixed seed has episodes where no quorum can sign");
    }

    [Fact]
    public void Damaged_blocks_are_refused_with_a_reason()
    {
        var results = Run("blocks", 3_000);
        Assert.True(results[0].Counters["refused"] > 0 && results[0].Counters["decode failure"] > 0, "the fixed seed reaches refusals and decode failures");
    }

    /// <summary>LEDGER_FUZZ_REPLAY=target:seed:index runs that one input; without it this test does nothing.</summary>
    [Fact]
    public void Replay_LEDGER_FUZZ_REPLAY()
    {
        var replay = Environment.GetEnvironmentVariable("LEDGER_FUZZ_REPLAY");
        if (string.IsNullOrEmpty(replay))
        {
            return;
        }

        var counters = new FuzzCounters();
        var failure = FuzzTargets.Replay(World.Value, replay, counters);
        output.WriteLine($"{replay}: {string.Join(", ", counters.All.Select(c => c.Key))}");
        Assert.True(failure is null, failure?.ToString());
    }

    private List<FuzzResult> Run(string target, int inputs)
    {
        var results = new List<FuzzResult>();
        foreach (var seed in new[] { FixedSeed, RotatingSeed })
        {
            var result = FuzzRunner.Run(FuzzTargets.ByName(World.Value, target), seed, inputs, TimeSpan.MaxValue, HangTimeout);
            output.WriteLine($"{result.Summary} ({(seed == FixedSeed ? "fixed" : "rotating; LEDGER_FUZZ_SEED=" + seed + " repeats it")})");
            foreach (var (outcome, count) in result.Counters.All)
            {
                output.WriteLine($"    {outcome}: {count}");
            }

            Assert.True(result.Failures.Count == 0, string.Join(Environment.NewLine, result.Failures));
            Assert.Equal(inputs, result.Inputs);
            results.Add(result);
        }

        return results;
    }
}

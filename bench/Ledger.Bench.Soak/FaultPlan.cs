using System.Diagnostics;
using System.Globalization;

namespace Ledger.Bench.Soak;

/// <summary>
/// One fault: at <paramref name="AtSeconds"/> (from the start of the load) SIGKILL validator
/// <paramref name="Victim"/> and restart it after <paramref name="DownSeconds"/>. With a
/// <paramref name="Second"/> validator, that one is killed too, <paramref name="SecondAfterSeconds"/>
/// after the first, and restarted <paramref name="SecondDownSeconds"/> later: two of four down, no
/// quorum, so the network stalls until it returns.
/// </summary>
public sealed record Fault(double AtSeconds, int Victim, double DownSeconds, int? Second, double SecondAfterSeconds, double SecondDownSeconds)
{
    public override string ToString() =>
        FormattableString.Invariant($"t={AtSeconds:0.0}s kill #{Victim} for {DownSeconds:0.0}s")
        + (Second is { } second ? FormattableString.Invariant($", stall: kill #{second} at +{SecondAfterSeconds:0.0}s for {SecondDownSeconds:0.0}s") : "");
}

/// <summary>
/// The fault schedule, drawn entirely from the seed before the run starts, so a seed replays the same
/// victims and pauses (the times are offsets from the start of the load; a slow restart delays the
/// faults after it).
/// </summary>
public static class FaultPlan
{
    public static IReadOnlyList<Fault> Draw(SoakOptions options, int nodeCount)
    {
        var random = new Random(options.Seed);
        var faults = new List<Fault>();
        var at = options.KillGap.Draw(random);
        while (at < options.Duration.TotalSeconds && faults.Count < options.FaultsMax)
        {
            var victim = random.Next(nodeCount);
            var down = options.Down.Draw(random);
            int? second = null;
            double secondAfter = 0, secondDown = 0;
            if (random.NextDouble() < options.StallChance)
            {
                second = (victim + 1 + random.Next(nodeCount - 1)) % nodeCount;
                secondAfter = down * random.NextDouble() * 0.5;
                secondDown = Math.Min(options.Stall.Draw(random), down - secondAfter);
            }

            faults.Add(new Fault(at, victim, down, second, secondAfter, secondDown));
            at += down + options.KillGap.Draw(random);
        }

        return faults;
    }

    /// <summary>What the fault runner did, for the summary.</summary>
    public sealed class Tally
    {
        public int Kills;
        public int Restarts;
        public int Stalls;
        public double DownSecondsTotal;
    }

    /// <summary>
    /// Plays the schedule until <paramref name="stop"/>; a fault already begun is finished (its nodes
    /// restarted) even after the stop, so every node runs again at the end. At most one validator is
    /// down at a time, except during a stall.
    /// </summary>
    public static async Task RunAsync(IReadOnlyList<Fault> faults, IReadOnlyList<SoakNode> nodes, Stopwatch clock, Tally tally, TextWriter log, CancellationToken stop)
    {
        foreach (var fault in faults)
        {
            var wait = TimeSpan.FromSeconds(fault.AtSeconds) - clock.Elapsed;
            try
            {
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, stop);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (stop.IsCancellationRequested)
            {
                return;
            }

            await PlayAsync(fault, nodes, clock, tally, log);
        }
    }

    private static async Task PlayAsync(Fault fault, IReadOnlyList<SoakNode> nodes, Stopwatch clock, Tally tally, TextWriter log)
    {
        var victim = nodes[fault.Victim];
        var killedAt = clock.Elapsed;
        await victim.KillAsync();
        tally.Kills++;
        Log(log, clock, $"SIGKILL {victim.NodeId} (planned {fault})");
        if (fault.Second is { } secondIndex)
        {
            var second = nodes[secondIndex];
            await Task.Delay(TimeSpan.FromSeconds(fault.SecondAfterSeconds));
            await second.KillAsync();
            tally.Kills++;
            tally.Stalls++;
            Log(log, clock, $"SIGKILL {second.NodeId}: two validators down, no quorum");
            await Task.Delay(TimeSpan.FromSeconds(fault.SecondDownSeconds));
            await RestartAsync(second, clock, tally, log);
        }

        var remaining = TimeSpan.FromSeconds(fault.DownSeconds) - (clock.Elapsed - killedAt);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining);
        }

        await RestartAsync(victim, clock, tally, log);
        tally.DownSecondsTotal += (clock.Elapsed - killedAt).TotalSeconds;
    }

    private static async Task RestartAsync(SoakNode node, Stopwatch clock, Tally tally, TextWriter log)
    {
        var started = clock.Elapsed;
        await node.StartAsync();
        tally.Restarts++;
        Log(log, clock, string.Create(CultureInfo.InvariantCulture, $"restarted {node.NodeId} (serving after {(clock.Elapsed - started).TotalSeconds:0.0}s)"));
    }

    public static void Log(TextWriter log, Stopwatch clock, string line)
    {
        lock (log)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,7:0.0}s] {line}"));
        }
    }
}

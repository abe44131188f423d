using Ledger.Bench.Soak;
using Xunit.Abstractions;

namespace Ledger.Integration.Tests;

/// <summary>
/// The soak (bench/Ledger.Bench.Soak) in miniature: four validator processes under ten seconds of
/// mixed load with one SIGKILL and restart; the soak's own end checks must all pass. Correctness
/// only, never speed: the long run and its figures are in docs/BENCHMARKS.md.
/// </summary>
public sealed class SoakSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_short_soak_with_one_kill_loses_nothing_acknowledged()
    {
        // LEDGER_SOAK_SEED=<seed> replays the victim and pauses of a failing run.
        var seed = int.TryParse(Environment.GetEnvironmentVariable("LEDGER_SOAK_SEED"), out var given) ? given : Environment.TickCount & int.MaxValue;
        var options = new SoakOptions
        {
            Duration = TimeSpan.FromSeconds(10),
            Seed = seed,
            Clients = 4,
            KillGap = new SecondsRange(1, 3),
            Down = new SecondsRange(1, 2),
            StallChance = 0,
            FaultsMax = 1,
        };
        var log = new StringWriter();
        var report = await Soak.RunAsync(options, TextWriter.Synchronized(log));
        report.Print(log);
        output.WriteLine(log.ToString());

        Assert.True(report.Passed, string.Join('\n', report.Failures));
        Assert.Equal((1, 1), (report.Kills, report.Restarts));
        Assert.True(report.Acknowledged > 0, "nothing was acknowledged");
        Assert.Equal(4, report.Verifications.Count);
        Assert.All(report.Verifications, line => Assert.Contains(": verified ", line, StringComparison.Ordinal));
    }
}

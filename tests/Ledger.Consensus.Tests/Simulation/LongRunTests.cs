using Xunit.Abstractions;

namespace Ledger.Consensus.Tests.Simulation;

/// <summary>
/// Long random runs, out of band: LEDGER_SIM_LONG=count[:firstSeed] runs that many fresh seeds of every
/// family (passes trivially when unset). LEDGER_SIM_AMNESIA=1 also lifts the one-amnesiac-at-a-time
/// bound on crashes (then a fork is possible in theory, since this driver does not restore locks).
/// </summary>
public sealed class LongRunTests(ITestOutputHelper output)
{
    private static readonly Family[] Families = [Family.Honest, Family.SevenValidators, Family.Twins, Family.EquivocatingProposer, Family.DoubleSigningVoter, Family.InvalidBlockProposer, Family.KeyRotation];

    [Fact]
    public void Random_seeds_of_every_family_LEDGER_SIM_LONG()
    {
        if (Environment.GetEnvironmentVariable("LEDGER_SIM_LONG") is not { Length: > 0 } value)
        {
            return;
        }

        var parts = value.Split(':');
        var count = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        var first = parts.Length > 1 ? ulong.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 1UL << 40;
        var options = Environment.GetEnvironmentVariable("LEDGER_SIM_AMNESIA") == "1" ? SimulationOptions.Default with { AmnesiaUnbounded = true, CrashesMax = 12 } : SimulationOptions.Default;
        var failures = Families
            .SelectMany(family => Enumerable.Range(0, count).Select(i => new Simulation(family, first + (ulong)i, options).Run()))
            .Where(r => r.Failure is not null)
            .ToList();
        foreach (var failure in failures)
        {
            output.WriteLine(failure.Failure);
        }

        Assert.Empty(failures);
    }
}

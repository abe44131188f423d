using Xunit.Abstractions;

namespace Ledger.Consensus.Tests.Simulation;

/// <summary>Runs seeds and fails with the scenario and the one command that replays it.</summary>
public static class SimulationAssert
{
    /// <summary>The CI corpus: fixed seeds per family, so a run is the same every time; a fixed bug adds its seed here.</summary>
    public static TheoryData<ulong> Seeds(Family family, int count)
    {
        var data = new TheoryData<ulong>();
        for (var i = 0; i < count; i++)
        {
            data.Add(((ulong)family * 1_000_003UL) + (ulong)i);
        }

        return data;
    }

    public static SimulationResult Passes(Family family, ulong seed, ITestOutputHelper? output = null, SimulationOptions? options = null)
    {
        var result = new Simulation(family, seed, options).Run();
        output?.WriteLine($"{result.Scenario}\n  heights {result.HeightMin}-{result.HeightMax}, {result.TransactionsCommitted} transactions, {result.Events} events, {result.TimeMs} ms simulated, evidence {result.Evidence}\n  {result.Faults}");
        if (result.Failure is not null)
        {
            Assert.Fail(result.Failure);
        }

        return result;
    }
}

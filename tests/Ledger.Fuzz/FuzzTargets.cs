namespace Ledger.Fuzz;

public static class FuzzTargets
{
    public static readonly string[] Names = ["envelopes", "bodies", "consensus", "blocks"];

    /// <summary>Every target, over one world (targets only read it).</summary>
    public static IReadOnlyList<IFuzzTarget> All(FuzzWorld world) => Names.Select(n => ByName(world, n)).ToList();

    public static IFuzzTarget ByName(FuzzWorld world, string name) => name switch
    {
        "envelopes" => new EnvelopeTarget(world),
        "bodies" => new BodyTarget(world),
        "consensus" => new ConsensusTarget(),
        "blocks" => new BlockTarget(world),
        _ => throw new ArgumentException($"no fuzz target '{name}'; there are {string.Join(", ", Names)}"),
    };

    /// <summary>Parses "target:seed:index" (what a failure prints) and runs that one input; null when it passes.</summary>
    public static FuzzFailure? Replay(FuzzWorld world, string replay, FuzzCounters counters)
    {
        var parts = replay.Split(':');
        if (parts.Length != 3 || !ulong.TryParse(parts[1], out var seed) || !long.TryParse(parts[2], out var index))
        {
            throw new ArgumentException($"expected target:seed:index, got '{replay}'");
        }

        return FuzzRunner.RunOne(ByName(world, parts[0]), seed, index, counters);
    }
}

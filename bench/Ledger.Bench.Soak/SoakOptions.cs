using System.Globalization;

namespace Ledger.Bench.Soak;

/// <summary>A closed range of seconds, written MIN-MAX on the command line (e.g. 5-30).</summary>
public readonly record struct SecondsRange(double Min, double Max)
{
    public double Draw(Random random) => Min + (random.NextDouble() * (Max - Min));

    public static SecondsRange Parse(string text)
    {
        var parts = text.Split('-', 2);
        var min = double.Parse(parts[0], CultureInfo.InvariantCulture);
        var max = parts.Length == 2 ? double.Parse(parts[1], CultureInfo.InvariantCulture) : min;
        return min < 0 || max < min ? throw new FormatException($"'{text}' is not a range MIN-MAX of seconds with 0 <= MIN <= MAX") : new SecondsRange(min, max);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Min:0.##}-{Max:0.##}");
}

/// <summary>Everything one soak run needs; each default is written here once.</summary>
public sealed record SoakOptions
{
    /// <summary>How long the mixed load runs (faults are injected during it).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Draws the fault schedule (times, victims, pauses) and each worker's sequence of operations (their timing is not replayable).</summary>
    public int Seed { get; init; } = Environment.TickCount & int.MaxValue;

    /// <summary>Concurrent load workers, each a closed loop of SubmitAndWait.</summary>
    public int Clients { get; init; } = 16;

    /// <summary>Seconds between one fault's restart and the next kill.</summary>
    public SecondsRange KillGap { get; init; } = new(5, 30);

    /// <summary>Seconds a killed validator stays down.</summary>
    public SecondsRange Down { get; init; } = new(1, 10);

    /// <summary>The chance that a second validator is killed while the first is down (no quorum: the network stalls).</summary>
    public double StallChance { get; init; } = 0.2;

    /// <summary>Seconds the second validator of a stall stays down.</summary>
    public SecondsRange Stall { get; init; } = new(1, 4);

    /// <summary>At most this many faults (a fault is one kill, or two for a stall).</summary>
    public int FaultsMax { get; init; } = int.MaxValue;

    /// <summary>
    /// The network folder whose genesis, keys/ and node-*.json the soak copies; null: network-config/devnet
    /// of this checkout. The load needs the devnet's shape: development rules (one opinion, no notice
    /// wait) and the participants bureau, operator, verifier-1 and verifier-2 with keys/&lt;id&gt;.insecure.pem.
    /// </summary>
    public string? Network { get; init; }

    /// <summary>Where node files, data and logs go; null: a fresh temp folder.</summary>
    public string? Directory { get; init; }

    /// <summary>Keep the folder after a passing run (a failing run always keeps it).</summary>
    public bool Keep { get; init; }

    public const string Usage = """
        Ledger.Bench.Soak [--minutes M | --seconds S] [--seed N] [--clients N] [--kill-gap MIN-MAX] [--down MIN-MAX]
                          [--stall-chance P] [--stall MIN-MAX] [--faults-max N] [--network DIR] [--dir DIR] [--keep]
        Starts four validators on free ports, runs mixed load for the set time while SIGKILLing and restarting
        validators (seeded; --seed replays the schedule), then checks every acknowledged transaction on every node,
        equal block hashes and state roots, and `ledger verify` on each node's data. Exit 0 only if all pass.
        """;

    public static SoakOptions Parse(IReadOnlyList<string> args)
    {
        var options = new SoakOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--minutes" => options with { Duration = TimeSpan.FromMinutes(double.Parse(Value(), CultureInfo.InvariantCulture)) },
                "--seconds" => options with { Duration = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)) },
                "--seed" => options with { Seed = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--clients" => options with { Clients = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--kill-gap" => options with { KillGap = SecondsRange.Parse(Value()) },
                "--down" => options with { Down = SecondsRange.Parse(Value()) },
                "--stall-chance" => options with { StallChance = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--stall" => options with { Stall = SecondsRange.Parse(Value()) },
                "--faults-max" => options with { FaultsMax = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--network" => options with { Network = Value() },
                "--dir" => options with { Directory = Value() },
                "--keep" => options with { Keep = true },
                _ => throw new FormatException($"unknown argument {args[i]}"),
            };
        }

        return options.Clients < 1 || options.StallChance is < 0 or > 1 || options.Duration <= TimeSpan.Zero
            ? throw new FormatException("--clients must be at least 1, --stall-chance 0-1 and the duration positive")
            : options;
    }
}

using System.Globalization;

namespace Ledger.Bench;

/// <summary>The targets' options, "--name value" pairs; every one has a default.</summary>
public sealed class BenchOptions
{
    private readonly Dictionary<string, string> _values;

    private BenchOptions(Dictionary<string, string> values) => _values = values;

    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --name value, got {args[i]}");
            }

            values[args[i][2..]] = args[++i];
        }

        return new BenchOptions(values);
    }

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) => _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public string? String(string name) => _values.GetValueOrDefault(name);

    /// <summary>
    /// Node options for every node of the run (D56), "--node Name=Value,Name=Value" with whole-number values, e.g.
    /// "BlockBuildMsMax=150,BlockTransactionsMax=2000"; empty when not given. The node checks each value's range at start.
    /// </summary>
    /// <exception cref="ArgumentException">A pair is not Name=integer, or a name is given twice.</exception>
    public IReadOnlyDictionary<string, int> NodeSettings(string name)
    {
        var settings = new Dictionary<string, int>(StringComparer.Ordinal);
        if (String(name) is not { Length: > 0 } text)
        {
            return settings;
        }

        foreach (var pair in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || !parts[0].All(char.IsAsciiLetterOrDigit)
                || !int.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                throw new ArgumentException($"--{name} takes Name=integer pairs separated by commas, not '{pair}'");
            }

            if (!settings.TryAdd(parts[0], value))
            {
                throw new ArgumentException($"--{name} names {parts[0]} twice");
            }
        }

        return settings;
    }

    /// <summary>How long each limit is measured for (--each seconds, default 2).</summary>
    public TimeSpan Each => TimeSpan.FromSeconds(Double("each", 2));
}

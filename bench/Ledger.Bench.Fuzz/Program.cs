using System.Globalization;
using Ledger.Fuzz;

// dotnet run -c Release --project bench/Ledger.Bench.Fuzz -- --minutes 10 [--seed N] [--targets envelopes,bodies,consensus,blocks] [--hang-seconds 30]
// dotnet run -c Release --project bench/Ledger.Bench.Fuzz -- --replay blocks:1:33021   (one input, as a failure prints it)
// Each target gets an equal share of the time. Exit 1 when anything failed.
var minutes = 10.0;
var seed = (ulong)DateTime.UtcNow.Ticks;
var hangSeconds = 30.0;
string[]? only = null;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--minutes": minutes = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--seed": seed = ulong.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--hang-seconds": hangSeconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--targets": only = args[i + 1].Split(','); break;
        case "--replay":
            var failure = FuzzTargets.Replay(new FuzzWorld(), args[i + 1], new FuzzCounters());
            Console.WriteLine(failure?.ToString() ?? $"{args[i + 1]}: passes");
            return failure is null ? 0 : 1;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

Console.WriteLine($"fuzz: seed {seed}, {minutes} minutes, hang timeout {hangSeconds} s");
var world = new FuzzWorld();
var targets = FuzzTargets.All(world).Where(t => only is null || only.Contains(t.Name)).ToList();
var share = TimeSpan.FromMinutes(minutes / targets.Count);
var results = new List<FuzzResult>();
foreach (var target in targets)
{
    var result = FuzzRunner.Run(target, seed, long.MaxValue, share, TimeSpan.FromSeconds(hangSeconds));
    results.Add(result);
    Console.WriteLine(result.Summary);
    foreach (var (outcome, count) in result.Counters.All)
    {
        Console.WriteLine($"    {outcome}: {count}");
    }

    // The first failure in full; the rest by their first lines (they are usually the same finding).
    foreach (var (failure, i) in result.Failures.Select((f, i) => (f, i)))
    {
        var text = failure.ToString();
        Console.WriteLine($"  FAILURE {(i == 0 ? text : string.Join(" | ", text.Split('\n').Take(2)))}");
    }
}

var inputs = results.Sum(r => r.Inputs);
var seconds = results.Sum(r => r.Elapsed.TotalSeconds);
Console.WriteLine($"total: {inputs} inputs in {seconds:F0} s ({inputs / seconds:F0}/s), {results.Sum(r => r.Failures.Count)} failures");
foreach (var result in results)
{
    Console.WriteLine($"  {result.Target,-10} {result.Inputs,10} inputs {result.InputsPerSecond,8:F0}/s  failures {result.Failures.Count}");
}

return results.Any(r => r.Failures.Count > 0) ? 1 : 0;

using System.Diagnostics;
using System.Globalization;
using Ledger.Client;

namespace Ledger.Bench.Soak;

/// <summary>What a soak run did and found; <see cref="Passed"/> only when nothing failed.</summary>
public sealed record SoakReport(
    int Seed, double LoadSeconds, double TotalSeconds, int Kills, int Restarts, int Stalls, double DownSeconds,
    int Acknowledged, IReadOnlyDictionary<string, int> AcknowledgedByKind, IReadOnlyDictionary<string, int> RefusedByCode, int Unknown,
    ulong StartHeight, ulong MaxHeight, long ChainTransactions, IReadOnlyList<string> Verifications, IReadOnlyList<string> Failures, string Directory)
{
    public bool Passed => Failures.Count == 0;

    public void Print(TextWriter output)
    {
        string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
        output.WriteLine("== soak summary ==");
        output.WriteLine(F($"seed {Seed}; load {LoadSeconds:0.0} s, whole run {TotalSeconds:0.0} s"));
        output.WriteLine(F($"faults: {Kills} SIGKILLs ({Stalls} stalls with two validators down), {Restarts} restarts, {DownSeconds:0.0} s with a validator down"));
        output.WriteLine(F($"acknowledged {Acknowledged:N0} transactions, {Acknowledged / LoadSeconds:0.0} tx/s: {string.Join(", ", AcknowledgedByKind.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value:N0}"))}"));
        output.WriteLine(F($"refused: {(RefusedByCode.Count == 0 ? "none" : string.Join(", ", RefusedByCode.Select(k => $"{k.Key} {k.Value}")))}; no verdict (node down or stalled): {Unknown:N0}"));
        output.WriteLine(F($"heights {StartHeight} -> {MaxHeight} ({(MaxHeight - StartHeight) / LoadSeconds:0.0} blocks/s); {ChainTransactions:N0} transactions in the chain"));
        foreach (var line in Verifications)
        {
            output.WriteLine("ledger verify " + line);
        }

        output.WriteLine(Passed ? "PASSED" : $"FAILED ({Failures.Count}):");
        foreach (var failure in Failures)
        {
            output.WriteLine("  " + failure);
        }

        output.WriteLine($"folder: {Directory}{(Passed ? "" : " (kept)")}");
    }
}

/// <summary>
/// One soak run: writes the network, starts the four validators, sets up the parties, runs the
/// mixed load while the fault plan kills and restarts validators, then checks (<see cref="SoakCheck"/>).
/// </summary>
public static class Soak
{
    public static async Task<SoakReport> RunAsync(SoakOptions options, TextWriter log)
    {
        var total = Stopwatch.StartNew();
        var source = options.Network ?? FindDevnet() ?? throw new InvalidOperationException("network-config/devnet not found; pass --network DIR");
        var root = Path.GetFullPath(options.Directory ?? Path.Combine(Path.GetTempPath(), "ledger-soak-" + Guid.NewGuid().ToString("N")[..12]));
        var network = SoakNetwork.Write(source, root);
        var faults = FaultPlan.Draw(options, network.Nodes.Count);
        log.WriteLine($"soak: seed {options.Seed}, {options.Duration.TotalSeconds:0} s of load, {options.Clients} clients, folder {root}");
        foreach (var node in network.Nodes)
        {
            log.WriteLine($"  {node.NodeId} {node.Url}");
        }

        log.WriteLine($"fault plan ({faults.Count}): {string.Join("; ", faults)}");
        var clients = network.Nodes.Select(n => SoakNetwork.Client(n.Url, n.CaFile)).ToList();
        var acks = new Acknowledgements();
        var tally = new FaultPlan.Tally();
        var failures = new List<string>();
        ulong startHeight = 0, maxHeight = 0;
        var loadSeconds = 0.0;
        var check = new SoakCheck(network, clients, log);
        try
        {
            await Task.WhenAll(network.Nodes.Select(n => n.StartAsync()));
            var load = new SoakLoad(network, clients, acks, options.Seed);
            await load.SetupAsync(CancellationToken.None);
            startHeight = (await clients[0].GetStatusAsync()).Height;
            log.WriteLine($"setup committed at height {startHeight}; load and faults start");

            var clock = Stopwatch.StartNew();
            using var stop = new CancellationTokenSource(options.Duration);
            var faultRun = FaultPlan.RunAsync(faults, network.Nodes, clock, tally, log, stop.Token);
            await load.RunAsync(options.Clients, stop.Token);
            loadSeconds = clock.Elapsed.TotalSeconds;
            await faultRun;
            FaultPlan.Log(log, clock, $"load stopped; {acks.Committed.Count} acknowledged; checking");
            await File.WriteAllLinesAsync(Path.Combine(root, "acknowledged.tsv"), acks.Committed.Select(a => $"{a.TransactionId}\t{a.Height}\t{a.Kind}"));

            await check.ConvergeAndCompareAsync(acks.Committed);
            maxHeight = check.CommonHeight;
        }
        catch (Exception exception)
        {
            failures.Add($"the soak stopped early: {exception.GetType().Name}: {exception.Message}");
            log.WriteLine(exception);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            await check.StopAndVerifyAsync();
        }

        failures.AddRange(check.Failures);
        var report = new SoakReport(
            options.Seed, loadSeconds, total.Elapsed.TotalSeconds, tally.Kills, tally.Restarts, tally.Stalls, tally.DownSecondsTotal,
            acks.Committed.Count, acks.CommittedByKind, acks.RefusedByCode.ToDictionary(k => k.Key.ToString(), k => k.Value), acks.Unknown,
            startHeight, maxHeight, check.ChainTransactions, check.Verifications, failures, root);
        if (report.Passed && !options.Keep)
        {
            TryDelete(root);
        }

        return report;
    }

    private static void TryDelete(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>network-config/devnet of this checkout: searched upward from the working directory, then from the program.</summary>
    private static string? FindDevnet()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "network-config", "devnet");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Client.Keys;
using Ledger.Core.Protocol;

// dotnet run --project bench/Ledger.Bench.Load -- [seconds] [clients] [key file] [node URLs...]
//   or: -- scenario [records] [in flight] [node URLs...]   (one scenario day, docs/BENCHMARKS.md)
// scenario: the devnet keys from $LEDGER_BENCH_KEYS when set.
// Defaults: 30 s, 32 clients, the devnet bureau key, the four devnet nodes (https; CA from $LEDGER_CA). Each client files
// methodologies with SubmitAndWait in a closed loop, spread over the nodes.
if (args.Length > 0 && args[0] == "scenario")
{
    await Ledger.Bench.Load.ScenarioLoad.RunAsync(args[1..]);
    return;
}

var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
var clientCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
var keyFile = args.Length > 2 ? args[2] : "network-config/devnet/keys/bureau.insecure.pem";
var nodes = args.Length > 3 ? args[3..].Select(u => new Uri(u)).ToArray() : Ledger.Bench.Load.BenchNodes.Devnet();

var bureau = new LedgerSigner("bureau", KeyFile.Load(keyFile));
var clients = nodes.Select(n => new LedgerClient(Ledger.Bench.Load.BenchNodes.Options(n))).ToArray();
var startHeight = (await clients[0].GetStatusAsync()).Height;
var latencies = new ConcurrentBag<double>();
var failures = 0;
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
var clock = Stopwatch.StartNew();
var workers = Enumerable.Range(0, clientCount).Select(worker => Task.Run(async () =>
{
    var client = clients[worker % clients.Length];
    for (var i = 0; !stop.IsCancellationRequested; i++)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var body = Transactions.FileMethodology($"B-{worker}-{i}-{Environment.TickCount64}", "load", MethodologyLevel.Group, "1", []);
            await client.SubmitAndWaitAsync(body, bureau, CancellationToken.None);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception exception) when (exception is LedgerClientException or LedgerRejectedException or LedgerTimeoutException)
        {
            Interlocked.Increment(ref failures);
        }
    }
})).ToArray();
await Task.WhenAll(workers);
var elapsed = clock.Elapsed.TotalSeconds;
var endHeight = (await clients[0].GetStatusAsync()).Height;
var sorted = latencies.Order().ToArray();
double Percentile(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
Console.WriteLine($"nodes {nodes.Length}, clients {clientCount}, {elapsed:0.0} s");
Console.WriteLine($"committed {sorted.Length} transactions: {sorted.Length / elapsed:0.0} tx/s; failures {failures}");
Console.WriteLine($"blocks {endHeight - startHeight}: {(endHeight - startHeight) / elapsed:0.0} blocks/s, {(double)sorted.Length / Math.Max(1, endHeight - startHeight):0.0} tx/block");
Console.WriteLine($"submit-to-commit latency ms: p50 {Percentile(0.50):0.0}, p99 {Percentile(0.99):0.0}, max {(sorted.Length == 0 ? 0 : sorted[^1]):0.0}");
foreach (var client in clients)
{
    await client.DisposeAsync();
}

using System.Diagnostics;
using System.Globalization;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Client.Keys;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

// dotnet Ledger.Bench.Fast.dll MODE COUNT CLIENTS BATCH KEYFILE CAFILE URL...
// MODE is submit (one Submit per envelope) or batch (SubmitBatch of BATCH envelopes). COUNT envelopes
// (methodology filings by the bureau) are signed first, then CLIENTS closed-loop workers submit them
// spread over the URLs, and the driver reads the block stream until all admitted ones are committed.
// It prints committed tx/s from first submit to last commit, and the Ed25519 verify rate on one core
// and on all cores measured just before, so figures are ratios to a limit of the same run.
var inv = CultureInfo.InvariantCulture;
var mode = args[0];
var count = int.Parse(args[1], inv);
var clientCount = int.Parse(args[2], inv);
var batch = int.Parse(args[3], inv);
var key = KeyFile.Load(args[4]);
var ca = args[5];
var urls = args[6..].Select(u => new Uri(u)).ToArray();

var (oneCore, allCores) = VerifyRates(key);
Console.WriteLine($"ed25519 verify: {oneCore:0} /s on one core, {allCores:0} /s on {Environment.ProcessorCount} cores");

var bureau = new LedgerSigner("bureau", key);
var clients = urls.Select(u => new LedgerClient(new LedgerClientOptions { Endpoint = u, CaFile = ca, SubmitAndWaitTimeout = TimeSpan.FromSeconds(120) })).ToArray();
var status = await clients[0].GetStatusAsync();
var run = Environment.TickCount64;
var envelopes = new Envelope[count];
Parallel.For(0, count, i => envelopes[i] = Envelopes.Sign(status.ChainId, Transactions.FileMethodology($"F-{run}-{i}", "load", MethodologyLevel.Group, "1", []), bureau, Envelopes.NewNonce(), status.Height + 5_000));
Console.WriteLine($"signed {count} envelopes");

using var streamStop = new CancellationTokenSource(TimeSpan.FromMinutes(10));
var admitted = 0;
var refused = 0;
var submitting = true;
var committed = 0;
var reader = Task.Run(async () =>
{
    var lastCommit = Stopwatch.GetTimestamp();
    await foreach (var block in clients[0].StreamBlocksAsync(status.Height + 1, streamStop.Token))
    {
        committed += block.Block.Transactions.Count;
        lastCommit = Stopwatch.GetTimestamp();
        if (!Volatile.Read(ref submitting) && committed >= Volatile.Read(ref admitted))
        {
            break;
        }
    }

    return lastCommit;
});

var next = -1;
var started = Stopwatch.GetTimestamp();
var workers = Enumerable.Range(0, clientCount).Select(w => Task.Run(async () =>
{
    var client = clients[w % clients.Length];
    while (true)
    {
        var from = Interlocked.Add(ref next, batch) - batch + 1;
        if (from >= count)
        {
            return;
        }

        var take = envelopes.Skip(from).Take(Math.Min(batch, count - from)).ToList();
        var results = mode == "batch"
            ? await client.SubmitBatchAsync(take)
            : [await client.TrySubmitAsync(take[0])];
        foreach (var result in results)
        {
            Interlocked.Increment(ref result.IsAdmitted ? ref admitted : ref refused);
        }
    }
})).ToArray();
if (mode != "batch")
{
    batch = 1;
}

await Task.WhenAll(workers);
var submitted = Stopwatch.GetElapsedTime(started).TotalSeconds;
Volatile.Write(ref submitting, false);
var last = await reader;
var elapsed = Stopwatch.GetElapsedTime(started, last).TotalSeconds;
var rate = committed / elapsed;
Console.WriteLine($"mode {mode}, nodes {urls.Length}, clients {clientCount}, batch {batch}: admitted {admitted}, refused {refused}, submitted in {submitted:0.0} s");
Console.WriteLine($"committed {committed} in {elapsed:0.0} s: {rate:0} tx/s = {rate / allCores:0.00} x all-core verify, {rate / (allCores / 4):0.00} x (all-core verify / 4)");
foreach (var client in clients)
{
    await client.DisposeAsync();
}

static (double OneCore, double AllCores) VerifyRates(SigningKey key)
{
    var message = new byte[200];
    var signature = key.Sign(message);
    var publicKey = key.ToPublicKey();
    double Rate(int threads)
    {
        var done = 0L;
        var clock = Stopwatch.StartNew();
        Parallel.For(0, threads, _ =>
        {
            var n = 0L;
            while (clock.ElapsedMilliseconds < 2_000)
            {
                SignatureSuites.Verify(publicKey, message, signature);
                n++;
            }

            Interlocked.Add(ref done, n);
        });
        return done / clock.Elapsed.TotalSeconds;
    }

    return (Rate(1), Rate(Environment.ProcessorCount));
}

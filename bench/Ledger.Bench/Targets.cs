using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ledger.Bench.Load;

namespace Ledger.Bench;

/// <summary>
/// The issue 9 targets. Each measures the limits it is compared with first (same process, same run),
/// starts what it needs on free ports, runs, and prints one "figure:" line: figure, limit, ratio.
/// </summary>
public static class Targets
{
    /// <summary>BftBlockIntervalMs in network-config/devnet's node files (D56).</summary>
    public const int DevnetBftBlockIntervalMs = 100;

    /// <summary>Transfers through 4 (or 1) validators: closed loop at max, then open loop at a set rate.</summary>
    public static async Task<int> TransfersAsync(BenchOptions options)
    {
        var validators = options.Int("validators", 4);
        var seconds = options.Double("seconds", 60);
        var workers = options.Int("workers", 256);
        var traders = options.Int("traders", 64);
        var rate = options.Double("rate", 2_000);
        var openSeconds = options.Double("open-seconds", 20);
        // The nodes JIT-compile their hot paths when the load starts: in a 20 s window that was a fifth of a validator's CPU (D42).
        var warmupSeconds = options.Double("warmup", Math.Min(5, seconds / 4));

        var verify = Limits.Ed25519VerifyRate(options.Each, Environment.ProcessorCount);
        // Every validator verifies each of a transfer's three signatures (seller, buyer, operator) once.
        const int signaturesPerTransfer = 3;
        var bound = verify.PerSecond / validators / signaturesPerTransfer;
        Print(verify);
        // A high-volume client sends batches on one connection: its node lets it past the default
        // per-connection rate (1,000/s), as an operator would for a known scenario company or trading platform.
        var mode = options.String("mode") ?? "closed";
        var settings = new Dictionary<string, int>(options.NodeSettings("node"));
        // The devnet's node files wait 100 ms after a commit before the next height (D56); the bench's nodes do as the devnet's.
        if (validators > 1)
        {
            settings.TryAdd("BftBlockIntervalMs", DevnetBftBlockIntervalMs);
        }

        if (settings.Count > 0)
        {
            Console.WriteLine($"nodes: {string.Join(", ", settings.Select(s => $"{s.Key} {s.Value}"))}");
        }

        if (mode == "batch")
        {
            settings["SubmissionsPerSecondPerConnection"] = options.Int("connection-rate", 100_000);
            settings["SubmissionBurstPerConnection"] = options.Int("connection-rate", 100_000);
            Console.WriteLine($"nodes: SubmissionsPerSecondPerConnection and SubmissionBurstPerConnection {settings["SubmissionsPerSecondPerConnection"]:N0}");
        }

        await using var network = await BenchNetwork.StartAsync(validators, options.String("dir"), keep: options.String("dir") is not null, nodeSettings: settings);
        var clients = network.Clients();
        var load = new TransferLoad(clients, network.Signer, traders);
        var setup = Stopwatch.StartNew();
        await load.SetupAsync();
        Console.WriteLine($"setup: {traders} traders funded, {load.SetupCommitted} transactions in {setup.Elapsed.TotalSeconds:0.0} s");

        // Enough signed transfers for the closed loop at up to `presign-rate`/s and the open loop, signed before either.
        var presign = options.Int("presign", (int)Math.Min(2_000_000, ((seconds + warmupSeconds) * options.Double("presign-rate", 6_000)) + (openSeconds * rate)));
        if (presign > 0)
        {
            var presigning = await load.PresignAsync(presign);
            Console.WriteLine($"presigned: {presign:N0} transfers (3 signatures each) in {presigning:0.0} s, before the measured window");
        }

        // closed: callers of SubmitAndWait, each waiting for its commit; batch: SubmitBatch calls kept in flight (the high-volume path).
        Task<LoadResult> Run(double runSeconds) => mode switch
        {
            "closed" => load.ClosedLoopAsync(TimeSpan.FromSeconds(runSeconds), workers),
            "batch" => load.BatchLoopAsync(TimeSpan.FromSeconds(runSeconds), options.Int("batch", 500), options.Int("in-flight", 8_000), options.Int("submitters", 4)),
            _ => throw new ArgumentException($"--mode closed|batch, not {mode}"),
        };
        // The nodes' CPU per transfer in each slice of the closed loop, warm-up included: does the cost grow with the load (D51)?
        using var slicing = new CancellationTokenSource();
        var slices = PrintSlicesAsync(network, load, options.Double("slice-seconds", 10), slicing.Token);
        if (warmupSeconds > 0)
        {
            var warmup = await Run(warmupSeconds);
            // What the warm-up left waiting (batch mode keeps thousands in flight) commits before the window opens.
            var drained = Stopwatch.StartNew();
            while (drained.Elapsed < TimeSpan.FromSeconds(30) && (await Task.WhenAll(clients.Select(c => c.GetStatusAsync()))).Any(s => s.MempoolTransactions > 0))
            {
                await Task.Delay(100);
            }

            Console.WriteLine($"warm-up, not counted: {warmup.Committed:N0} committed in {warmup.Seconds:0.0} s, then {drained.Elapsed.TotalSeconds:0.0} s for the mempools to empty");
        }

        var cpuBefore = network.Nodes.Sum(node => node.CpuTime.TotalMilliseconds);
        var closed = await Run(seconds);
        var cpuPerTransfer = (network.Nodes.Sum(node => node.CpuTime.TotalMilliseconds) - cpuBefore) / Math.Max(1, closed.Committed);
        await slicing.CancelAsync();
        await slices;
        Console.WriteLine($"{(mode == "batch" ? $"batch loop, batches of {options.Int("batch", 500)}, at most {options.Int("in-flight", 8_000)} in flight" : $"closed loop, {workers} callers")}, {closed.Seconds:0.0} s: {closed.Committed:N0} committed, {closed.Failed:N0} failed, {closed.Blocks} blocks, " +
                          $"p50 {closed.Percentile(0.5):0} ms, p99 {closed.Percentile(0.99):0} ms");
        Console.WriteLine($"figure: transfers through {validators} validator(s): {closed.PerSecond:N0} committed transfers/s; " +
                          $"limit: signature bound {bound:N0} transfers/s (Ed25519 verify on {Environment.ProcessorCount} cores {verify.PerSecond:N0}/s / {validators} validator(s) / {signaturesPerTransfer} signatures); ratio {closed.PerSecond / bound:0.000} " +
                          $"(per signature bound {verify.PerSecond / validators:N0}/s: {closed.PerSecond / (verify.PerSecond / validators):0.000})");
        // CPU time is far steadier than wall time on a shared machine: what the nodes spent per transfer, and what that allows.
        Console.WriteLine($"figure: node CPU per committed transfer, all {validators} node(s) together: {cpuPerTransfer:0.000} ms; " +
                          $"{Environment.ProcessorCount} cores would commit {Environment.ProcessorCount * 1000 / cpuPerTransfer:N0} transfers/s at that cost; " +
                          $"limit: {validators * signaturesPerTransfer * 1000.0 / (verify.PerSecond / Environment.ProcessorCount):0.000} ms of signature checks per transfer");
        if (load.SignedLive > 0)
        {
            Console.WriteLine($"note: {load.SignedLive:N0} transfers were signed during the measured window (the presigned ran out; raise --presign)");
        }

        if (openSeconds > 0 && rate > 0)
        {
            var samples = new System.Collections.Concurrent.ConcurrentBag<OpenSample>();
            var nodesBefore = network.Nodes.Sum(node => node.CpuTime.TotalMilliseconds);
            var clientBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
            // unary: a SubmitAndWait call per transfer; stream: each client's transfers over one SubmitAndWaitStream call (D56).
            var submit = options.String("submit") ?? "unary";
            var streams = submit switch
            {
                "unary" => null,
                "stream" => clients.Select(c => c.OpenSubmitStream()).ToList(),
                _ => throw new ArgumentException($"--submit unary|stream, not {submit}"),
            };
            var open = await load.OpenLoopAsync(TimeSpan.FromSeconds(openSeconds), rate, samples, streams);
            foreach (var stream in streams ?? [])
            {
                await stream.DisposeAsync();
            }

            var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds - clientBefore) / Math.Max(1, open.Committed);
            var nodesCpu = (network.Nodes.Sum(node => node.CpuTime.TotalMilliseconds) - nodesBefore) / Math.Max(1, open.Committed);
            Console.WriteLine($"figure: open loop at {rate:N0}/s through {validators} validator(s) ({submit}): submit-to-commit p50 {open.Percentile(0.5):N0} ms, p99 {open.Percentile(0.99):N0} ms, " +
                              $"{open.PerSecond:N0} committed/s ({open.Failed:N0} failed); limit: rate/signature bound {rate / bound:0.000}");
            // The bench client shares the cores with the nodes (D56): what each side spent per committed transfer of the open loop.
            Console.WriteLine($"open loop CPU per committed transfer: nodes {nodesCpu:0.000} ms, this client {clientCpu:0.000} ms; {Environment.ProcessorCount} cores allow {Environment.ProcessorCount * 1000 / (nodesCpu + clientCpu):N0} transfers/s at that cost");
            foreach (var line in await LatencyBreakdown.DescribeAsync(clients[0], samples))
            {
                Console.WriteLine(line);
            }
        }

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        return 0;
    }

    /// <summary>Every sliceSeconds until cancelled: transfers committed in the slice and the nodes' CPU for each.</summary>
    private static async Task PrintSlicesAsync(BenchNetwork network, TransferLoad load, double sliceSeconds, CancellationToken cancel)
    {
        if (sliceSeconds <= 0)
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        var (cpu, committed) = (network.Nodes.Sum(node => node.CpuTime.TotalMilliseconds), load.Committed);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(sliceSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(cancel))
            {
                var (cpuNow, committedNow) = (network.Nodes.Sum(node => node.CpuTime.TotalMilliseconds), load.Committed);
                var transfers = committedNow - committed;
                Console.WriteLine($"slice to {clock.Elapsed.TotalSeconds:0} s: {transfers:N0} committed, node CPU {(cpuNow - cpu) / Math.Max(1, transfers):0.000} ms a transfer");
                (cpu, committed) = (cpuNow, committedNow);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One scenario day of records through 4 validators (the issue 6 load, reused).</summary>
    public static async Task<int> ScenarioAsync(BenchOptions options)
    {
        var records = options.Int("records", 1_000_000);
        var inFlight = options.Int("in-flight", 64);
        var rocks = Limits.RocksDbRates(options.Each)[0];
        var sha = Limits.Sha256Rate(options.Each);
        Print(rocks);
        Print(sha);
        await using var network = await BenchNetwork.StartAsync(4, options.String("dir"), keep: options.String("dir") is not null);
        Environment.SetEnvironmentVariable("LEDGER_CA", network.Nodes[0].CaFile);
        Environment.SetEnvironmentVariable("LEDGER_BENCH_KEYS", Path.Combine(network.Network.Root, "keys"));
        var cpuBefore = network.Nodes.Sum(node => node.CpuTime.TotalMilliseconds);
        var result = await ScenarioLoad.RunAsync([.. new[] { records, inFlight }.Select(n => n.ToString(CultureInfo.InvariantCulture)), .. network.Nodes.Select(n => n.Url.ToString())]);
        // Each validator writes every record once (its dedup key) and executes it: a storage bound of one
        // unsynced RocksDB entry per record per validator.
        var bound = rocks.PerSecond / 4;
        Console.WriteLine($"figure: scenario day through 4 validators: {result.RecordsPerSecond:N0} records/s ({result.Records:N0} records in {result.Seconds:0.0} s, failures {result.Failures}, issued {result.Issued}); " +
                          $"limit: RocksDB unsynced {rocks.PerSecond:N0} entries/s / 4 = {bound:N0}/s; ratio {result.RecordsPerSecond / bound:0.000}; target 25,000/s: {result.RecordsPerSecond / 25_000:0.000}");
        // CPU time is far steadier than wall time on a shared machine (it includes the run's setup and issuance, a few blocks).
        var cpuPerThousand = (network.Nodes.Sum(node => node.CpuTime.TotalMilliseconds) - cpuBefore) * 1_000 / Math.Max(1, result.Records);
        Console.WriteLine($"figure: node CPU per 1,000 records, all 4 nodes together: {cpuPerThousand:N0} ms; on {Environment.ProcessorCount} cores that allows {Environment.ProcessorCount * 1_000_000 / Math.Max(1, cpuPerThousand):N0} records/s");
        return result.Failures == 0 ? 0 : 1;
    }

    /// <summary>`ledger verify` over a chain of at least N transactions, built once by a single validator and cached.</summary>
    public static async Task<int> VerifyAsync(BenchOptions options)
    {
        var transactions = options.Int("transactions", 1_000_000);
        var chains = options.String("chains") ?? Path.Combine(Path.GetTempPath(), "ledger-bench-chains");
        var chain = Path.Combine(chains, $"transfers-{transactions}");
        var meta = Path.Combine(chain, "chain.json");
        if (!File.Exists(meta))
        {
            await BuildChainAsync(chain, meta, transactions);
        }
        else
        {
            Console.WriteLine($"chain: cached at {chain}");
        }

        var described = JsonDocument.Parse(File.ReadAllText(meta)).RootElement;
        // The limit is measured just before and just after the run and averaged: a shared machine's load moves within a minute.
        var before = Limits.Ed25519VerifyRate(options.Each, Environment.ProcessorCount);
        Print(before);
        var start = new ProcessStartInfo(Soak.SoakNode.DotnetHost()) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "ledger.dll"), "verify", "--data", described.GetProperty("data").GetString()!, "--genesis", described.GetProperty("genesis").GetString()!, "--json" })
        {
            start.ArgumentList.Add(argument);
        }

        var wall = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        wall.Stop();
        var outcome = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        if (process.ExitCode != 0 || !outcome.GetProperty("verified").GetBoolean())
        {
            Console.Error.WriteLine($"ledger verify failed (exit {process.ExitCode}): {output}");
            return 1;
        }

        var after = Limits.Ed25519VerifyRate(options.Each, Environment.ProcessorCount);
        Print(after);
        var limit = (before.PerSecond + after.PerSecond) / 2;
        var verifyCpu = Limits.Ed25519VerifyCpuMicroseconds(options.Each);
        // `seconds` is the whole verification inside the process (reading, replay, stored-state comparison);
        // the process's own start adds a little more, shown as wall time.
        var seconds = outcome.GetProperty("seconds").GetDouble();
        var replayed = outcome.GetProperty("transactions").GetInt64();
        var signatures = outcome.GetProperty("signatures").GetInt64();
        var votes = outcome.GetProperty("certificateSignatures").GetInt64();
        Console.WriteLine($"ledger verify: {outcome.GetProperty("heights").GetUInt64():N0} blocks, {replayed:N0} transactions, {signatures:N0} participant signatures " +
                          $"({(double)signatures / Math.Max(1, replayed):0.00} per transaction; {outcome.GetProperty("signaturesVerifiedAhead").GetInt64():N0} checked ahead), {votes:N0} certificate signatures; " +
                          $"{seconds:0.00} s in the process ({outcome.GetProperty("replaySeconds").GetDouble():0.0} s of it re-executing, {outcome.GetProperty("replayWaitSeconds").GetDouble():0.0} s waiting for blocks and their signatures), {wall.Elapsed.TotalSeconds:0.00} s wall");
        Console.WriteLine($"figure: ledger verify over {replayed:N0} transactions: {signatures / seconds:N0} signatures/s ({replayed / seconds:N0} tx/s); " +
                          $"limit: Ed25519 verify on {Environment.ProcessorCount} cores {limit:N0}/s (before {before.PerSecond:N0}, after {after.PerSecond:N0}); " +
                          $"ratio in signatures {signatures / seconds / limit:0.000} (in transactions {replayed / seconds / limit:0.000})");
        if (outcome.TryGetProperty("cpuSeconds", out var cpu) && cpu.GetDouble() > 0)
        {
            // CPU time moves less than wall time with the load: the share of the process's CPU that signature checks
            // (at the CPU cost of one verify measured here) account for is the ratio two otherwise idle cores would give.
            var signatureCpu = (signatures + votes) * verifyCpu / 1e6;
            Console.WriteLine($"cpu: ledger verify used {cpu.GetDouble():0.0} s of CPU, {cpu.GetDouble() * 1e6 / Math.Max(1, signatures):0.0} µs per signature; " +
                              $"one Ed25519 verify costs {verifyCpu:0.0} µs of CPU here, so signature checks are {signatureCpu:0.0} s, a share of {signatureCpu / cpu.GetDouble():0.000}; " +
                              $"everything else {(cpu.GetDouble() - signatureCpu) * 1e6 / Math.Max(1, replayed):0.0} µs per transaction");
        }

        return 0;
    }

    /// <summary>SM2 verify (the ledger's own code) beside Ed25519 verify, both on one core now.</summary>
    public static int Sm2(BenchOptions options)
    {
        var sm2 = Limits.Sm2VerifyRate(options.Each);
        var ed25519 = Limits.Ed25519VerifyRate(options.Each, 1);
        Print(sm2);
        Print(ed25519);
        Console.WriteLine($"figure: SM2 verify {sm2.PerSecond:N0}/s on 1 core; limit: Ed25519 verify {ed25519.PerSecond:N0}/s on 1 core; ratio {sm2.PerSecond / ed25519.PerSecond:0.000}");
        return 0;
    }

    private static async Task BuildChainAsync(string chain, string meta, int transactions)
    {
        Console.WriteLine($"chain: building {transactions:N0} transactions with one validator in {chain} (cached for later runs)");
        if (Directory.Exists(chain))
        {
            Directory.Delete(chain, recursive: true);
        }

        var clock = Stopwatch.StartNew();
        long committed;
        string data, genesis;
        await using (var network = await BenchNetwork.StartAsync(1, chain, keep: true))
        {
            var clients = network.Clients();
            var load = new TransferLoad(clients, network.Signer, 64);
            await load.SetupAsync();
            var result = await load.ClosedLoopAsync(TimeSpan.FromDays(1), 128, transactions - load.SetupCommitted);
            committed = result.Committed + load.SetupCommitted;
            data = network.Nodes[0].DataDirectory;
            genesis = network.Network.GenesisFile;
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        File.WriteAllText(meta, JsonSerializer.Serialize(new { transactions = committed, data, genesis }));
        Console.WriteLine($"chain: {committed:N0} transactions built in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static void Print(Limit limit) =>
        Console.WriteLine($"limit: {limit.Name}: {limit.PerSecond:N0} {limit.Unit}");
}

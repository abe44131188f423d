using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ledger.Client;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Bench.Soak;

/// <summary>
/// The end of a soak: every node reaches the height the network had when the load stopped; the
/// chains agree block by block (hash and state root) up to the lowest head; every acknowledged
/// transaction is in that chain at its acknowledged height and GetTransaction on every node says
/// COMMITTED there; then, the nodes stopped, `ledger verify --data` passes on each node's data.
/// Each problem is one line in <see cref="Failures"/>.
/// </summary>
public sealed class SoakCheck(SoakNetwork network, IReadOnlyList<LedgerClient> clients, TextWriter log)
{
    public static readonly TimeSpan ConvergeTimeout = TimeSpan.FromSeconds(180);
    private const int LookupsInFlightMax = 16;

    private readonly List<string> _failures = [];

    public IReadOnlyList<string> Failures => _failures;

    /// <summary>The height every node reached, and up to which the chains were compared.</summary>
    public ulong CommonHeight { get; private set; }

    /// <summary>Transactions in the compared chain.</summary>
    public long ChainTransactions { get; private set; }

    public IReadOnlyList<string> Verifications { get; private set; } = [];

    public async Task ConvergeAndCompareAsync(IReadOnlyCollection<Acknowledged> acknowledged)
    {
        var target = Math.Max(acknowledged.Count == 0 ? 0 : acknowledged.Max(a => a.Height), await MaxHeightAsync());
        if (!await WaitForHeightAsync(target))
        {
            return;
        }

        CommonHeight = (await Task.WhenAll(clients.Select(c => c.GetStatusAsync()))).Min(s => s.Height);
        var hash = NetworkHashes.For((await clients[0].GetStatusAsync()).HashAlgorithm);
        var reference = await ReadChainAsync(clients[0], hash, CommonHeight);
        ChainTransactions = reference.TransactionHeights.Count;
        for (var i = 1; i < clients.Count; i++)
        {
            CompareChains(network.Nodes[0].NodeId, reference, network.Nodes[i].NodeId, await ReadChainAsync(clients[i], hash, CommonHeight));
        }

        foreach (var ack in acknowledged.Where(a => !reference.TransactionHeights.TryGetValue(a.TransactionId, out var height) || height != a.Height).Take(20))
        {
            Fail($"acknowledged {ack.Kind} {ack.TransactionId} (height {ack.Height}) is not in the chain at that height");
        }

        await Task.WhenAll(Enumerable.Range(0, clients.Count).Select(i => LookUpAllAsync(network.Nodes[i].NodeId, clients[i], acknowledged)));
    }

    /// <summary>Stops every node (SIGTERM) and runs `ledger verify --data DIR --genesis FILE --json` on each data folder.</summary>
    public async Task StopAndVerifyAsync()
    {
        var stopped = await Task.WhenAll(network.Nodes.Select(node => node.StopAsync()));
        foreach (var node in network.Nodes.Where((_, i) => !stopped[i]))
        {
            Fail($"{node.NodeId} did not stop within {SoakNode.StopTimeout.TotalSeconds:0} s of SIGTERM and was killed");
        }

        var lines = new List<string>();
        foreach (var node in network.Nodes)
        {
            // One at a time: each replay's seconds are then a figure of its own.
            lines.Add(await VerifyAsync(node));
        }

        Verifications = lines;
    }

    private async Task<string> VerifyAsync(SoakNode node)
    {
        var start = new ProcessStartInfo(SoakNode.DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "ledger.dll"), "verify", "--data", node.DataDirectory, "--genesis", network.GenesisFile, "--json" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = (await output).Trim();
        if (process.ExitCode != 0)
        {
            Fail($"ledger verify --data {node.DataDirectory} exited {process.ExitCode}: {text} {(await error).Trim()}");
            return $"{node.NodeId}: FAILED (exit {process.ExitCode})";
        }

        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        return string.Create(CultureInfo.InvariantCulture,
            $"{node.NodeId}: verified {root.GetProperty("heights").GetUInt64()} heights in {root.GetProperty("seconds").GetDouble():0.0} s, head {root.GetProperty("headHash").GetString()![..16]}…, state root {root.GetProperty("stateRoot").GetString()![..16]}…");
    }

    private async Task<ulong> MaxHeightAsync()
    {
        var heights = await Task.WhenAll(clients.Select(async c => (await c.GetStatusAsync()).Height));
        return heights.Max();
    }

    private async Task<bool> WaitForHeightAsync(ulong target)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var heights = await Task.WhenAll(clients.Select(async c => (await c.GetStatusAsync()).Height));
            if (heights.All(h => h >= target))
            {
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"all nodes at height >= {target} after {clock.Elapsed.TotalSeconds:0.0} s: {string.Join(", ", heights)}"));
                return true;
            }

            if (clock.Elapsed > ConvergeTimeout)
            {
                Fail($"the nodes did not all reach height {target} within {ConvergeTimeout.TotalSeconds:0} s: {string.Join(", ", heights)}");
                return false;
            }

            await Task.Delay(250);
        }
    }

    private sealed record Chain(List<(byte[] BlockHash, byte[] StateRoot)> Blocks, Dictionary<string, ulong> TransactionHeights);

    /// <summary>Blocks 1..height of one node, with the height of each transaction in them.</summary>
    private static async Task<Chain> ReadChainAsync(LedgerClient client, INetworkHash hash, ulong height)
    {
        var chain = new Chain([], []);
        if (height == 0)
        {
            return chain;
        }

        await foreach (var reply in client.StreamBlocksAsync(1))
        {
            var header = reply.Block.Header;
            chain.Blocks.Add((reply.BlockHash.ToByteArray(), header.StateRoot.ToByteArray()));
            foreach (var envelope in reply.Block.Transactions)
            {
                chain.TransactionHeights[Convert.ToHexStringLower(SignBytes.TransactionId(hash, envelope))] = header.Height;
            }

            if (header.Height >= height)
            {
                break;
            }
        }

        return chain;
    }

    private void CompareChains(string referenceId, Chain reference, string otherId, Chain other)
    {
        if (other.Blocks.Count != reference.Blocks.Count)
        {
            Fail($"{otherId} streamed {other.Blocks.Count} blocks, {referenceId} {reference.Blocks.Count}");
        }

        for (var i = 0; i < Math.Min(reference.Blocks.Count, other.Blocks.Count); i++)
        {
            if (!reference.Blocks[i].BlockHash.AsSpan().SequenceEqual(other.Blocks[i].BlockHash) || !reference.Blocks[i].StateRoot.AsSpan().SequenceEqual(other.Blocks[i].StateRoot))
            {
                Fail($"height {i + 1}: {otherId}'s block hash or state root differs from {referenceId}'s");
                return;
            }
        }
    }

    /// <summary>GetTransaction for every acknowledged transaction on one node: COMMITTED at the acknowledged height.</summary>
    private async Task LookUpAllAsync(string nodeId, LedgerClient client, IReadOnlyCollection<Acknowledged> acknowledged)
    {
        using var gate = new SemaphoreSlim(LookupsInFlightMax);
        var missing = 0;
        await Task.WhenAll(acknowledged.Select(async ack =>
        {
            await gate.WaitAsync();
            try
            {
                var reply = await client.GetTransactionAsync(ack.TransactionId);
                if (reply is not { Status: TransactionStatus.Committed } || reply.Height != ack.Height)
                {
                    if (Interlocked.Increment(ref missing) <= 5)
                    {
                        Fail($"{nodeId}: acknowledged {ack.Kind} {ack.TransactionId} (height {ack.Height}) is {reply?.Status.ToString() ?? "unknown"} at height {reply?.Height ?? 0}");
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        log.WriteLine($"{nodeId}: {acknowledged.Count - missing} of {acknowledged.Count} acknowledged transactions COMMITTED at their height");
        if (missing > 5)
        {
            Fail($"{nodeId}: {missing} acknowledged transactions missing in all");
        }
    }

    private void Fail(string problem)
    {
        lock (_failures)
        {
            _failures.Add(problem);
        }

        lock (log)
        {
            log.WriteLine("FAIL " + problem);
        }
    }
}

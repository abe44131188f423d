using System.Collections.Concurrent;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Storage;
using Xunit.Abstractions;

namespace Ledger.Integration.Tests;

/// <summary>
/// A node process killed with SIGKILL at random points under load, and restarted, loses nothing it
/// acknowledged: every transaction whose commit a client saw is still there, heights are contiguous,
/// and a replay of the stored blocks from genesis reproduces every state root and the stored state.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Kills = 10;
    private const int Workers = 4;

    [Fact]
    public async Task Acknowledged_commits_survive_sigkill_at_random_points()
    {
        // LEDGER_CRASH_SEED=<seed> replays the kill schedule of a failing run.
        var seed = int.TryParse(Environment.GetEnvironmentVariable("LEDGER_CRASH_SEED"), out var given) ? given : Environment.TickCount;
        output.WriteLine($"seed {seed} (kill delays are drawn from it; LEDGER_CRASH_SEED={seed} replays them)");
        var random = new Random(seed);
        await using var node = await NodeProcess.StartAsync(blockIntervalMs: 20);
        var acknowledged = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, Workers).Select(worker => Load(node, worker, acknowledged, stop.Token)).ToArray();

        for (var kill = 0; kill < Kills; kill++)
        {
            var before = acknowledged.Count;
            await Task.Delay(random.Next(150, 700));
            await node.KillAsync();
            await node.StartAgainAsync();
            await WaitUntil(() => acknowledged.Count > before, TimeSpan.FromSeconds(60));
        }

        await stop.CancelAsync();
        await Task.WhenAll(load);
        output.WriteLine($"{acknowledged.Count} commits acknowledged across {Kills} kills");
        Assert.True(acknowledged.Count > Kills);

        await using (var client = Participants.Client(node))
        {
            foreach (var id in acknowledged)
            {
                var found = await client.GetTransactionAsync(id);
                Assert.True(found is { Status: TransactionStatus.Committed }, $"acknowledged transaction {id} is missing after the kills");
            }
        }

        await node.StopAsync();
        AssertStoredChainReplays(node);
    }

    /// <summary>Each worker files methodologies with fresh ids and records those whose commit it saw.</summary>
    private static async Task Load(NodeProcess node, int worker, ConcurrentBag<string> acknowledged, CancellationToken stop)
    {
        var sequence = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var client = Participants.Client(node);
                while (!stop.IsCancellationRequested)
                {
                    var body = Transactions.FileMethodology($"M-{worker}-{sequence++}", "Load", MethodologyLevel.Group, "1", []);
                    var result = await client.TrySubmitAndWaitAsync(body, Participants.Bureau, stop);
                    if (result.IsCommitted)
                    {
                        acknowledged.Add(result.TransactionId);
                    }
                }
            }
            catch (Exception exception) when (exception is LedgerClientException or LedgerTimeoutException or OperationCanceledException or LedgerRejectedException)
            {
                // The node was killed under us, or we are stopping: nothing acknowledged is lost by trying again.
                await Task.Delay(50, CancellationToken.None);
            }
        }
    }

    private static void AssertStoredChainReplays(NodeProcess node)
    {
        using var store = RocksDbChainStore.Open(node.DataDirectory);
        var head = store.Head!;
        var replay = ChainVerifier.Verify(node.Genesis, head.Height, height =>
            store.GetBlock(height) is { } block ? (block, store.GetCertificate(height)) : null);
        Assert.True(replay.Verified, $"replay failed at height {replay.FailedHeight}: {replay.Problem}");
        Assert.Equal(head.HeaderHash, replay.Head.HeaderHash);

        var stored = store.Scan([]).Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value)).ToList();
        var replayed = replay.State.Entries.Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value)).ToList();
        Assert.Equal(replayed, stored);
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "no commit was acknowledged after the restart");
            await Task.Delay(20);
        }
    }
}

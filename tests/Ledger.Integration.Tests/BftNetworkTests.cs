using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;
using Xunit.Abstractions;

namespace Ledger.Integration.Tests;

/// <summary>
/// Four validator processes over loopback running Tendermint among themselves: one killed, the
/// others go on and it catches up; two stopped, nothing commits (safety over liveness) until one returns.
/// </summary>
public sealed class BftNetworkTests(ITestOutputHelper output) : IAsyncLifetime
{
    private IReadOnlyList<NodeProcess> _nodes = [];

    public async Task InitializeAsync() => _nodes = await NodeProcess.StartNetworkAsync(4);

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            output.WriteLine($"--- {node.NodeId}");
            output.WriteLine(string.Join('\n', node.Log.Split('\n').Where(l => !l.Contains("link to")).TakeLast(60)));
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Three_of_four_keep_committing_and_a_killed_validator_catches_up()
    {
        await using var client = Participants.Client(_nodes[0]);
        await NetworkChecks.FileMethodologies(client, "before", 5);

        await _nodes[3].KillAsync();
        await NetworkChecks.FileMethodologies(client, "during", 5);
        var head = await client.GetStatusAsync();

        await _nodes[3].StartAgainAsync();
        await using var restarted = Participants.Client(_nodes[3]);
        await WaitUntil(async () => (await restarted.GetStatusAsync()).Height >= head.Height, "the restarted validator catches up");
        var block = await restarted.GetBlockAsync(head.Height);
        Assert.Equal(head.LastBlockHash, block!.BlockHash);
        Assert.Equal(head.StateRoot, block.Block.Header.StateRoot);

        await NetworkChecks.FileMethodologies(restarted, "after", 3);
        await NetworkChecks.AssertSameChain(_nodes);
    }

    [Fact]
    public async Task A_wiped_validator_rebuilds_its_chain_by_block_sync()
    {
        await using var client = Participants.Client(_nodes[0]);
        await NetworkChecks.FileMethodologies(client, "before", 4);
        await _nodes[3].KillAsync();
        Directory.Delete(_nodes[3].DataDirectory, recursive: true);
        await NetworkChecks.FileMethodologies(client, "while-wiped", 2);
        var head = await client.GetStatusAsync();

        await _nodes[3].StartAgainAsync();
        await using var wiped = Participants.Client(_nodes[3]);
        await WaitUntil(async () => (await wiped.GetStatusAsync()).Height >= head.Height, "the wiped validator syncs back to the head");
        await NetworkChecks.FileMethodologies(wiped, "after", 2);
        await NetworkChecks.AssertSameChain(_nodes);
    }

    [Fact]
    public async Task Without_a_quorum_nothing_commits_until_a_validator_returns()
    {
        await using var client = Participants.Client(_nodes[0]);
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(_nodes[0].Url);
        var health = new Grpc.Health.V1.Health.HealthClient(channel);
        await WaitUntilHealth(health, Serving, "node-0 hears a quorum", TimeSpan.FromSeconds(10));
        await NetworkChecks.FileMethodologies(client, "before", 2);
        await _nodes[2].StopAsync();
        await _nodes[3].StopAsync();
        // Two of four answer: no quorum, so the standard health service says so (PeerProbe: within a few probe rounds).
        await WaitUntilHealth(health, NotServing, "node-0 reports it cannot commit", TimeSpan.FromSeconds(10));
        var stalled = (await client.GetStatusAsync()).Height;

        var envelope = await client.PrepareAsync(Transactions.FileMethodology("M-stalled", "Waits for a quorum", MethodologyLevel.Group, "1", []), Participants.Bureau);
        var id = (await client.SubmitAsync(envelope)).ToString();
        // Several at once, so the link to node-1 carries them in gossip batches (D42); node-1 holds each of them.
        var more = new List<string>();
        foreach (var i in Enumerable.Range(1, 5))
        {
            more.Add((await client.SubmitAsync(await client.PrepareAsync(Transactions.FileMethodology($"M-stalled-{i}", "Waits for a quorum", MethodologyLevel.Group, "1", []), Participants.Bureau))).ToString());
        }

        await using var peer = Participants.Client(_nodes[1]);
        foreach (var waiting in more.Prepend(id))
        {
            await WaitUntil(async () => (await peer.GetTransactionAsync(waiting))?.Status == TransactionStatus.Pending, $"node-1 holds {waiting}, gossiped by node-0");
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(stalled, (await client.GetStatusAsync()).Height);
        Assert.Equal(TransactionStatus.Pending, (await client.GetTransactionAsync(id))!.Status);

        await _nodes[2].StartAgainAsync();
        await WaitUntilHealth(health, Serving, "node-0 hears a quorum again", TimeSpan.FromSeconds(10));
        await WaitUntil(async () => (await client.GetTransactionAsync(id))?.Status == TransactionStatus.Committed, "the waiting transaction commits once three validators are back");
        output.WriteLine($"stalled at {stalled}, resumed to {(await client.GetStatusAsync()).Height}");
    }

    [Fact]
    public async Task All_validators_killed_together_resume_from_their_logs()
    {
        await using (var client = Participants.Client(_nodes[0]))
        {
            await NetworkChecks.FileMethodologies(client, "before", 4);
            // In flight when the power goes: the validators are killed in the middle of its height.
            await client.SubmitAsync(Transactions.FileMethodology("M-in-flight", "In flight", MethodologyLevel.Group, "1", []), Participants.Bureau);
            await Task.Delay(5);
        }

        await Task.WhenAll(_nodes.Select(n => n.KillAsync()));
        await Task.WhenAll(_nodes.Select(n => n.StartAgainAsync()));

        await using (var client = Participants.Client(_nodes[1]))
        {
            await NetworkChecks.FileMethodologies(client, "after", 4);
        }

        await NetworkChecks.AssertSameChain(_nodes);
    }

    private const Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus Serving = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving;
    private const Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus NotServing = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing;

    /// <summary>Both the server ("") and ledger.v1.Ledger report the status within the time.</summary>
    private static async Task WaitUntilHealth(Grpc.Health.V1.Health.HealthClient health, Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus status, string what, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var server = (await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest())).Status;
            var ledger = (await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest { Service = "ledger.v1.Ledger" })).Status;
            if (server == status && ledger == status)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}: server {server}, ledger.v1.Ledger {ledger}");
            await Task.Delay(100);
        }
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(100);
        }
    }
}

using System.ComponentModel.DataAnnotations;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;
using Ledger.Node.Options;

namespace Ledger.Integration.Tests;

/// <summary>D56: BftBlockIntervalMs, the least time between a commit and the next height's start on a BFT validator.</summary>
public sealed class BftBlockIntervalTests
{
    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(250, true)]
    [InlineData(10_000, true)]
    [InlineData(10_001, false)]
    public void The_interval_is_0_to_10_000_ms(int value, bool valid)
    {
        var options = new NodeOptions { NodeId = "node-0", DataDirectory = "data", KeyFile = "key.pem", GenesisFile = "genesis.json", BftBlockIntervalMs = value, TimeoutProposeMs = 20_000 };
        var results = new List<ValidationResult>();

        System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        // The node validates its options at start (ValidateDataAnnotations) and refuses to start on a problem.
        Assert.Equal(valid, !results.Any(r => r.MemberNames.Contains(nameof(NodeOptions.BftBlockIntervalMs))));
    }

    [Theory]
    [InlineData(999, 1_000, true)]
    [InlineData(1_000, 1_000, false)]
    [InlineData(2_000, 1_000, false)]
    public void The_interval_is_below_the_propose_timeout(int interval, int timeoutPropose, bool valid)
    {
        var options = new NodeOptions { NodeId = "node-0", DataDirectory = "data", KeyFile = "key.pem", GenesisFile = "genesis.json", ListenUrl = "http://127.0.0.1:1", BftBlockIntervalMs = interval, TimeoutProposeMs = timeoutPropose };
        var results = new List<ValidationResult>();

        var ok = System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        Assert.Equal(valid, ok);
        if (!valid)
        {
            Assert.Contains(results, r => r.MemberNames.Contains(nameof(NodeOptions.BftBlockIntervalMs)) && r.ErrorMessage!.Contains("TimeoutProposeMs", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Consecutive_blocks_are_at_least_the_interval_apart_and_everything_commits()
    {
        // The test network's TimeoutProposeMs is 400; the interval must stay below it.
        var nodes = await NodeProcess.StartNetworkAsync(4, extraSettings: "\"BftBlockIntervalMs\": 350");
        try
        {
            await using var client = Participants.Client(nodes[0]);
            var heights = new List<ulong>();
            for (var i = 0; i < 4; i++)
            {
                // Each submitted once the last committed: without the interval the next height would start at once.
                var result = await client.SubmitAndWaitAsync(Transactions.FileMethodology($"M-interval-{i}", "Interval", MethodologyLevel.Group, "1", []), Participants.Bureau);
                heights.Add(result.Height);
            }

            var times = new List<long>();
            foreach (var height in heights)
            {
                times.Add((await client.GetBlockAsync(height))!.Block.Header.TimeMs);
            }

            for (var i = 1; i < times.Count; i++)
            {
                Assert.True(times[i] - times[i - 1] >= 350, $"blocks {heights[i - 1]} and {heights[i]} were built {times[i] - times[i - 1]} ms apart");
            }

            await NetworkChecks.AssertSameChain(nodes);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }
}

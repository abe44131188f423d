using System.Text.Json;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;

namespace Ledger.Integration.Tests;

/// <summary>Node logs are structured: with LogFormat json each line is an object carrying the message template's values.</summary>
public sealed class LoggingTests
{
    [Fact]
    public async Task A_json_log_line_carries_the_committed_height_as_a_field()
    {
        await using var node = await NodeProcess.StartAsync(extraSettings: "\"LogFormat\": \"json\"");
        await using var client = Participants.Client(node);
        var envelope = await client.PrepareAsync(Transactions.FileMethodology("M-logs", "Methodology", MethodologyLevel.National, "1", []), Participants.Bureau);
        var outcome = await client.TrySubmitAndWaitAsync(envelope);
        Assert.True(outcome.IsCommitted);

        var committed = await WaitForLine(node, line =>
            line.RootElement.TryGetProperty("State", out var state)
            && state.TryGetProperty("{OriginalFormat}", out var template)
            && template.GetString()!.StartsWith("Committed block", StringComparison.Ordinal)
            && state.TryGetProperty("Height", out var height)
            && ulong.Parse(height.ToString()) >= outcome.Height);
        Assert.Equal("Information", committed.RootElement.GetProperty("LogLevel").GetString());
        Assert.EndsWith("Z", committed.RootElement.GetProperty("Timestamp").GetString());
        Assert.StartsWith("Ledger.Node.", committed.RootElement.GetProperty("Category").GetString());

        // The start line names the node and the genesis hash as fields too.
        var start = await WaitForLine(node, line => line.RootElement.TryGetProperty("State", out var state) && state.TryGetProperty("GenesisHash", out _));
        Assert.Equal(NodeProcess.ValidatorId, start.RootElement.GetProperty("State").GetProperty("NodeId").GetString());
    }

    [Fact]
    public async Task A_log_format_other_than_text_or_json_stops_the_start()
    {
        var start = NodeProcess.StartAsync(extraSettings: "\"LogFormat\": \"xml\"");
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => start);
        Assert.Contains("LogFormat", failure.Message);
    }

    private static async Task<JsonDocument> WaitForLine(NodeProcess node, Func<JsonDocument, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            foreach (var text in node.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!text.StartsWith('{'))
                {
                    continue;
                }

                var line = JsonDocument.Parse(text);
                if (match(line))
                {
                    return line;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, "no such log line:\n" + node.Log);
            await Task.Delay(100);
        }
    }
}

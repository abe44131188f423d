using System.CommandLine;
using System.Text.Json;
using Ledger.Cli;

namespace Ledger.Integration.Tests;

/// <summary>`ledger query …` against a real node: records as the protos' JSON, lists as { items }, exit codes 0/1/2.</summary>
public sealed class QueryCommandTests
{
    [Fact]
    public async Task Every_read_answers_as_json_and_misses_and_misuse_have_their_exit_codes()
    {
        await using var node = await NodeProcess.StartAsync();
        await using var client = Participants.Client(node);
        var story = await Stories.IssueAndTransferAsync(client);
        var url = node.Url.ToString();

        var batch = await Query(0, "batch", story.BatchId, "--node", url);
        Assert.Equal("2500000", batch.GetProperty("issuedGrams").GetString());
        Assert.Equal("PV-7", batch.GetProperty("projectId").GetString());

        var balances = (await Query(0, "balances", "trader-b", "--node", url)).GetProperty("items");
        Assert.Equal("1000000", Assert.Single(balances.EnumerateArray()).GetProperty("tradableGrams").GetString());

        var trade = Assert.Single((await Query(0, "trades", "--node", url)).GetProperty("items").EnumerateArray());
        Assert.Equal(("owner-a", "trader-b"), (trade.GetProperty("seller").GetString(), trade.GetProperty("buyer").GetString()));

        Assert.Equal("PROJECT_STATUS_APPROVED", (await Query(0, "project", "PV-7", "--node", url)).GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Object, (await Query(0, "lifecycle", "PV-7", "--node", url)).ValueKind);
        Assert.Equal("0", (await Query(0, "shortfall", "owner-a", "--node", url)).GetProperty("outstandingGrams").GetString());
        Assert.Empty((await Query(0, "cancellations", "--node", url)).GetProperty("items").EnumerateArray());
        Assert.Equal(JsonValueKind.Object, (await Query(0, "block", "1", "--node", url)).ValueKind);

        await Query(QueryCommand.NotFoundExitCode, "batch", "ORD-P-none-20250101-20250131", "--node", url);
        await Query(QueryCommand.UsageExitCode, "custody", "app-1", "not-hex", "--node", url);
        await Query(QueryCommand.UsageExitCode, "batch", "--node", url);
    }

    private static async Task<JsonElement> Query(int expectedExitCode, params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var parsed = new RootCommand { QueryCommand.Create() }.Parse(["query", .. args]);
        var exit = await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        exit = parsed.Errors.Count > 0 && QueryCommand.Owns(parsed.CommandResult) ? QueryCommand.UsageExitCode : exit;
        Assert.True(exit == expectedExitCode, $"ledger query {string.Join(' ', args)}: exit {exit}, expected {expectedExitCode}\n{output}\n{error}");
        return exit == QueryCommand.FoundExitCode ? JsonDocument.Parse(output.ToString()).RootElement.Clone() : default;
    }
}

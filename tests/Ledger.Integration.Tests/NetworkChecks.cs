using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;

namespace Ledger.Integration.Tests;

/// <summary>What the multi-node tests do to a running network and check of it.</summary>
public static class NetworkChecks
{
    /// <summary>Files count methodologies as the bureau, each waited for until committed.</summary>
    public static async Task FileMethodologies(LedgerClient client, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var result = await client.SubmitAndWaitAsync(Transactions.FileMethodology($"M-{prefix}-{i}", "Methodology", MethodologyLevel.Local, "1", []), Participants.Bureau);
            Assert.True(result.IsCommitted);
        }
    }

    /// <summary>Every node reports, for every height up to the lowest head, the same block hash and state root.</summary>
    public static async Task AssertSameChain(IEnumerable<NodeProcess> nodes)
    {
        var clients = nodes.Select(Participants.Client).ToList();
        try
        {
            var lowest = (await Task.WhenAll(clients.Select(c => c.GetStatusAsync()))).Min(s => s.Height);
            for (var height = 1UL; height <= lowest; height++)
            {
                var blocks = await Task.WhenAll(clients.Select(c => c.GetBlockAsync(height)));
                Assert.Single(blocks.Select(b => Convert.ToHexString(b!.BlockHash.Span)).Distinct());
                Assert.Single(blocks.Select(b => Convert.ToHexString(b!.Block.Header.StateRoot.Span)).Distinct());
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}

using System.Collections.Concurrent;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;

namespace Ledger.Integration.Tests.ClientLimits;

/// <summary>
/// Issue 8: a flood of valid transactions from one signer cannot starve consensus or other signers.
/// Four validator processes; the bureau floods from eight connections (two per node, four loops each)
/// as fast as they go, while three other signers submit and wait. Their transactions commit, every
/// node's height moves, and the flooder is refused with typed codes only (its share of the mempool,
/// its connections' rate). Nothing here asserts a speed: waits are bounded only to end a broken run.
/// </summary>
public sealed class FloodTests : IAsyncLifetime
{
    // Small limits so that both of the flooder's refusals certainly happen on any machine: blocks of at most
    // four transactions drain far slower than eight connections can be admitted at 50 a second each.
    private const string Settings = "\"MempoolTransactionsPerSignerMax\": 30, \"BlockTransactionsMax\": 4, \"SubmissionsPerSecondPerConnection\": 50, \"SubmissionBurstPerConnection\": 10";
    private const int HonestTransactionsPerSigner = 5;
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(4);

    private IReadOnlyList<NodeProcess> _nodes = [];

    public async Task InitializeAsync() => _nodes = await NodeProcess.StartNetworkAsync(4, Settings);

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Commits_continue_for_other_signers_while_one_signer_floods()
    {
        var setup = Participants.Client(_nodes[0]);
        await setup.SubmitAndWaitAsync(Transactions.FileMethodology("M-base", "Base", MethodologyLevel.Group, "1", []), Participants.Bureau);
        var ownerA = await Participants.RegisterAsync(setup, "owner-a", Role.ProjectOwner);
        var ownerB = await Participants.RegisterAsync(setup, "owner-b", Role.ProjectOwner);
        var chainId = await setup.GetChainIdAsync();
        var startHeights = await Heights();

        using var stopFlood = new CancellationTokenSource(Generous);
        var outcomes = new ConcurrentDictionary<RejectionCode, int>();
        var flooders = Enumerable.Range(0, 8).Select(i => Participants.Client(_nodes[i % _nodes.Count])).ToList();
        var flood = flooders.SelectMany((client, c) => Enumerable.Range(0, 4).Select(loop => FloodAsync(client, chainId, $"{c}-{loop}", outcomes, stopFlood.Token))).ToList();

        // The flood is on once the flooder has been refused for both reasons.
        await WaitUntil(() => outcomes.ContainsKey(RejectionCode.MempoolSignerFull) && outcomes.ContainsKey(RejectionCode.RateLimited), stopFlood.Token, () => Describe(outcomes));

        var honest = new[]
        {
            HonestAsync(_nodes[1], i => (Transactions.RegisterParticipant($"org-{i}", $"Org {i}", [Role.Trader], Participants.Signer($"org-{i}").Key.ToPublicKey()), Participants.Operator)),
            HonestAsync(_nodes[2], i => (Transactions.ApplyProject($"P-a-{i}", "Project of A", "M-base"), ownerA)),
            HonestAsync(_nodes[3], i => (Transactions.ApplyProject($"P-b-{i}", "Project of B", "M-base"), ownerB)),
        };
        var committed = (await Task.WhenAll(honest)).SelectMany(r => r).ToList();
        var floodStillOn = !stopFlood.IsCancellationRequested;
        await stopFlood.CancelAsync();
        await Task.WhenAll(flood);

        Assert.True(floodStillOn, "the flood ended before the other signers were done: " + Describe(outcomes));
        Assert.Equal(3 * HonestTransactionsPerSigner, committed.Count);
        Assert.All(committed, c => Assert.True(c.IsCommitted, $"{c.Code}: {c.Message}"));

        var endHeights = await Heights();
        Assert.All(endHeights.Zip(startHeights), h => Assert.True(h.First >= h.Second + 3, $"a node's height moved from {h.Second} only to {h.First}"));

        // The flooder got in too (its fair share), and every refusal it got is typed as one of the limits.
        Assert.True(outcomes.GetValueOrDefault(RejectionCode.Unspecified) > 0, Describe(outcomes));
        Assert.All(outcomes.Keys.Where(k => k != RejectionCode.Unspecified), code => Assert.Contains(code, new[] { RejectionCode.MempoolSignerFull, RejectionCode.RateLimited }));
        Console.WriteLine($"flood outcomes: {Describe(outcomes)}; heights {string.Join(",", startHeights)} -> {string.Join(",", endHeights)}");

        foreach (var client in flooders.Append(setup))
        {
            await client.DisposeAsync();
        }
    }

    /// <summary>Valid FileMethodology envelopes signed locally (no status call per envelope), submitted back to back.</summary>
    private static async Task FloodAsync(LedgerClient client, string chainId, string name, ConcurrentDictionary<RejectionCode, int> outcomes, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var body = Transactions.FileMethodology($"M-flood-{name}-{i}", "Flood", MethodologyLevel.Group, "1", []);
            var envelope = Envelopes.Sign(chainId, body, Participants.Bureau, Envelopes.NewNonce(), 100_000);
            try
            {
                var result = await client.TrySubmitAsync(envelope, stop);
                outcomes.AddOrUpdate(result.Code, 1, (_, n) => n + 1);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>One signer's transactions, one after another, each waited for.</summary>
    private static async Task<List<CommitResult>> HonestAsync(NodeProcess node, Func<int, (TransactionBody Body, LedgerSigner Signer)> make)
    {
        await using var client = Participants.Client(node);
        var results = new List<CommitResult>();
        for (var i = 0; i < HonestTransactionsPerSigner; i++)
        {
            var (body, signer) = make(i);
            results.Add(await client.TrySubmitAndWaitAsync(body, signer));
        }

        return results;
    }

    private async Task<ulong[]> Heights()
    {
        var heights = new List<ulong>();
        foreach (var node in _nodes)
        {
            await using var client = Participants.Client(node);
            heights.Add((await client.GetStatusAsync()).Height);
        }

        return [.. heights];
    }

    private static async Task WaitUntil(Func<bool> condition, CancellationToken cancellationToken, Func<string> describe)
    {
        while (!condition())
        {
            Assert.False(cancellationToken.IsCancellationRequested, "gave up waiting: " + describe());
            await Task.Delay(20, CancellationToken.None);
        }
    }

    private static string Describe(ConcurrentDictionary<RejectionCode, int> outcomes) =>
        string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"));
}

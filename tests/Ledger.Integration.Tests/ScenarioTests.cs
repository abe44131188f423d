using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;
using Xunit.Abstractions;

namespace Ledger.Integration.Tests;

/// <summary>A scenario day through a real node: chunks, the operator's verification, issuance into custody, statements, withdrawal.</summary>
public sealed class ScenarioTests(ITestOutputHelper output) : IAsyncLifetime
{
    private NodeProcess _node = null!;
    private LedgerClient _client = null!;

    public async Task InitializeAsync()
    {
        _node = await NodeProcess.StartAsync();
        _client = Participants.Client(_node);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task A_day_of_sixty_thousand_records_issues_in_chunks_into_custody()
    {
        const int records = 60_000;
        var company = await ScenarioStories.ApproveAsync(_client, "S-METRO", "metro-app");
        var day = ScenarioStories.Yesterday;

        var result = await ScenarioStories.IssueDayAsync([_client], company, "S-METRO", day, ScenarioStories.MetroDay("metro-app", "it", records), concurrency: 32);

        output.WriteLine($"{result.Records} records in {result.Chunks} chunks: {result.SubmitSeconds:0.0} s, {result.Records / result.SubmitSeconds:0} records/s");
        Assert.True(result.Issuance.IsCommitted, result.Issuance.Message);
        var batchId = Transactions.ScenarioBatchId("S-METRO", day);
        var batch = (await _client.GetBatchAsync(batchId))!;
        Assert.Equal(result.Verification.Grams, batch.IssuedGrams);
        Assert.Equal((ulong)records, batch.Records);
        Assert.Equal(result.Verification.RecordsRoot, batch.RecordsRoot);
        Assert.Equal("metro-app", batch.Custodian);
    }

    [Fact]
    public async Task A_user_gets_a_statement_and_withdraws_to_their_own_trader_account()
    {
        var company = await ScenarioStories.ApproveAsync(_client, "S-METRO", "metro-app");
        var other = await ScenarioStories.ApproveAsync(_client, "S-BUS", "bus-app");
        var day = ScenarioStories.Yesterday;
        var records = ScenarioStories.MetroDay("metro-app", "story", 40).ToList();
        await ScenarioStories.IssueDayAsync([_client], company, "S-METRO", day, records, concurrency: 1);

        // The same rides reported by another app count once (§7): the fare transactions' dedup keys are taken.
        var again = await _client.TrySubmitAndWaitAsync(Transactions.SubmitBehaviourBatch("S-BUS", day, 0, ScenarioStories.MetroDay("bus-app", "story", 3)), other);
        Assert.Equal(RejectionCode.DuplicateRecord, again.Code);

        var user = ScenarioStories.UserId("metro-app", 1);
        var statement = await _client.GetCustodyStatementAsync("metro-app", user);
        var entry = Assert.Single(statement.Entries);
        Assert.True(entry.Issued);
        Assert.Equal(Transactions.ScenarioBatchId("S-METRO", day), entry.BatchId);
        Assert.True(statement.BalanceGrams > 100);

        await Participants.RegisterAsync(_client, "person-1", Role.Trader);
        await _client.SubmitAndWaitAsync(Transactions.WithdrawCustody(user, entry.BatchId, 100, "person-1"), company);

        var after = await _client.GetCustodyStatementAsync("metro-app", user);
        Assert.Equal(statement.BalanceGrams - 100, after.BalanceGrams);
        Assert.Equal(100UL, (await _client.GetBalancesAsync("person-1")).Single().TradableGrams);
    }
}

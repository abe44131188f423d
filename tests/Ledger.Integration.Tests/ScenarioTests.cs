using System.CommandLine;
using System.Text.Json;
using Google.Protobuf;
using Ledger.Cli;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Client.Keys;
using Ledger.Core.Protocol;
using Ledger.Testing;
using Xunit.Abstractions;

namespace Ledger.Integration.Tests;

/// <summary>
/// A scenario day through a real node: chunks, the operator's verification, issuance into custody, statements,
/// withdrawal, and the custody paths (D24): a cancellation for a user whose certificate verifies offline, and a redemption.
/// </summary>
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

    [Fact]
    public async Task A_company_cancels_and_redeems_for_a_user_from_custody_through_the_cli()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ledger-custody-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        try
        {
            await CancelAndRedeemAsync(directory);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private async Task CancelAndRedeemAsync(string directory)
    {
        var company = await ScenarioStories.ApproveAsync(_client, "S-METRO", "metro-app");
        var day = ScenarioStories.Yesterday;
        await ScenarioStories.IssueDayAsync([_client], company, "S-METRO", day, ScenarioStories.MetroDay("metro-app", "custody", 40).ToList(), concurrency: 1);
        var provider = await Participants.RegisterAsync(_client, "mall-m", Role.RightsProvider);
        var now = DateTimeOffset.UtcNow;
        await _client.SubmitAndWaitAsync(Transactions.PublishMallOffer("bus-pass", "Bus pass, one day", MallOfferKind.Services, 10, 5, now.AddDays(-1), now.AddDays(30)), provider);

        var user = ScenarioStories.UserId("metro-app", 1);
        var userHex = Convert.ToHexStringLower(user);
        var before = (await _client.GetCustodyStatementAsync("metro-app", user)).BalanceGrams;
        var batchId = Transactions.ScenarioBatchId("S-METRO", day);
        var key = Path.Combine(directory, "metro-app.pem");
        KeyFile.Write(key, TestKeys.For("metro-app"));
        string[] AsCompany(params string[] args) => [.. args, "--node", _node.Url.ToString(), "--key", key, "--as", "metro-app", "--json"];

        // §23: the company requests for its user with the user's consent; the operator approves; the certificate verifies offline.
        var requested = await Tx(AsCompany("tx", "request-cancellation", "--batch", batchId, "--grams", "60", "--beneficiary", "Ordos No. 1 Middle School",
            "--purpose", "2025 campus carbon neutrality", "--custody-user", userHex, "--consent", "consent 2025-0042"));
        var cancellationId = requested.GetProperty("attributes").GetProperty("cancellation_id").GetString()!;
        Assert.Equal(before - 60, (await _client.GetCustodyStatementAsync("metro-app", user)).BalanceGrams);
        await _client.SubmitAndWaitAsync(Transactions.ApproveCancellation(cancellationId), Participants.Operator);

        var genesis = Path.Combine(directory, "genesis.json");
        var certificate = Path.Combine(directory, "certificate.json");
        await File.WriteAllTextAsync(genesis, JsonFormatter.Default.Format(_node.Genesis));
        Assert.Equal(CertCommand.ValidExitCode, await new RootCommand { CertCommand.Create() }.Parse(["cert", "get", cancellationId, "--node", _node.Url.ToString(), "--out", certificate]).InvokeAsync());
        Assert.Empty(CertCommand.VerifyFile(certificate, genesis));
        var issued = JsonParser.Default.Parse<CancellationCertificate>(await File.ReadAllTextAsync(certificate));
        Assert.Equal(("metro-app", userHex, "consent 2025-0042", batchId + ":1-60"), (issued.Holder, Convert.ToHexStringLower(issued.CustodyUserId.Span), issued.ConsentRef, issued.SerialRange));
        var rendered = await File.ReadAllTextAsync(certificate + ".txt");
        Assert.Contains("a pseudonymous user of metro-app (consent consent 2025-0042)", rendered, StringComparison.Ordinal);
        Assert.DoesNotContain(userHex, rendered, StringComparison.OrdinalIgnoreCase);

        // §25: the company redeems two passes for its user; the grams go to the provider.
        var redeemed = await Tx(AsCompany("tx", "redeem", "--offer", "bus-pass", "--quantity", "2", "--batch", batchId, "--voucher", "code-42",
            "--custody-user", userHex, "--consent", "consent 2025-0042"));
        var redemption = (await _client.GetRedemptionAsync(redeemed.GetProperty("attributes").GetProperty("redemption_id").GetString()!))!;
        Assert.Equal(("metro-app", 20UL, userHex), (redemption.Redeemer, redemption.AmountGrams, Convert.ToHexStringLower(redemption.CustodyUserId.Span)));
        var entry = Assert.Single((await _client.GetCustodyStatementAsync("metro-app", user)).Entries);
        Assert.Equal((before - 80, 60UL, 20UL, 0UL), (entry.BalanceGrams, entry.RetiredGrams, entry.RedeemedGrams, entry.EscrowedGrams));
        Assert.Equal(20UL, (await _client.GetBalancesAsync("mall-m")).Single().TradableGrams);
        var batch = (await _client.GetBatchAsync(batchId))!;
        Assert.Equal((batch.IssuedGrams - 60, 60UL), (batch.TradableGrams, batch.RetiredGrams));
    }

    /// <summary>Runs `ledger tx …` in-process; it must commit; returns its --json output.</summary>
    private static async Task<JsonElement> Tx(string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var exit = await new RootCommand { TxCommand.Create() }.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        Assert.True(exit == TxCommand.AcceptedExitCode, $"`ledger {string.Join(' ', args)}` exited {exit}\n{output}\n{error}");
        return JsonDocument.Parse(output.ToString()).RootElement;
    }
}

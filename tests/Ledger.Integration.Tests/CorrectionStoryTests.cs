using System.CommandLine;
using System.Security.Cryptography;
using Ledger.Cli;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Client.Keys;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Integration.Tests;

/// <summary>
/// §11 on a real node: a batch partly cancelled is corrected (held units voided, the cancelled part a
/// shortfall of the owner), the owner's next issuance is refused until it surrenders units with
/// `ledger tx make-good-shortfall`, the queries show it all, and the auditor's replay agrees.
/// </summary>
public sealed class CorrectionStoryTests
{
    [Fact]
    public async Task A_correction_voids_held_units_and_blocks_the_owner_until_the_shortfall_is_made_good()
    {
        await using var node = await NodeProcess.StartAsync();
        await using var client = Participants.Client(node);
        var story = await Stories.IssueAndTransferAsync(client);
        var request = await client.SubmitAndWaitAsync(Transactions.RequestCancellation(story.BatchId, 300_000, "Ordos No. 1 Middle School", "2025 campus carbon neutrality"), story.Trader);
        await client.SubmitAndWaitAsync(Transactions.ApproveCancellation(request.TransactionId), Participants.Operator);

        // A second batch, issued before the correction, is what the owner will surrender.
        var second = await client.SubmitAndWaitAsync(
            Transactions.IssueProjectReductions("PV-7", Stories.Jan1 + 31, Stories.Jan1 + 58, 500_000, SHA256.HashData("report PV-7 2025-02"u8), TestLedger.Verifier),
            Participants.Bureau, [Participants.Verifier]);
        var correction = await client.SubmitAndWaitAsync(
            Transactions.CorrectReductions(story.BatchId, [("owner-a", 1_500_000), ("trader-b", 700_000)], 300_000, "meter readings of January replaced by estimates"),
            Participants.Bureau);
        Assert.Equal("2200000", correction.Attribute("voided_grams"));

        var batch = (await client.GetBatchAsync(story.BatchId))!;
        Assert.Equal((0UL, 300_000UL, 2_200_000UL), (batch.TradableGrams, batch.RetiredGrams, batch.VoidedGrams));
        Assert.Equal(300_000UL, (await client.GetShortfallAsync("owner-a")).OutstandingGrams);
        var corrections = (await client.GetCorrectionsAsync(story.BatchId))!;
        Assert.Equal(300_000UL, corrections.Totals.ShortfallGrams);
        Assert.Equal("meter readings of January replaced by estimates", Assert.Single(corrections.Corrections).Reason);
        Assert.Null(await client.GetCorrectionsAsync("ORD-P-none-20250101-20250131"));

        var refused = await client.TrySubmitAndWaitAsync(
            Transactions.IssueProjectReductions("PV-7", Stories.Jan1 + 59, Stories.Jan1 + 89, 100_000, SHA256.HashData("report PV-7 2025-03"u8), TestLedger.Verifier),
            Participants.Bureau, [Participants.Verifier]);
        Assert.Equal(RejectionCode.OutstandingShortfall, refused.Code);

        // The owner makes good with the administrators' CLI, from its own key file.
        var keyFile = Path.Combine(Path.GetTempPath(), "ledger-owner-" + Guid.NewGuid().ToString("N")[..12] + ".pem");
        KeyFile.Write(keyFile, TestKeys.For("owner-a"));
        try
        {
            var output = new StringWriter();
            var exit = await new RootCommand { TxCommand.Create() }
                .Parse(["tx", "make-good-shortfall", "--batch", second.Attribute("batch_id")!, "--grams", "300000", "--node", node.Url.ToString(), "--key", keyFile, "--as", "owner-a"])
                .InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
            Assert.True(exit == TxCommand.AcceptedExitCode, output.ToString());
        }
        finally
        {
            File.Delete(keyFile);
        }

        Assert.Equal(0UL, (await client.GetShortfallAsync("owner-a")).OutstandingGrams);
        await client.SubmitAndWaitAsync(
            Transactions.IssueProjectReductions("PV-7", Stories.Jan1 + 59, Stories.Jan1 + 89, 100_000, SHA256.HashData("report PV-7 2025-03"u8), TestLedger.Verifier),
            Participants.Bureau, [Participants.Verifier]);

        var verified = await VerifyCommand.VerifyNodeAsync(node.Url, node.Genesis);
        Assert.True(verified.Verified, verified.Problem);
    }
}

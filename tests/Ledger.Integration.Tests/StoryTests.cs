using System.Security.Cryptography;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;

namespace Ledger.Integration.Tests;

/// <summary>A real node process over loopback, driven only through the client SDK.</summary>
public sealed class StoryTests : IAsyncLifetime
{
    private const uint Jan1 = 20089; // 2025-01-01
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
    public async Task From_registration_to_a_cancellation_certificate()
    {
        var owner = await Participants.RegisterAsync(_client, "owner-a", Role.ProjectOwner);
        var trader = await Participants.RegisterAsync(_client, "trader-b", Role.Trader);
        Assert.NotNull(await _client.GetParticipantAsync("trader-b"));

        await _client.SubmitAndWaitAsync(Transactions.FileMethodology("M-PV", "Distributed photovoltaics", MethodologyLevel.Local, "1.0", ["pv"]), Participants.Bureau);
        await _client.SubmitAndWaitAsync(Transactions.ApplyProject("PV-7", "Rooftop PV, Kangbashi", "M-PV"), owner);
        Assert.Equal(ProjectStatus.Applied, (await _client.GetProjectAsync("PV-7"))!.Status);
        var approval = await Stories.ApproveAsync(_client, "PV-7");
        Assert.Single((await _client.GetProjectAsync("PV-7"))!.Opinions);
        Assert.Equal("PROJECT_STATUS_APPROVED", approval.Attribute("status"));

        var report = SHA256.HashData("verification report PV-7 2025-01"u8);
        var issuance = await _client.SubmitAndWaitAsync(Transactions.IssueProjectReductions("PV-7", Jan1, Jan1 + 30, 2_500_000, report, TestVerifier), Participants.Bureau, [Participants.Verifier]);
        var batch = issuance.Attribute("batch_id")!;
        Assert.Equal("ORD-P-PV-7-20250101-20250131", batch);
        Assert.Equal(2_500_000UL, (await _client.GetBatchAsync(batch))!.IssuedGrams);
        await AssertHolds("owner-a", batch, tradable: 2_500_000);

        await _client.SubmitAndWaitAsync(Transactions.Transfer("trader-b", batch, 1_000_000, 45_00, "CNY"), owner, [Participants.Operator, trader]);
        await AssertHolds("owner-a", batch, tradable: 1_500_000);
        await AssertHolds("trader-b", batch, tradable: 1_000_000);

        var request = await _client.SubmitAndWaitAsync(Transactions.RequestCancellation(batch, 400_000, "Ordos No. 1 Middle School", "2025 campus carbon neutrality"), trader);
        var cancellationId = request.Attribute("cancellation_id")!;
        await AssertHolds("trader-b", batch, tradable: 600_000, escrowed: 400_000);
        var approved = await _client.SubmitAndWaitAsync(Transactions.ApproveCancellation(cancellationId), Participants.Operator);
        Assert.Equal($"{batch}:1-400000", approved.Attribute("serial_range"));
        await AssertHolds("trader-b", batch, tradable: 600_000, retired: 400_000);

        var certificate = (await _client.GetCancellationAsync(cancellationId))!;
        Assert.Equal(CancellationStatus.Approved, certificate.Status);
        Assert.Equal("Ordos No. 1 Middle School", certificate.Beneficiary);
        var supply = (await _client.GetBatchAsync(batch))!;
        Assert.Equal(supply.IssuedGrams, supply.TradableGrams + supply.EscrowedGrams + supply.RetiredGrams + supply.VoidedGrams);
    }

    [Fact]
    public async Task Of_fifty_concurrent_spends_of_the_same_units_exactly_the_affordable_ones_commit()
    {
        var (owner, batch) = await IssuedToOwnerAsync(1_000);
        var trader = await Participants.RegisterAsync(_client, "trader-b", Role.Trader);

        var attempts = Enumerable.Range(0, 50).Select(_ =>
            _client.TrySubmitAndWaitAsync(Transactions.Transfer("trader-b", batch, 100, 45, "CNY"), owner, [Participants.Operator, trader]));
        var results = await Task.WhenAll(attempts);

        Assert.Equal(10, results.Count(r => r.IsCommitted));
        Assert.All(results.Where(r => !r.IsCommitted), r => Assert.Equal(RejectionCode.InsufficientBalance, r.Code));
        await AssertHolds("owner-a", batch, tradable: 0);
        await AssertHolds("trader-b", batch, tradable: 1_000);
    }

    [Fact]
    public async Task A_replayed_envelope_is_refused()
    {
        var envelope = await _client.PrepareAsync(Transactions.FileMethodology("M-1", "Methodology", MethodologyLevel.National, "1", []), Participants.Bureau);
        Assert.True((await _client.TrySubmitAndWaitAsync(envelope)).IsCommitted);
        var replay = await _client.TrySubmitAsync(envelope);
        Assert.Equal(RejectionCode.NonceReused, replay.Code);
    }

    [Fact]
    public async Task A_refusal_at_submission_carries_its_code_and_message()
    {
        var rejected = await Assert.ThrowsAsync<LedgerRejectedException>(() =>
            _client.SubmitAsync(Transactions.FileMethodology("M-1", "Methodology", MethodologyLevel.National, "1", []), Participants.Operator));
        Assert.Equal(RejectionCode.UnauthorizedRole, rejected.Code);
        Assert.Contains("BUREAU", rejected.RejectionMessage);
    }

    [Fact]
    public async Task A_node_restarted_on_the_same_data_serves_the_same_history()
    {
        var (_, batch) = await IssuedToOwnerAsync(5_000);
        var before = await _client.GetStatusAsync();
        var blocks = await BlocksAsync(before.Height);

        await _node.StopAsync();
        await _node.StartAgainAsync();

        var after = await _client.GetStatusAsync();
        Assert.Equal(before.Height, after.Height);
        Assert.Equal(before.LastBlockHash, after.LastBlockHash);
        Assert.Equal(before.StateRoot, after.StateRoot);
        Assert.Equal(blocks, await BlocksAsync(after.Height));
        await AssertHolds("owner-a", batch, tradable: 5_000);
        await _client.SubmitAndWaitAsync(Transactions.FileMethodology("M-after", "After restart", MethodologyLevel.Group, "1", []), Participants.Bureau);
    }

    [Fact]
    public async Task The_block_stream_delivers_every_committed_block_in_order()
    {
        await IssuedToOwnerAsync(100);
        var head = (await _client.GetStatusAsync()).Height;
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var heights = new List<ulong>();
        await foreach (var reply in _client.StreamBlocksAsync(1, cancellation.Token))
        {
            heights.Add(reply.Block.Header.Height);
            Assert.All(reply.Receipts, r => Assert.Equal(RejectionCode.Unspecified, r.Code));
            if (reply.Block.Header.Height == head)
            {
                break;
            }
        }

        Assert.Equal(Enumerable.Range(1, (int)head).Select(h => (ulong)h), heights);
    }

    [Fact]
    public async Task A_scenario_lives_through_review_notice_objection_approval_and_evaluation()
    {
        var company = await Participants.RegisterAsync(_client, "travel-app", Role.ScenarioCompany);
        var citizen = await Participants.RegisterAsync(_client, "trader-c", Role.Trader);
        await _client.SubmitAndWaitAsync(Transactions.SetCalendar(2026, [new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 2)], [new DateOnly(2026, 10, 10)]), Participants.Bureau);
        await _client.SubmitAndWaitAsync(
            Transactions.FileScenarioMethodology("SM-TRAVEL", "Green travel", MethodologyLevel.Local, "1.0", [Transactions.EmissionFactor("cycling", "km", 120), Transactions.EmissionFactor("metro", "km", 37, 2)], 2_000),
            Participants.Bureau);
        await _client.SubmitAndWaitAsync(Transactions.ApplyScenario("S-TRAVEL", "Green travel, Kangbashi", "SM-TRAVEL"), company);
        await _client.SubmitAndWaitAsync(Transactions.AddExclusion("GS", "GS-5501", "S-OTHER", "an unrelated scenario listed in Gold Standard"), Participants.Bureau);

        var expert = await Participants.RegisterAsync(_client, "expert-1", Role.Expert);
        await _client.SubmitAndWaitAsync(Transactions.SubmitReview("S-TRAVEL", favourable: true, "factors match the methodology"), expert);
        await _client.SubmitAndWaitAsync(Transactions.StartPublicNotice("S-TRAVEL"), Participants.Operator);
        await _client.SubmitAndWaitAsync(Transactions.FileObjection("S-TRAVEL", "does the app double count metro rides?"), citizen);
        var refused = await Assert.ThrowsAsync<LedgerRejectedException>(() => _client.SubmitAndWaitAsync(Transactions.Approve("S-TRAVEL"), Participants.Bureau));
        Assert.Equal(RejectionCode.ObjectionUnanswered, refused.Code);
        await _client.SubmitAndWaitAsync(Transactions.AnswerObjection("S-TRAVEL", 1, "each ride is keyed by card and time window"), Participants.Bureau);
        await _client.SubmitAndWaitAsync(Transactions.Approve("S-TRAVEL"), Participants.Bureau);
        var today = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).DateTime);
        await _client.SubmitAndWaitAsync(Transactions.RecordEvaluation("S-TRAVEL", "consent records incomplete", today.AddDays(30)), Participants.Operator);

        var lifecycle = (await _client.GetLifecycleAsync("S-TRAVEL"))!;
        Assert.Equal((SubjectKind.Scenario, ProjectStatus.Approved, "travel-app"), (lifecycle.Subject.Kind, lifecycle.Subject.Status, lifecycle.Subject.Applicant));
        Assert.Equal("expert-1", lifecycle.Subject.Opinions.Single().ExpertId);
        Assert.True(lifecycle.Objections.Single().Answered);
        Assert.Equal("consent records incomplete", lifecycle.Evaluations.Single().Finding);
        Assert.True(lifecycle.NoticeElapsed, "the test network's development rules need no notice days");
        Assert.Null(await _client.GetLifecycleAsync("S-NONE"));
        Assert.Equal(2, (await _client.GetCalendarAsync(2026))!.Holidays.Count);
        Assert.Null(await _client.GetCalendarAsync(2031));
        Assert.Equal("S-OTHER", (await _client.GetExclusionAsync("GS", "GS-5501"))!.ProjectId);
        Assert.Null(await _client.GetExclusionAsync("VCS", "GS-5501"));
    }

    private const string TestVerifier = Ledger.Testing.TestLedger.Verifier;

    private async Task<(LedgerSigner Owner, string Batch)> IssuedToOwnerAsync(ulong grams)
    {
        var owner = await Participants.RegisterAsync(_client, "owner-a", Role.ProjectOwner);
        await _client.SubmitAndWaitAsync(Transactions.FileMethodology("M-PV", "Distributed photovoltaics", MethodologyLevel.Local, "1.0", ["pv"]), Participants.Bureau);
        await _client.SubmitAndWaitAsync(Transactions.ApplyProject("PV-1", "Rooftop PV", "M-PV"), owner);
        await Stories.ApproveAsync(_client, "PV-1");
        var issued = await _client.SubmitAndWaitAsync(Transactions.IssueProjectReductions("PV-1", Jan1, Jan1 + 30, grams, SHA256.HashData("report PV-1"u8), TestVerifier), Participants.Bureau, [Participants.Verifier]);
        return (owner, issued.Attribute("batch_id")!);
    }

    private async Task<List<string>> BlocksAsync(ulong head)
    {
        var hashes = new List<string>();
        for (var height = 1UL; height <= head; height++)
        {
            hashes.Add(Convert.ToHexString((await _client.GetBlockAsync(height))!.BlockHash.Span));
        }

        return hashes;
    }

    private async Task AssertHolds(string account, string batch, ulong tradable, ulong escrowed = 0, ulong retired = 0)
    {
        var balance = (await _client.GetBalancesAsync(account)).SingleOrDefault(b => b.BatchId == batch) ?? new BalanceRecord();
        Assert.Equal((tradable, escrowed, retired), (balance.TradableGrams, balance.EscrowedGrams, balance.RetiredGrams));
    }
}

using System.Diagnostics;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Crypto;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;
using Ledger.Core.Scenarios;

namespace Ledger.Integration.Tests;

/// <summary>
/// Scenario set-up through the SDK. <see cref="ApproveAsync"/> files the scenario methodology, registers
/// the company, applies and takes the scenario through the lifecycle (Stories.ApproveAsync).
/// </summary>
public static class ScenarioStories
{
    public const string MethodologyId = "M-TRAVEL";

    /// <summary>Yesterday in China Standard Time: a day that is over, so all its records may be reported.</summary>
    public static uint Yesterday => BatchIds.DayNumber(DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8))) - 1;

    public static async Task<LedgerSigner> ApproveAsync(LedgerClient client, string scenarioId, string company)
    {
        if (await client.GetMethodologyAsync(MethodologyId) is null)
        {
            var file = Transactions.FileMethodology(MethodologyId, "Low-carbon travel", MethodologyLevel.Local, "1.0", ["metro", "bike"]);
            file.FileMethodology.Kind = MethodologyKind.Scenario;
            file.FileMethodology.EmissionFactors.Add(new EmissionFactor { ActivityType = "bike", Unit = "km", GramsNumerator = 69, UnitsDenominator = 2 });
            file.FileMethodology.EmissionFactors.Add(new EmissionFactor { ActivityType = "metro", Unit = "ride", GramsNumerator = 120, UnitsDenominator = 1 });
            file.FileMethodology.DailyCapGramsPerUser = 5_000;
            await client.SubmitAndWaitAsync(file, Participants.Bureau);
        }

        var signer = await Participants.RegisterAsync(client, company, Role.ScenarioCompany);
        await client.SubmitAndWaitAsync(Transactions.ApplyScenario(scenarioId, "Green travel " + scenarioId, MethodologyId), signer);
        await Stories.ApproveAsync(client, scenarioId);
        return signer;
    }

    /// <summary>A company's pseudonymous id for a person: a salted hash (§14), 32 bytes.</summary>
    public static byte[] UserId(string company, int person) =>
        NetworkHashes.For(HashAlgorithm.Sha256).Hash(System.Text.Encoding.UTF8.GetBytes($"salt:{company}:{person}"));

    /// <summary>records metro rides by records / 4 users (each rides about four times), each its own fare transaction.</summary>
    public static IEnumerable<BehaviourRecord> MetroDay(string company, string runId, int records)
    {
        var hash = NetworkHashes.For(HashAlgorithm.Sha256);
        var users = Math.Max(1, records / 4);
        for (var i = 0; i < records; i++)
        {
            var start = (uint)(i % 20 * 3_600_000);
            yield return Transactions.BehaviourRecord(
                UserId(company, i % users), i % 5 == 0 ? "bike" : "metro", i % 5 == 0 ? (ulong)(1 + (i % 7)) : 1, start, start + 1_800_000,
                DedupKeys.For(hash, "ordos-metro-fare", $"{runId}-{i}"), $"consent-{i % users}");
        }
    }

    public sealed record DayResult(int Chunks, int Records, double SubmitSeconds, CommitResult Issuance, ScenarioDayVerification Verification);

    /// <summary>Submits a day in chunks (at most concurrency in flight, each waited for), then has the operator verify and the bureau issue it.</summary>
    public static async Task<DayResult> IssueDayAsync(IReadOnlyList<LedgerClient> clients, LedgerSigner company, string scenarioId, uint day, IEnumerable<BehaviourRecord> records, int concurrency)
    {
        var chunks = Transactions.BehaviourChunks(scenarioId, day, records);
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(concurrency);
        await Task.WhenAll(chunks.Select(async (chunk, i) =>
        {
            await gate.WaitAsync();
            try
            {
                await clients[i % clients.Count].SubmitAndWaitAsync(chunk, company);
            }
            finally
            {
                gate.Release();
            }
        }));
        var submitSeconds = clock.Elapsed.TotalSeconds;

        var methodology = (await clients[0].GetMethodologyAsync(MethodologyId))!;
        var chunkRecords = chunks.Select(c => (IReadOnlyList<BehaviourRecord>)c.SubmitBehaviourBatch.Records).ToList();
        var verification = Transactions.ScenarioDayVerification(HashAlgorithm.Sha256, scenarioId, day, chunkRecords, methodology);
        var issuance = await clients[0].SubmitAndWaitAsync(Transactions.IssueScenarioBatch(Participants.Operator.ParticipantId, [verification]), Participants.Bureau, [Participants.Operator]);
        return new DayResult(chunks.Count, chunkRecords.Sum(c => c.Count), submitSeconds, issuance, verification);
    }
}

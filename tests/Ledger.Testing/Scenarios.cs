using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Ledger.Core.Scenarios;

namespace Ledger.Testing;

/// <summary>
/// Scenario bodies and set-up for tests. <see cref="ApproveScenario"/> applies and takes a scenario
/// through review, public notice and approval (TestLedger.Approve).
/// </summary>
public static class Scenarios
{
    public const string MethodologyId = "M-LOWCARBON-TRAVEL";

    /// <summary>Yesterday of TestLedger's genesis (2025-01-01 00:00 CST): a day that is over.</summary>
    public const uint Day = 20088;

    public const ulong DailyCapGrams = 5_000;

    /// <summary>metro: 120 g a ride; bike: 34.5 g a km (69/2); walk: 0.3 g a step (3/10), so rounding shows.</summary>
    public static readonly EmissionFactor[] Factors =
    [
        new() { ActivityType = "bike", Unit = "km", GramsNumerator = 69, UnitsDenominator = 2 },
        new() { ActivityType = "metro", Unit = "ride", GramsNumerator = 120, UnitsDenominator = 1 },
        new() { ActivityType = "walk", Unit = "step", GramsNumerator = 3, UnitsDenominator = 10 },
    ];

    public static TransactionBody FileMethodology(string methodologyId = MethodologyId, ulong dailyCapGrams = DailyCapGrams) => new()
    {
        FileMethodology = new FileMethodology
        {
            MethodologyId = methodologyId,
            Title = "Low-carbon travel",
            Level = MethodologyLevel.Local,
            Version = "1.0",
            ActivityTypes = { Factors.Select(f => f.ActivityType) },
            Kind = MethodologyKind.Scenario,
            EmissionFactors = { Factors },
            DailyCapGramsPerUser = dailyCapGrams,
        },
    };

    /// <summary>A scenario company's application (§9).</summary>
    public static TransactionBody Apply(string scenarioId, string methodologyId = MethodologyId) => new()
    {
        ApplyScenario = new ApplyScenario { ScenarioId = scenarioId, Title = "Green travel " + scenarioId, MethodologyId = methodologyId },
    };

    /// <summary>Files the methodology if needed, registers the company if needed, applies and takes the scenario through review, notice and approval: it is ready to take records.</summary>
    public static void ApproveScenario(this TestLedger ledger, string scenarioId, string company, string methodologyId = MethodologyId)
    {
        if (ledger.View.GetMethodology(methodologyId) is null)
        {
            TestLedger.Committed(ledger.Submit(TestLedger.Bureau, FileMethodology(methodologyId)));
        }

        if (ledger.View.GetParticipant(company) is null)
        {
            ledger.Register(company, Role.ScenarioCompany);
        }

        TestLedger.Committed(ledger.Submit(company, Apply(scenarioId, methodologyId)));
        ledger.Approve(scenarioId);
    }

    /// <summary>A company's pseudonymous id for a person: its own salted hash, so two companies' ids for one person differ (§14).</summary>
    public static byte[] UserId(string company, int person) => SHA256.HashData(Encoding.UTF8.GetBytes($"salt-of-{company}|person-{person}"));

    /// <summary>docs/PROTOCOL.md §15.2: a hash of the behaviour's source event, the same whichever company reports it.</summary>
    public static byte[] DedupKey(string activityType, string sourceEventId) => SHA256.HashData(Encoding.UTF8.GetBytes($"{activityType}|{sourceEventId}"));

    public static BehaviourRecord Record(string company, int person, string activityType, ulong quantity, string sourceEventId, string consentRef = "consent-v1") => new()
    {
        UserId = ByteString.CopyFrom(UserId(company, person)),
        ActivityType = activityType,
        Quantity = quantity,
        WindowStartMs = 8 * 3_600_000,
        WindowEndMs = (8 * 3_600_000) + 1_800_000,
        DedupKey = ByteString.CopyFrom(DedupKey(activityType, sourceEventId)),
        ConsentRef = consentRef,
    };

    public static TransactionBody Chunk(string scenarioId, uint day, uint chunkIndex, IEnumerable<BehaviourRecord> records) => new()
    {
        SubmitBehaviourBatch = new SubmitBehaviourBatch { ScenarioId = scenarioId, Day = day, ChunkIndex = chunkIndex, Records = { records } },
    };

    public static TransactionBody Issue(params ScenarioDayVerification[] days) => new()
    {
        IssueScenarioBatch = new IssueScenarioBatch { OperatorId = TestLedger.Operator, Days = { days } },
    };

    /// <summary>The operator's verification of a day, from the chunks it was sent (in chunk index order) and the grams it computed.</summary>
    public static ScenarioDayVerification Verification(INetworkHash hash, string scenarioId, uint day, IReadOnlyList<IReadOnlyList<BehaviourRecord>> chunks, ulong grams) => new()
    {
        ScenarioId = scenarioId,
        Day = day,
        Chunks = (uint)chunks.Count,
        Records = (ulong)chunks.Sum(c => c.Count),
        RecordsRoot = ByteString.CopyFrom(DayRoots.Day(hash, chunks.Select(c => DayRoots.Chunk(hash, c)).ToList())),
        Grams = grams,
    };

    /// <summary>The verification that matches what the ledger holds for a day (for tests about something else).</summary>
    public static ScenarioDayVerification VerificationOf(TestLedger ledger, string scenarioId, uint day)
    {
        var view = ledger.View;
        var record = view.GetScenarioDay(scenarioId, day) ?? throw new InvalidOperationException($"no day {day} for {scenarioId}");
        var roots = Enumerable.Range(0, (int)record.ChunkIndexEnd)
            .Select(i => view.GetBehaviourChunk(scenarioId, day, (uint)i)?.RecordsRoot.ToByteArray() ?? new byte[32]).ToList();
        return new ScenarioDayVerification
        {
            ScenarioId = scenarioId,
            Day = day,
            Chunks = record.Chunks,
            Records = record.Records,
            RecordsRoot = ByteString.CopyFrom(DayRoots.Day(ledger.Machine.Parameters.Hash, roots)),
            Grams = record.Grams,
        };
    }

    public static TransactionBody Withdraw(byte[] userId, string batchId, ulong grams, string traderId) => new()
    {
        WithdrawCustody = new WithdrawCustody { UserId = ByteString.CopyFrom(userId), BatchId = batchId, AmountGrams = grams, TraderId = traderId },
    };
}

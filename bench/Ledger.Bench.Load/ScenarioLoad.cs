using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Client.Keys;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;
using Ledger.Core.Scenarios;

namespace Ledger.Bench.Load;

/// <summary>
/// scenario [records] [in flight] [node URLs...]: one scenario day of records submitted in chunks
/// (SubmitAndWait, at most "in flight" at once, spread over the nodes), then verified by the operator and
/// issued by the bureau. Prints records/s. Registers a fresh scenario company and scenario on each run.
/// </summary>
public static class ScenarioLoad
{
    /// <summary>What a run measured: records submitted and committed over the submission phase's seconds.</summary>
    public sealed record Result(int Records, double Seconds, int Failures, bool Issued)
    {
        public double RecordsPerSecond => Records / Seconds;
    }

    private static LedgerClientOptions WithLongWait(LedgerClientOptions options)
    {
        options.SubmitAndWaitTimeout = TimeSpan.FromMinutes(5);
        return options;
    }

    public static async Task<Result> RunAsync(string[] args)
    {
        var records = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var inFlight = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
        var nodes = args.Length > 2 ? args[2..].Select(u => new Uri(u)).ToArray() : BenchNodes.Devnet();
        var keys = Environment.GetEnvironmentVariable("LEDGER_BENCH_KEYS") is { Length: > 0 } folder ? folder : "network-config/devnet/keys";
        var bureau = new LedgerSigner("bureau", KeyFile.Load(Path.Combine(keys, "bureau.insecure.pem")));
        var @operator = new LedgerSigner("operator", KeyFile.Load(Path.Combine(keys, "operator.insecure.pem")));
        var clients = nodes.Select(n => new LedgerClient(WithLongWait(BenchNodes.Options(n)))).ToArray();
        var client = clients[0];
        var hash = NetworkHashes.For((await client.GetStatusAsync()).HashAlgorithm);

        var run = DateTime.UtcNow.ToString("HHmmssfff", CultureInfo.InvariantCulture);
        var methodologyId = $"M-BENCH-{run}";
        var scenarioId = $"S-BENCH-{run}";
        var company = new LedgerSigner($"bench-app-{run}", KeyFile.Generate(KeyAlgorithm.Ed25519));
        var file = Transactions.FileMethodology(methodologyId, "Low-carbon travel (bench)", MethodologyLevel.Local, "1.0", ["bike", "metro"]);
        file.FileMethodology.Kind = MethodologyKind.Scenario;
        file.FileMethodology.EmissionFactors.Add(new EmissionFactor { ActivityType = "bike", Unit = "km", GramsNumerator = 69, UnitsDenominator = 2 });
        file.FileMethodology.EmissionFactors.Add(new EmissionFactor { ActivityType = "metro", Unit = "ride", GramsNumerator = 120, UnitsDenominator = 1 });
        file.FileMethodology.DailyCapGramsPerUser = 5_000;
        await client.SubmitAndWaitAsync(file, bureau);
        await client.SubmitAndWaitAsync(Transactions.RegisterParticipant(company.ParticipantId, "Bench travel app", [Role.ScenarioCompany], company.Key.ToPublicKey()), @operator);
        await client.SubmitAndWaitAsync(Transactions.ApplyScenario(scenarioId, "Bench travel", methodologyId), company);
        // The devnet's development rules: one expert opinion, no notice wait (network-config/devnet/genesis.json).
        var expert = new LedgerSigner($"bench-expert-{run}", KeyFile.Generate(KeyAlgorithm.Ed25519));
        await client.SubmitAndWaitAsync(Transactions.RegisterParticipant(expert.ParticipantId, "Bench expert", [Role.Expert], expert.Key.ToPublicKey()), bureau);
        await client.SubmitAndWaitAsync(Transactions.SubmitReview(scenarioId, favourable: true, "bench"), expert);
        await client.SubmitAndWaitAsync(Transactions.StartPublicNotice(scenarioId), @operator);
        await client.SubmitAndWaitAsync(Transactions.Approve(scenarioId), bureau);

        var day = BatchIds.DayNumber(DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8))) - 1;
        var prepared = Stopwatch.StartNew();
        var chunks = Transactions.BehaviourChunks(scenarioId, day, Records(hash, company.ParticipantId, run, records));
        var envelopes = await Task.WhenAll(chunks.Select(chunk => client.PrepareAsync(chunk, company)));
        Console.WriteLine($"{records:N0} records in {chunks.Count:N0} chunks, prepared and signed in {prepared.Elapsed.TotalSeconds:0.0} s");

        var startHeight = (await client.GetStatusAsync()).Height;
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(inFlight);
        var failures = 0;
        await Task.WhenAll(envelopes.Select(async (envelope, i) =>
        {
            await gate.WaitAsync();
            try
            {
                var result = await SubmitAndWaitAsync(clients[i % clients.Length], hash, envelope);
                if (!result)
                {
                    Interlocked.Increment(ref failures);
                    Console.WriteLine($"chunk {i} was not committed");
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        var endHeight = (await client.GetStatusAsync()).Height;
        Console.WriteLine($"nodes {nodes.Length}, in flight {inFlight}: {seconds:0.0} s, {records / seconds:N0} records/s, {chunks.Count / seconds:0.0} chunks/s, {endHeight - startHeight} blocks, failures {failures}");

        var issueClock = Stopwatch.StartNew();
        var methodology = (await client.GetMethodologyAsync(methodologyId))!;
        var verification = Transactions.ScenarioDayVerification(hash.Algorithm, scenarioId, day, chunks.Select(c => (IReadOnlyList<BehaviourRecord>)c.SubmitBehaviourBatch.Records).ToList(), methodology);
        var issuance = await client.TrySubmitAndWaitAsync(Transactions.IssueScenarioBatch(@operator.ParticipantId, [verification]), bureau, [@operator]);
        Console.WriteLine($"issuance: {(issuance.IsCommitted ? "committed" : issuance.Code + " " + issuance.Message)}, {verification.Grams:N0} g, verified and issued in {issueClock.Elapsed.TotalSeconds:0.0} s");
        foreach (var each in clients)
        {
            await each.DisposeAsync();
        }

        return new Result(records, seconds, failures, issuance.IsCommitted);
    }

    /// <summary>Submit and wait; a node's wait deadline (30 s) only means "still pending", so keep asking until it commits or is refused.</summary>
    private static async Task<bool> SubmitAndWaitAsync(LedgerClient client, INetworkHash hash, Envelope envelope)
    {
        string transactionId;
        try
        {
            return (await client.TrySubmitAndWaitAsync(envelope)).IsCommitted;
        }
        catch (LedgerTimeoutException)
        {
            transactionId = Convert.ToHexStringLower(SignBytes.TransactionId(hash, envelope));
        }

        while (true)
        {
            var reply = await client.GetTransactionAsync(transactionId);
            if (reply is { Status: TransactionStatus.Committed or TransactionStatus.Refused })
            {
                return reply.Status == TransactionStatus.Committed && reply.Receipt.Code == RejectionCode.Unspecified;
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Metro rides and bike trips of records / 4 users, each its own source event.</summary>
    private static IEnumerable<BehaviourRecord> Records(INetworkHash hash, string company, string run, int records)
    {
        var users = Math.Max(1, records / 4);
        for (var i = 0; i < records; i++)
        {
            var start = (uint)(i % 20 * 3_600_000);
            var userId = hash.Hash(Encoding.UTF8.GetBytes($"salt:{company}:{i % users}"));
            yield return Transactions.BehaviourRecord(
                userId, i % 5 == 0 ? "bike" : "metro", i % 5 == 0 ? (ulong)(1 + (i % 7)) : 1, start, start + 1_800_000,
                DedupKeys.For(hash, "ordos-metro-fare", $"{run}-{i}"), $"consent-{i % users}");
        }
    }
}

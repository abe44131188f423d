using Google.Protobuf;
using Ledger.Core;
using Ledger.Core.Crypto;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;
using Ledger.Core.Scenarios;

namespace Ledger.Client.Builders;

/// <summary>Scenario issuance and custody (§13–§16): behaviour chunks, the operator's verification, the bureau's approval, withdrawals.</summary>
public static partial class Transactions
{
    /// <summary>
    /// Room left in an envelope for the body after the envelope's own fields and up to three signatures;
    /// chunks are cut so that their body stays under it.
    /// </summary>
    private const int BehaviourBodyBytesMax = Limits.EnvelopeBytesMax - 1024;

    /// <summary>One desensitised behaviour record (docs/PROTOCOL.md §15.1). Windows are milliseconds after 00:00 CST of the day.</summary>
    public static BehaviourRecord BehaviourRecord(
        ReadOnlySpan<byte> userId,
        string activityType,
        ulong quantity,
        uint windowStartMs,
        uint windowEndMs,
        ReadOnlySpan<byte> dedupKey,
        string consentRef)
    {
        if (quantity is 0 or > Limits.BehaviourQuantityMax || windowStartMs > windowEndMs || windowEndMs > Limits.DayMs)
        {
            throw new ArgumentException($"quantity must be 1-{Limits.BehaviourQuantityMax} and the window start <= end <= {Limits.DayMs} ms");
        }

        return new BehaviourRecord
        {
            UserId = ByteString.CopyFrom(Require.Hash(userId, nameof(userId))),
            ActivityType = Require.Id(activityType, nameof(activityType)),
            Quantity = quantity,
            WindowStartMs = windowStartMs,
            WindowEndMs = windowEndMs,
            DedupKey = ByteString.CopyFrom(Require.Hash(dedupKey, nameof(dedupKey))),
            // §13: no consent, no record.
            ConsentRef = Require.Text(consentRef, nameof(consentRef), Limits.ConsentRefLengthMax),
        };
    }

    /// <summary>One chunk of a scenario day. Signed by the scenario's SCENARIO_COMPANY.</summary>
    public static TransactionBody SubmitBehaviourBatch(string scenarioId, uint day, uint chunkIndex, IEnumerable<BehaviourRecord> records)
    {
        var body = new TransactionBody
        {
            SubmitBehaviourBatch = new SubmitBehaviourBatch { ScenarioId = Require.Id(scenarioId, nameof(scenarioId)), Day = day, ChunkIndex = chunkIndex, Records = { records } },
        };
        var count = body.SubmitBehaviourBatch.Records.Count;
        if (count is 0 or > Limits.BehaviourRecordsPerChunkMax || body.CalculateSize() > BehaviourBodyBytesMax)
        {
            throw new ArgumentException($"a chunk holds 1-{Limits.BehaviourRecordsPerChunkMax} records within {BehaviourBodyBytesMax} bytes; use BehaviourChunks to cut a day", nameof(records));
        }

        return body;
    }

    /// <summary>
    /// A day's records cut into chunks of at most Limits.BehaviourRecordsPerChunkMax records that fit an
    /// envelope, numbered from firstChunkIndex. The records of chunk i are chunks[i].SubmitBehaviourBatch.Records.
    /// </summary>
    public static IReadOnlyList<TransactionBody> BehaviourChunks(string scenarioId, uint day, IEnumerable<BehaviourRecord> records, uint firstChunkIndex = 0)
    {
        var chunks = new List<TransactionBody>();
        var current = new List<BehaviourRecord>();
        var bytes = 64;
        foreach (var record in records)
        {
            var size = record.CalculateSize() + 4;
            if (current.Count == Limits.BehaviourRecordsPerChunkMax || bytes + size > BehaviourBodyBytesMax)
            {
                chunks.Add(SubmitBehaviourBatch(scenarioId, day, firstChunkIndex + (uint)chunks.Count, current));
                current = [];
                bytes = 64;
            }

            current.Add(record);
            bytes += size;
        }

        if (current.Count > 0)
        {
            chunks.Add(SubmitBehaviourBatch(scenarioId, day, firstChunkIndex + (uint)chunks.Count, current));
        }

        return chunks;
    }

    /// <summary>
    /// The operator's digital verification of a day (§15) from the chunks it was sent, in chunk index order:
    /// their Merkle root, and the grams computed with the methodology's factors and cap as the ledger does.
    /// </summary>
    public static ScenarioDayVerification ScenarioDayVerification(HashAlgorithm hashAlgorithm, string scenarioId, uint day, IReadOnlyList<IReadOnlyList<BehaviourRecord>> chunks, MethodologyRecord methodology)
    {
        var hash = NetworkHashes.For(hashAlgorithm);
        var factors = Reductions.Factors(methodology);
        var users = new Dictionary<ByteString, Google.Protobuf.Collections.RepeatedField<ActivityQuantity>>();
        foreach (var record in chunks.SelectMany(chunk => chunk))
        {
            if (!users.TryGetValue(record.UserId, out var quantities))
            {
                users[record.UserId] = quantities = [];
            }

            Reductions.Add(quantities, record.ActivityType, record.Quantity);
        }

        var grams = users.Values.Aggregate(0UL, (sum, quantities) => checked(sum + (Reductions.Grams(quantities, factors, methodology.DailyCapGramsPerUser) ?? throw new ArgumentException("a user's reductions overflow"))));
        return new ScenarioDayVerification
        {
            ScenarioId = Require.Id(scenarioId, nameof(scenarioId)),
            Day = day,
            Chunks = (uint)chunks.Count,
            Records = (ulong)chunks.Sum(chunk => chunk.Count),
            RecordsRoot = ByteString.CopyFrom(DayRoots.Day(hash, chunks.Select(chunk => DayRoots.Chunk(hash, chunk)).ToList())),
            Grams = grams,
        };
    }

    /// <summary>
    /// The BUREAU approves the issuance of one or more scenario days; co-signed by operatorId, the OPERATOR
    /// whose digital verification each entry is. Each day becomes batch ORD-S-&lt;scenario&gt;-&lt;yyyyMMdd&gt;.
    /// </summary>
    public static TransactionBody IssueScenarioBatch(string operatorId, IEnumerable<ScenarioDayVerification> days)
    {
        var body = new IssueScenarioBatch { OperatorId = Require.Id(operatorId, nameof(operatorId)), Days = { days } };
        if (body.Days.Count is 0 or > Limits.ScenarioDaysPerIssuanceMax)
        {
            throw new ArgumentException($"days must hold 1-{Limits.ScenarioDaysPerIssuanceMax} entries", nameof(days));
        }

        return new TransactionBody { IssueScenarioBatch = body };
    }

    /// <summary>The batch id a scenario day issues as.</summary>
    public static string ScenarioBatchId(string scenarioId, uint day) => BatchIds.ForScenario(Require.Id(scenarioId, nameof(scenarioId)), day);

    /// <summary>
    /// Moves a user's custody units to the user's own TRADER account. Signed by the SCENARIO_COMPANY holding them,
    /// which thereby vouches that traderId is that user.
    /// </summary>
    public static TransactionBody WithdrawCustody(ReadOnlySpan<byte> userId, string batchId, ulong amountGrams, string traderId) => new()
    {
        WithdrawCustody = new WithdrawCustody
        {
            UserId = ByteString.CopyFrom(Require.Hash(userId, nameof(userId))),
            BatchId = Require.Id(batchId, nameof(batchId), Limits.BatchIdLengthMax),
            AmountGrams = Require.Positive(amountGrams, nameof(amountGrams)),
            TraderId = Require.Id(traderId, nameof(traderId)),
        },
    };
}

using System.Globalization;
using Google.Protobuf;
using Ledger.Core.Execution;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Scenarios;

/// <summary>
/// SubmitBehaviourBatch (§13 §14): one chunk of a scenario day's desensitised behaviour records. The
/// ledger checks every record, counts each dedup key once across all scenarios (§7), and adds the
/// records to per-user accumulators (the custody records of the day's future batch), so chunks may
/// arrive separately and issuance writes nothing per user. A chunk is taken whole or refused whole.
/// </summary>
public static class BehaviourHandler
{
    public static Outcome Submit(TransactionContext ctx, SubmitBehaviourBatch tx)
    {
        if (ctx.RequireSignerRole(Role.ScenarioCompany, "submit behaviour records") is { } unauthorized)
        {
            return unauthorized;
        }

        if (ValidateChunk(tx) is { } invalid)
        {
            return invalid;
        }

        if (ScenarioRules.Resolve(ctx, tx.ScenarioId, out var scenario, out var methodology) is { } noScenario)
        {
            return noScenario;
        }

        if (tx.Day < scenario.RecordsFromDay)
        {
            // §11: a suspended scenario earns nothing for the days it was suspended, and cannot backfill them after reinstatement.
            return Outcome.Reject(RejectionCode.InvalidPeriod, $"scenario {tx.ScenarioId} was reinstated on {BatchIds.Date(scenario.RecordsFromDay)}; records of {BatchIds.Date(tx.Day)} are refused");
        }

        if (scenario.Applicant != ctx.Signer.ParticipantId)
        {
            return Outcome.Reject(RejectionCode.UnauthorizedRole, $"{ctx.Signer.ParticipantId} is not the applicant of scenario {scenario.ProjectId}; only {scenario.Applicant} submits its records");
        }

        var day = ctx.State.GetScenarioDay(tx.ScenarioId, tx.Day) ?? new ScenarioDayRecord { ScenarioId = tx.ScenarioId, Day = tx.Day, Company = scenario.Applicant };
        if (RequireOpenChunk(ctx, tx, day) is { } closed)
        {
            return closed;
        }

        var factors = Reductions.Factors(methodology);
        if (CheckRecords(ctx, tx, factors) is { } badRecord)
        {
            return badRecord;
        }

        return Accept(ctx, tx, day, factors, methodology.DailyCapGramsPerUser);
    }

    private static Outcome Accept(TransactionContext ctx, SubmitBehaviourBatch tx, ScenarioDayRecord day, IReadOnlyDictionary<string, EmissionFactor> factors, ulong capGrams)
    {
        var batchId = BatchIds.ForScenario(tx.ScenarioId, tx.Day);
        var updatedDay = day.Clone();
        if (Accumulate(ctx, tx, updatedDay, batchId, factors, capGrams) is { } overflow)
        {
            return overflow;
        }

        ctx.State.PutDedupUses(tx.Records.Select(record => record.DedupKey), new DedupUse { ScenarioId = tx.ScenarioId, Day = tx.Day });

        // The root depends on the records alone, so the node's repeated executions of this chunk compute it once.
        var chunkRoot = ctx.Memo is { } memo
            ? memo.GetOrAdd(ctx.TransactionId, () => DayRoots.Chunk(ctx.Hash, tx.Records))
            : DayRoots.Chunk(ctx.Hash, tx.Records);
        ctx.State.PutBehaviourChunk(tx.ScenarioId, tx.Day, tx.ChunkIndex, new BehaviourChunkRecord
        {
            RecordsRoot = ByteString.CopyFrom(chunkRoot),
            Records = (uint)tx.Records.Count,
            TransactionId = ByteString.CopyFrom(ctx.TransactionId),
        });
        updatedDay.Chunks = checked(updatedDay.Chunks + 1);
        updatedDay.ChunkIndexEnd = Math.Max(updatedDay.ChunkIndexEnd, tx.ChunkIndex + 1);
        updatedDay.Records = checked(updatedDay.Records + (ulong)tx.Records.Count);
        ctx.State.PutScenarioDay(updatedDay);
        return Outcome.Committed(
            ("batch_id", batchId),
            ("chunk_records_root", Convert.ToHexStringLower(chunkRoot)),
            ("day_records", updatedDay.Records.ToString(CultureInfo.InvariantCulture)),
            ("day_grams", updatedDay.Grams.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>Adds the chunk to each user's custody record: one read and one write per user, not per record.</summary>
    private static Outcome? Accumulate(TransactionContext ctx, SubmitBehaviourBatch tx, ScenarioDayRecord day, string batchId, IReadOnlyDictionary<string, EmissionFactor> factors, ulong capGrams)
    {
        // Grouped by user in user id byte order, each user's records in chunk order: everything that
        // follows is independent of hashing order.
        var records = tx.Records;
        var order = ByUser(records);
        for (var start = 0; start < order.Length;)
        {
            var userId = records[order[start]].UserId;
            var end = start + 1;
            while (end < order.Length && records[order[end]].UserId.Span.SequenceEqual(userId.Span))
            {
                end++;
            }

            var custody = ctx.State.GetCustody(day.Company, userId.Span, batchId);
            if (custody is null)
            {
                custody = new CustodyRecord { Company = day.Company, UserId = userId, BatchId = batchId, ScenarioId = day.ScenarioId, Day = day.Day };
                day.Users = checked(day.Users + 1);
            }

            var before = custody.Grams;
            for (var i = start; i < end; i++)
            {
                Reductions.Add(custody.Quantities, records[order[i]].ActivityType, records[order[i]].Quantity);
            }

            start = end;

            if (Reductions.Grams(custody.Quantities, factors, capGrams) is not { } after || checked(day.Grams - before + after) > Limits.GramsPerBatchMax)
            {
                return Outcome.Reject(RejectionCode.InvalidAmount, $"the reductions of scenario {day.ScenarioId} on {BatchIds.Date(day.Day)} would pass {Limits.GramsPerBatchMax} g");
            }

            // Quantities only grow, so a user's grams never fall: the day's total stays the sum over its users.
            Invariant.Require(after >= before, "a user's reductions never decrease as records arrive");
            custody.Grams = after;
            day.Grams = day.Grams - before + after;
            ctx.State.PutCustody(custody);
        }

        return null;
    }

    /// <summary>Record indices sorted by user id bytes, then by position: a user's records are adjacent and in chunk order.</summary>
    internal static int[] ByUser(IReadOnlyList<BehaviourRecord> records)
    {
        var order = new int[records.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (x, y) =>
        {
            var byUser = records[x].UserId.Span.SequenceCompareTo(records[y].UserId.Span);
            return byUser != 0 ? byUser : x.CompareTo(y);
        });
        return order;
    }

    private static Outcome? RequireOpenChunk(TransactionContext ctx, SubmitBehaviourBatch tx, ScenarioDayRecord day)
    {
        if (day.BatchId.Length > 0)
        {
            return Outcome.Reject(RejectionCode.DayAlreadyIssued, $"scenario {tx.ScenarioId} on {BatchIds.Date(tx.Day)} was issued as {day.BatchId}; it takes no more records");
        }

        return ctx.State.GetBehaviourChunk(tx.ScenarioId, tx.Day, tx.ChunkIndex) is null
            ? null
            : Outcome.Reject(RejectionCode.ChunkAlreadySubmitted, $"chunk {tx.ChunkIndex} of scenario {tx.ScenarioId} on {BatchIds.Date(tx.Day)} has already committed");
    }

    /// <summary>Each record in order; the first problem found refuses the chunk and names the record.</summary>
    private static Outcome? CheckRecords(TransactionContext ctx, SubmitBehaviourBatch tx, IReadOnlyDictionary<string, EmissionFactor> factors)
    {
        var dayStartMs = ScenarioRules.DayStartMs(tx.Day);
        var seen = new HashSet<ByteString>();
        for (var i = 0; i < tx.Records.Count; i++)
        {
            var record = tx.Records[i];
            if (BehaviourRecords.Problem(record, i, dayStartMs, ctx.Block.TimeMs) is { } invalid)
            {
                return invalid;
            }

            if (!factors.ContainsKey(record.ActivityType))
            {
                return Outcome.Reject(RejectionCode.UnknownActivity, $"record {i}: activity type {record.ActivityType} has no emission factor in the scenario's methodology");
            }

            if (!seen.Add(record.DedupKey))
            {
                return Outcome.Reject(RejectionCode.DuplicateRecord, $"record {i}: dedup key {Convert.ToHexStringLower(record.DedupKey.Span)} appears twice in this chunk");
            }

            if (ctx.State.GetDedupUse(record.DedupKey.Span) is { } use)
            {
                // §7: one behaviour counts once, whichever scenario reported it first.
                return Outcome.Reject(RejectionCode.DuplicateRecord, $"record {i}: dedup key {Convert.ToHexStringLower(record.DedupKey.Span)} was already counted in scenario {use.ScenarioId} on {BatchIds.Date(use.Day)}");
            }
        }

        return null;
    }

    private static Outcome? ValidateChunk(SubmitBehaviourBatch tx)
    {
        if (!Limits.IsValidId(tx.ScenarioId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "scenario_id must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        }

        if (tx.Day > BatchIds.DayNumberMax || tx.ChunkIndex >= Limits.BehaviourChunksPerDayMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"day must be a date before year 10000 and chunk_index below {Limits.BehaviourChunksPerDayMax}");
        }

        return tx.Records.Count is 0 or > Limits.BehaviourRecordsPerChunkMax
            ? Outcome.Reject(RejectionCode.InvalidField, $"a chunk holds 1-{Limits.BehaviourRecordsPerChunkMax} records, not {tx.Records.Count}")
            : null;
    }
}

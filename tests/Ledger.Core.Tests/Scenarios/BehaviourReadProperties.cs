using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Google.Protobuf;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;
using Ledger.Core.Scenarios;
using Ledger.Core.State;
using Outcome = Ledger.Core.Execution.Outcome;
using S = Ledger.Testing.Scenarios;

namespace Ledger.Core.Tests.Scenarios;

/// <summary>
/// D44: a chunk's dedup uses are read together after the stateless checks. The outcome (code and message,
/// so the same record is named) equals that of the old loop, which checked each record whole, reading its
/// dedup use one at a time, before the next.
/// </summary>
public sealed class BehaviourReadProperties
{
    private const uint Day = 20_000;

    [Property(MaxTest = 300, Arbitrary = [typeof(BehaviourReadRuns)])]
    public Property Checking_a_chunk_with_batched_dedup_reads_gives_the_old_outcome(BehaviourReadRun run)
    {
        var state = new InMemoryState();
        var committed = new WriteSet();
        foreach (var used in run.UsedEvents)
        {
            committed.Put(StateKeys.Dedup(S.DedupKey("bike", $"e{used}")), new DedupUse { ScenarioId = "s-old", Day = Day - 1 }.ToByteArray());
        }

        state.Apply(committed);
        var blockOverlay = new StateOverlay(state);
        foreach (var pending in run.PendingEvents)
        {
            // An earlier transaction of the same block used this key: it is in the block's overlay, not the store.
            blockOverlay.Put(StateKeys.Dedup(S.DedupKey("bike", $"e{pending}")), new DedupUse { ScenarioId = "s-block", Day = Day }.ToByteArray());
        }

        var tx = new SubmitBehaviourBatch { ScenarioId = "s-1", Day = Day, ChunkIndex = 0 };
        tx.Records.AddRange(run.Records.Select(Record));
        var factors = S.Factors.ToDictionary(f => f.ActivityType);
        var context = Context(new LedgerState(new StateOverlay(blockOverlay)));

        var batched = BehaviourHandler.CheckRecords(context, tx, factors);
        var reference = OneAtATime(context, tx, factors);
        return (batched == reference || (batched is { } b && reference is { } r && b.Code == r.Code && b.Message == r.Message))
            .Label($"batched: {batched?.Code} {batched?.Message}; one at a time: {reference?.Code} {reference?.Message}");
    }

    [Fact]
    public void The_generator_reaches_every_kind_of_refusal()
    {
        var codes = new HashSet<RejectionCode>();
        var sawStoredUse = false;
        foreach (var run in BehaviourReadRuns.Any.Sample(200, new Rnd(20261125UL, 1UL), 30))
        {
            var outcome = Checking(run);
            codes.Add(outcome?.Code ?? RejectionCode.Unspecified);
            sawStoredUse |= outcome?.Message.Contains("already counted", StringComparison.Ordinal) == true;
        }

        Assert.True(sawStoredUse, "no chunk met a dedup key already counted");
        RejectionCode[] expected = [RejectionCode.Unspecified, RejectionCode.DuplicateRecord, RejectionCode.InvalidField, RejectionCode.NoConsent, RejectionCode.UnknownActivity];
        Assert.All(expected, code => Assert.Contains(code, codes));
    }

    private static Outcome? Checking(BehaviourReadRun run)
    {
        var state = new InMemoryState();
        var committed = new WriteSet();
        foreach (var used in run.UsedEvents.Concat(run.PendingEvents))
        {
            committed.Put(StateKeys.Dedup(S.DedupKey("bike", $"e{used}")), new DedupUse { ScenarioId = "s-old", Day = Day - 1 }.ToByteArray());
        }

        state.Apply(committed);
        var tx = new SubmitBehaviourBatch { ScenarioId = "s-1", Day = Day, ChunkIndex = 0 };
        tx.Records.AddRange(run.Records.Select(Record));
        return BehaviourHandler.CheckRecords(Context(new LedgerState(new StateOverlay(state))), tx, S.Factors.ToDictionary(f => f.ActivityType));
    }

    private static BehaviourRecord Record(RecordSpec2 spec)
    {
        var activity = spec.Activity < S.Factors.Length ? S.Factors[spec.Activity].ActivityType : "unknown-activity";
        var record = S.Record("company-1", spec.Person, activity, (ulong)spec.Quantity, $"e{spec.Event}", spec.NoConsent ? "" : "consent-v1");

        // The dedup key depends on the event alone, so one event repeated under another activity still collides.
        record.DedupKey = ByteString.CopyFrom(S.DedupKey("bike", $"e{spec.Event}"));
        if (spec.LateWindow)
        {
            record.WindowEndMs = Limits.DayMs + 1;
        }

        return record;
    }

    private static TransactionContext Context(LedgerState state) => new()
    {
        State = state,
        Block = new BlockContext(10, ScenarioRules.DayStartMs(Day + 1) + 1),
        Hash = Sha256Hash.Instance,
        Rules = new LedgerRules(5, 2, true),
        TransactionId = new byte[32],
        Signer = new ParticipantRecord { ParticipantId = "company-1" },
        CoSigners = [],
    };

    /// <summary>The loop as it was before D44: each record's checks, its dedup use read on its own, in order.</summary>
    private static Outcome? OneAtATime(TransactionContext ctx, SubmitBehaviourBatch tx, IReadOnlyDictionary<string, EmissionFactor> factors)
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
                return Outcome.Reject(RejectionCode.DuplicateRecord, $"record {i}: dedup key {Convert.ToHexStringLower(record.DedupKey.Span)} was already counted in scenario {use.ScenarioId} on {BatchIds.Date(use.Day)}");
            }
        }

        return null;
    }
}

public sealed record RecordSpec2(int Person, int Activity, int Quantity, int Event, bool NoConsent, bool LateWindow)
{
    public override string ToString() => $"p{Person}:a{Activity}x{Quantity}@e{Event}{(NoConsent ? "!" : "")}{(LateWindow ? "late" : "")}";
}

public sealed record BehaviourReadRun(IReadOnlyList<RecordSpec2> Records, IReadOnlyList<int> UsedEvents, IReadOnlyList<int> PendingEvents)
{
    public override string ToString() => $"[{string.Join(" ", Records)}] used {string.Join(",", UsedEvents)} pending {string.Join(",", PendingEvents)}";
}

public static class BehaviourReadRuns
{
    private static readonly Gen<RecordSpec2> Spec =
        from person in Gen.Choose(0, 3)
        from activity in Gen.Frequency((12, Gen.Choose(0, S.Factors.Length - 1)), (1, Gen.Constant(S.Factors.Length)))
        from quantity in Gen.Frequency((12, Gen.Choose(1, 5)), (1, Gen.Constant(0)))
        from eventId in Gen.Choose(0, 40)
        from noConsent in Gen.Frequency((15, Gen.Constant(false)), (1, Gen.Constant(true)))
        from late in Gen.Frequency((15, Gen.Constant(false)), (1, Gen.Constant(true)))
        select new RecordSpec2(person, activity, quantity, eventId, noConsent, late);

    public static readonly Gen<BehaviourReadRun> Any =
        from records in Gen.Choose(1, 12).SelectMany(n => Spec.ListOf(n))
        from used in Gen.Choose(0, 40).ListOf().Select(l => l.Take(3).ToList())
        from pending in Gen.Choose(0, 40).ListOf().Select(l => l.Take(2).ToList())
        select new BehaviourReadRun(records.ToList(), used, pending);

    public static Arbitrary<BehaviourReadRun> Runs() => Arb.From(Any);
}

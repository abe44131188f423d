using System.Globalization;
using Google.Protobuf;
using Ledger.Core.Execution;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Scenarios;

/// <summary>
/// IssueScenarioBatch (§15 §16): the BUREAU approves, the co-signing OPERATOR's digital verification
/// states what it verified for each day, and each day becomes a batch held in custody for the users.
/// One transaction may approve many days; all issue or none.
/// </summary>
public static class ScenarioIssuanceHandler
{
    public static Outcome Issue(TransactionContext ctx, IssueScenarioBatch tx)
    {
        if (ctx.RequireSignerRole(Role.Bureau, "approve a scenario issuance") is { } unauthorized)
        {
            return unauthorized;
        }

        if (Validate(ctx, tx) is { } invalid)
        {
            return invalid;
        }

        if (RequireOperator(ctx, tx.OperatorId) is { } noOperator)
        {
            return noOperator;
        }

        var batchIds = new List<string>();
        UInt128 grams = 0;
        foreach (var verification in tx.Days)
        {
            if (IssueDay(ctx, tx.OperatorId, verification) is { Code: not RejectionCode.Unspecified } refused)
            {
                return refused;
            }

            batchIds.Add(BatchIds.ForScenario(verification.ScenarioId, verification.Day));
            grams += verification.Grams;
        }

        return Outcome.Committed(("batch_ids", string.Join(",", batchIds)), ("issued_grams", grams.ToString(CultureInfo.InvariantCulture)));
    }

    private static Outcome IssueDay(TransactionContext ctx, string operatorId, ScenarioDayVerification verification)
    {
        if (ScenarioRules.Resolve(ctx, verification.ScenarioId, out var scenario, out _) is { } noScenario)
        {
            return noScenario;
        }

        if (Corrections.CorrectionsHandler.RequireNoShortfall(ctx.State, scenario.Applicant) is { } owes)
        {
            // §11: a company owing units from a correction issues nothing until it makes them good.
            return owes;
        }

        if (Participants.ParticipantsHandler.RequireNotSuspended(ctx.State, scenario.Applicant, "holds no new custody until reinstated") is { } suspended)
        {
            return suspended;
        }

        var date = BatchIds.Date(verification.Day);
        var day = ctx.State.GetScenarioDay(verification.ScenarioId, verification.Day);
        if (day is null)
        {
            return Outcome.Reject(RejectionCode.DayNotSubmitted, $"scenario {verification.ScenarioId} has no records for {date}");
        }

        if (day.BatchId.Length > 0)
        {
            return Outcome.Reject(RejectionCode.DayAlreadyIssued, $"scenario {verification.ScenarioId} on {date} was already issued as {day.BatchId}");
        }

        if (day.Chunks != day.ChunkIndexEnd)
        {
            return Outcome.Reject(RejectionCode.DayNotSubmitted, $"scenario {verification.ScenarioId} on {date} has {day.Chunks} chunks of indices 0..{day.ChunkIndexEnd - 1}; submit the missing {day.ChunkIndexEnd - day.Chunks}");
        }

        var root = DayRoot(ctx, day);
        if (verification.Chunks != day.Chunks || verification.Records != day.Records || verification.Grams != day.Grams || !verification.RecordsRoot.Span.SequenceEqual(root))
        {
            return Outcome.Reject(RejectionCode.VerificationMismatch, $"scenario {verification.ScenarioId} on {date}: the ledger holds {day.Chunks} chunks, {day.Records} records, {day.Grams} g, root {Convert.ToHexStringLower(root)}; the verification states {verification.Chunks}, {verification.Records}, {verification.Grams} g, {Convert.ToHexStringLower(verification.RecordsRoot.Span)}");
        }

        if (day.Grams == 0)
        {
            return Outcome.Reject(RejectionCode.InvalidAmount, $"scenario {verification.ScenarioId} on {date} computes to 0 g; there is nothing to issue");
        }

        var batch = NewBatch(ctx, scenario, day, operatorId, root);
        Invariant.Require(ctx.State.GetBatch(batch.BatchId) is null, "a scenario day's batch id is issued once");
        var issuedDay = day.Clone();
        issuedDay.BatchId = batch.BatchId;
        issuedDay.RecordsRoot = batch.RecordsRoot;
        ctx.State.PutScenarioDay(issuedDay);
        // The scenario has issued here: §17's links elsewhere are the bureau's from now on (ISSUED_HERE).
        var issuedScenario = ctx.State.GetProject(scenario.ProjectId)!.Clone();
        issuedScenario.IssuedPeriods.Add(new DayRange { FirstDay = day.Day, LastDay = day.Day });
        ctx.State.PutProject(issuedScenario);
        Holdings.IssueIntoCustody(ctx.State, batch);
        return Outcome.Committed();
    }

    /// <summary>docs/PROTOCOL.md §15.3: the root over the chunk roots in chunk index order.</summary>
    private static byte[] DayRoot(TransactionContext ctx, ScenarioDayRecord day)
    {
        var chunkRoots = new List<byte[]>((int)day.Chunks);
        for (uint index = 0; index < day.Chunks; index++)
        {
            var chunk = ctx.State.GetBehaviourChunk(day.ScenarioId, day.Day, index);
            Invariant.Require(chunk is not null, "a complete day holds every chunk index below its count");
            chunkRoots.Add(chunk!.RecordsRoot.ToByteArray());
        }

        return DayRoots.Day(ctx.Hash, chunkRoots);
    }

    private static BatchRecord NewBatch(TransactionContext ctx, ProjectRecord scenario, ScenarioDayRecord day, string operatorId, byte[] root) => new()
    {
        BatchId = BatchIds.ForScenario(day.ScenarioId, day.Day),
        ProjectId = day.ScenarioId,
        MethodologyId = scenario.MethodologyId,
        MonitoringPeriod = new DayRange { FirstDay = day.Day, LastDay = day.Day },
        VerifierId = operatorId,
        ApprovedBy = ctx.Signer.ParticipantId,
        IssuedHeight = ctx.Block.Height,
        IssuedGrams = day.Grams,
        TradableGrams = day.Grams,
        NextSerial = 1,
        RecordsRoot = ByteString.CopyFrom(root),
        Records = day.Records,
        Custodian = day.Company,
    };

    private static Outcome? RequireOperator(TransactionContext ctx, string operatorId)
    {
        var verifier = ctx.CoSigner(operatorId);
        if (verifier is null)
        {
            return Outcome.Reject(RejectionCode.MissingSignature, $"the digital verification needs a co-signature by operator {operatorId}");
        }

        return Participants.Roles.Has(verifier, Role.Operator)
            ? null
            : Outcome.Reject(RejectionCode.UnauthorizedRole, $"{operatorId} is not an OPERATOR; scenario reductions are verified digitally by the operator (§15)");
    }

    private static Outcome? Validate(TransactionContext ctx, IssueScenarioBatch tx)
    {
        if (!Limits.IsValidId(tx.OperatorId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "operator_id must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        }

        if (tx.Days.Count is 0 or > Limits.ScenarioDaysPerIssuanceMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"days must hold 1-{Limits.ScenarioDaysPerIssuanceMax} entries, not {tx.Days.Count}");
        }

        var named = new HashSet<(string, uint)>();
        for (var i = 0; i < tx.Days.Count; i++)
        {
            var day = tx.Days[i];
            if (!Limits.IsValidId(day.ScenarioId) || day.Day > BatchIds.DayNumberMax || day.RecordsRoot.Length != ctx.Hash.HashBytes)
            {
                return Outcome.Reject(RejectionCode.InvalidField, $"days[{i}]: scenario_id must be a valid id, day a date before year 10000, records_root {ctx.Hash.HashBytes} bytes");
            }

            if (!named.Add((day.ScenarioId, day.Day)))
            {
                return Outcome.Reject(RejectionCode.InvalidField, $"days[{i}]: scenario {day.ScenarioId} on {BatchIds.Date(day.Day)} is named twice");
            }
        }

        return null;
    }
}

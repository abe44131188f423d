using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Issuance;

/// <summary>IssueProjectReductions (§15): a registered verifier's report, approved by the bureau.</summary>
public static class IssuanceHandler
{
    public static Outcome IssueProject(TransactionContext ctx, IssueProjectReductions tx)
    {
        if (ctx.RequireSignerRole(Role.Bureau, "approve an issuance") is { } unauthorized)
        {
            return unauthorized;
        }

        if (Validate(tx) is { } invalid)
        {
            return invalid;
        }

        if (RequireVerifier(ctx, tx.VerifierId) is { } noVerifier)
        {
            return noVerifier;
        }

        var project = ctx.State.GetProject(tx.ProjectId);
        if (project is null)
        {
            return Outcome.Reject(RejectionCode.UnknownProject, $"project {tx.ProjectId} does not exist");
        }

        if (project.Kind == SubjectKind.Scenario)
        {
            return Outcome.Reject(RejectionCode.NotAScenario, $"{project.ProjectId} is a scenario; it issues by IssueScenarioBatch");
        }

        if (RequireIssuable(ctx, project, tx) is { } refused)
        {
            return refused;
        }

        var batch = NewBatch(ctx, project, tx);
        var updatedProject = project.Clone();
        updatedProject.IssuedPeriods.Add(tx.MonitoringPeriod);
        ctx.State.PutProject(updatedProject);
        ctx.State.PutReportUse(tx.ReportHash.Span, new ReportUse { BatchId = batch.BatchId });
        Holdings.Issue(ctx.State, batch, project.Applicant);
        return Outcome.Committed(("batch_id", batch.BatchId), ("issued_grams", batch.IssuedGrams.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Rule 1 of DESIGN §5: approved (not suspended), not registered elsewhere, no overlapping period, no reused report.</summary>
    private static Outcome? RequireIssuable(TransactionContext ctx, ProjectRecord project, IssueProjectReductions tx)
    {
        if (Projects.Lifecycle.CanIssue(project) is { } cannot)
        {
            return cannot;
        }

        if (Corrections.CorrectionsHandler.RequireNoShortfall(ctx.State, project.Applicant) is { } owes)
        {
            return owes;
        }

        if (Participants.ParticipantsHandler.RequireNotSuspended(ctx.State, project.Applicant, "is issued nothing until reinstated") is { } suspended)
        {
            return suspended;
        }

        if (project.Kind != SubjectKind.Project)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"{project.ProjectId} is a scenario; scenario reductions are issued from behaviour batches");
        }

        var period = tx.MonitoringPeriod;
        var overlap = project.IssuedPeriods.FirstOrDefault(issued => issued.FirstDay <= period.LastDay && period.FirstDay <= issued.LastDay);
        if (overlap is not null)
        {
            // §7: no double counting.
            return Outcome.Reject(RejectionCode.DoubleIssuance, $"period {DayText(period)} overlaps {DayText(overlap)}, already issued for project {project.ProjectId}");
        }

        if (project.IssuedPeriods.Count >= Limits.IssuedPeriodsPerProjectMax)
        {
            return Outcome.Reject(RejectionCode.InvalidPeriod, $"project {project.ProjectId} has issued its maximum of {Limits.IssuedPeriodsPerProjectMax} periods");
        }

        var used = ctx.State.GetReportUse(tx.ReportHash.Span);
        return used is null
            ? null
            : Outcome.Reject(RejectionCode.ReportHashReused, $"verification report {Convert.ToHexStringLower(tx.ReportHash.Span)} was already used by batch {used.BatchId}");
    }

    private static Outcome? RequireVerifier(TransactionContext ctx, string verifierId)
    {
        var verifier = ctx.CoSigner(verifierId);
        if (verifier is null)
        {
            return Outcome.Reject(RejectionCode.MissingSignature, $"the verification report needs a co-signature by verifier {verifierId}");
        }

        return Participants.Roles.Has(verifier, Role.Verifier)
            ? null
            : Outcome.Reject(RejectionCode.UnauthorizedRole, $"{verifierId} is not a registered VERIFIER (§15)");
    }

    private static BatchRecord NewBatch(TransactionContext ctx, ProjectRecord project, IssueProjectReductions tx) => new()
    {
        BatchId = BatchIds.ForProject(project.ProjectId, tx.MonitoringPeriod),
        ProjectId = project.ProjectId,
        MethodologyId = project.MethodologyId,
        MonitoringPeriod = tx.MonitoringPeriod,
        ReportHash = tx.ReportHash,
        VerifierId = tx.VerifierId,
        ApprovedBy = ctx.Signer.ParticipantId,
        IssuedHeight = ctx.Block.Height,
        IssuedGrams = tx.AmountGrams,
        TradableGrams = tx.AmountGrams,
        NextSerial = 1,
    };

    private static Outcome? Validate(IssueProjectReductions tx)
    {
        if (!Limits.IsValidId(tx.ProjectId) || !Limits.IsValidId(tx.VerifierId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "project_id and verifier_id must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        }

        if (tx.ReportHash.Length != Limits.ReportHashBytes)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"report_hash must be {Limits.ReportHashBytes} bytes");
        }

        if (tx.AmountGrams is 0 or > Limits.GramsPerBatchMax)
        {
            return Outcome.Reject(RejectionCode.InvalidAmount, $"amount_grams must be between 1 and {Limits.GramsPerBatchMax}");
        }

        var period = tx.MonitoringPeriod;
        if (period is null || period.FirstDay > period.LastDay || period.LastDay > BatchIds.DayNumberMax)
        {
            return Outcome.Reject(RejectionCode.InvalidPeriod, "monitoring_period must have first_day <= last_day, both before year 10000");
        }

        return null;
    }

    private static string DayText(DayRange range) => $"{BatchIds.Date(range.FirstDay)}..{BatchIds.Date(range.LastDay)}";
}

using System.Globalization;
using Ledger.Core.Calendar;
using Ledger.Core.Execution;
using Ledger.Core.Projects;
using Ledger.Core.Protocol;

namespace Ledger.Core.Supervision;

/// <summary>
/// RecordEvaluation, RecordRectification, Suspend, Reinstate (§11): tracking evaluation of running
/// projects and scenarios; one not rectified in time may no longer take part until reinstated.
/// </summary>
public static class SupervisionHandler
{
    public static Outcome RecordEvaluation(TransactionContext ctx, RecordEvaluation tx)
    {
        if (!ctx.SignerHas(Role.Operator) && ctx.RequireSignerRole(Role.Bureau, "record a tracking evaluation (or OPERATOR)") is { } unauthorized)
        {
            return unauthorized;
        }

        if (!Limits.IsValidText(tx.Finding, Limits.TextLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"finding is required, at most {Limits.TextLengthMax} characters");
        }

        if (tx.RectificationDeadlineDay < ctx.Today || tx.RectificationDeadlineDay > WorkingDays.DayNumberMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"rectification_deadline_day must be today ({WorkingDays.Date(ctx.Today):yyyy-MM-dd}, China Standard Time) or later");
        }

        var (subject, refused) = Subjects.Find(ctx, tx.SubjectId);
        if (refused is { } notFound)
        {
            return notFound;
        }

        if (subject!.Status is not (ProjectStatus.Approved or ProjectStatus.Suspended))
        {
            return Outcome.Reject(RejectionCode.InvalidStatusTransition, $"{Describe(subject)}; tracking evaluation is of APPROVED or SUSPENDED ones");
        }

        if (subject.EvaluationsRecorded >= Limits.EvaluationsPerSubjectMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"{subject.ProjectId} already has the maximum of {Limits.EvaluationsPerSubjectMax} evaluations");
        }

        var updated = subject.Clone();
        updated.EvaluationsRecorded++;
        updated.EvaluationsUnrectified++;
        ctx.State.PutEvaluation(new EvaluationRecord
        {
            SubjectId = subject.ProjectId,
            Number = updated.EvaluationsRecorded,
            RecordedBy = ctx.Signer.ParticipantId,
            Finding = tx.Finding,
            RectificationDeadlineDay = tx.RectificationDeadlineDay,
            RecordedHeight = ctx.Block.Height,
        });
        ctx.State.PutProject(updated);
        return Outcome.Committed(("project_id", subject.ProjectId), ("evaluation_number", updated.EvaluationsRecorded.ToString(CultureInfo.InvariantCulture)));
    }

    public static Outcome RecordRectification(TransactionContext ctx, RecordRectification tx)
    {
        if (!Limits.IsValidText(tx.Description, Limits.TextLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"description is required, at most {Limits.TextLengthMax} characters");
        }

        var (subject, refused) = Subjects.Find(ctx, tx.SubjectId);
        if (refused is { } notFound)
        {
            return notFound;
        }

        if (ctx.Signer.ParticipantId != subject!.Applicant)
        {
            return Outcome.Reject(RejectionCode.UnauthorizedRole, $"only {subject.Applicant}, the applicant of {subject.ProjectId}, records its rectifications (§11)");
        }

        var (evaluation, unknown) = FindEvaluation(ctx, subject, tx.EvaluationNumber);
        if (unknown is { } noEvaluation)
        {
            return noEvaluation;
        }

        if (evaluation!.Rectified)
        {
            return Outcome.Reject(RejectionCode.InvalidStatusTransition, $"evaluation {tx.EvaluationNumber} of {subject.ProjectId} was already rectified at height {evaluation.RectifiedHeight}");
        }

        var rectified = evaluation.Clone();
        rectified.Rectified = true;
        rectified.Rectification = tx.Description;
        rectified.RectifiedHeight = ctx.Block.Height;
        rectified.RectifiedDay = ctx.Today;
        ctx.State.PutEvaluation(rectified);
        var updated = subject.Clone();
        Invariant.Require(updated.EvaluationsUnrectified > 0, "an unrectified evaluation is counted");
        updated.EvaluationsUnrectified--;
        ctx.State.PutProject(updated);
        return Outcome.Committed(("project_id", subject.ProjectId), ("evaluation_number", tx.EvaluationNumber.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>§11: "逾期未整改" — an evaluation past its deadline without a rectification recorded by that day.</summary>
    public static Outcome Suspend(TransactionContext ctx, Suspend tx)
    {
        if (ctx.RequireSignerRole(Role.Bureau, "suspend a project or scenario") is { } unauthorized)
        {
            return unauthorized;
        }

        if (!Limits.IsValidText(tx.Reason, Limits.TextLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"reason is required, at most {Limits.TextLengthMax} characters");
        }

        var (subject, refused) = Subjects.Find(ctx, tx.SubjectId);
        if (refused is { } notFound)
        {
            return notFound;
        }

        if (subject!.Status != ProjectStatus.Approved)
        {
            return Outcome.Reject(RejectionCode.InvalidStatusTransition, $"{Describe(subject)}; only an APPROVED one can be suspended");
        }

        var (evaluation, unknown) = FindEvaluation(ctx, subject, tx.EvaluationNumber);
        if (unknown is { } noEvaluation)
        {
            return noEvaluation;
        }

        if (!IsOverdue(evaluation!, ctx.Today))
        {
            return Outcome.Reject(
                RejectionCode.RectificationNotDue,
                evaluation!.Rectified && evaluation.RectifiedDay <= evaluation.RectificationDeadlineDay
                    ? $"evaluation {evaluation.Number} of {subject.ProjectId} was rectified on time"
                    : $"evaluation {evaluation.Number} of {subject.ProjectId} may be rectified until the end of {WorkingDays.Date(evaluation.RectificationDeadlineDay):yyyy-MM-dd} (China Standard Time)");
        }

        var updated = Subjects.WithStatus(ctx, subject, ProjectStatus.Suspended);
        updated.SuspensionReason = tx.Reason;
        ctx.State.PutProject(updated);
        return Subjects.StatusCommitted(updated);
    }

    public static Outcome Reinstate(TransactionContext ctx, Reinstate tx)
    {
        if (ctx.RequireSignerRole(Role.Bureau, "reinstate a project or scenario") is { } unauthorized)
        {
            return unauthorized;
        }

        var (subject, refused) = Subjects.Find(ctx, tx.SubjectId);
        if (refused is { } notFound)
        {
            return notFound;
        }

        if (subject!.Status != ProjectStatus.Suspended)
        {
            return Outcome.Reject(RejectionCode.InvalidStatusTransition, $"{Describe(subject)}; only a SUSPENDED one can be reinstated");
        }

        if (subject.EvaluationsUnrectified > 0)
        {
            return Outcome.Reject(RejectionCode.NotRectified, $"{subject.EvaluationsUnrectified} evaluation(s) of {subject.ProjectId} are not rectified");
        }

        var updated = Subjects.WithStatus(ctx, subject, ProjectStatus.Approved);
        updated.SuspensionReason = "";
        updated.RecordsFromDay = Calendar.WorkingDays.ChinaDay(ctx.Block.TimeMs);
        ctx.State.PutProject(updated);
        return Subjects.StatusCommitted(updated);
    }

    /// <summary>The deadline day has ended (today is later) and no rectification was recorded on or before it.</summary>
    public static bool IsOverdue(EvaluationRecord evaluation, uint today) =>
        today > evaluation.RectificationDeadlineDay && (!evaluation.Rectified || evaluation.RectifiedDay > evaluation.RectificationDeadlineDay);

    private static (EvaluationRecord? Evaluation, Outcome? Refused) FindEvaluation(TransactionContext ctx, ProjectRecord subject, uint number)
    {
        var evaluation = ctx.State.GetEvaluation(subject.ProjectId, number);
        return evaluation is null
            ? (null, Outcome.Reject(RejectionCode.UnknownEvaluation, $"{subject.ProjectId} has no evaluation {number} ({subject.EvaluationsRecorded} recorded)"))
            : (evaluation, null);
    }

    private static string Describe(ProjectRecord subject) => $"{Subjects.Name(subject)} is {ProtoNames.Of(subject.Status)}";
}

using Ledger.Core.Calendar;
using Ledger.Core.Execution;
using Ledger.Core.Methodologies;
using Ledger.Core.Protocol;

namespace Ledger.Core.Projects;

/// <summary>
/// ApplyProject, ApplyScenario, ApproveProject, RejectProject (§9 §10). Projects and scenarios share
/// the project table and this lifecycle; review and public notice are in <see cref="ReviewHandler"/>.
/// </summary>
public static class ProjectsHandler
{
    public static Outcome Apply(TransactionContext ctx, ApplyProject tx) =>
        ApplySubject(ctx, SubjectKind.Project, new Application(tx.ProjectId, tx.Title, tx.MethodologyId, tx.ExternalRegistryIds));

    public static Outcome ApplyScenario(TransactionContext ctx, ApplyScenario tx) =>
        ApplySubject(ctx, SubjectKind.Scenario, new Application(tx.ScenarioId, tx.Title, tx.MethodologyId, tx.ExternalRegistryIds));

    /// <summary>§10: approval after review, a public notice of the required working days, and every objection answered.</summary>
    public static Outcome Approve(TransactionContext ctx, ApproveProject tx)
    {
        if (ctx.RequireSignerRole(Role.Bureau, "approve a project or scenario") is { } unauthorized)
        {
            return unauthorized;
        }

        var (subject, refused) = Subjects.Find(ctx, tx.ProjectId, "project_id");
        if (refused is { } notFound)
        {
            return notFound;
        }

        if (RequireApprovable(ctx, subject!) is { } notApprovable)
        {
            return notApprovable;
        }

        var updated = Subjects.WithStatus(ctx, subject!, ProjectStatus.Approved);
        updated.DecidedHeight = ctx.Block.Height;
        ctx.State.PutProject(updated);
        return Subjects.StatusCommitted(updated);
    }

    public static Outcome Reject(TransactionContext ctx, RejectProject tx)
    {
        if (ctx.RequireSignerRole(Role.Bureau, "reject a project or scenario") is { } unauthorized)
        {
            return unauthorized;
        }

        if (!Limits.IsValidText(tx.Reason, Limits.TextLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"reason is required, at most {Limits.TextLengthMax} characters");
        }

        var (subject, refused) = Subjects.Find(ctx, tx.ProjectId, "project_id");
        if (refused is { } notFound)
        {
            return notFound;
        }

        if (subject!.Status is not (ProjectStatus.Applied or ProjectStatus.UnderReview or ProjectStatus.PublicNotice))
        {
            return Subjects.WrongStatus(subject, "only an APPLIED, UNDER_REVIEW or PUBLIC_NOTICE one can be rejected");
        }

        var updated = Subjects.WithStatus(ctx, subject, ProjectStatus.Rejected);
        updated.DecidedHeight = ctx.Block.Height;
        updated.RejectionReason = tx.Reason;
        ctx.State.PutProject(updated);
        return Subjects.StatusCommitted(updated);
    }

    /// <summary>The checks of approval, in the order their codes are reported.</summary>
    private static Outcome? RequireApprovable(TransactionContext ctx, ProjectRecord subject)
    {
        if (subject.Status != ProjectStatus.PublicNotice)
        {
            return Subjects.WrongStatus(subject, "only one in PUBLIC_NOTICE can be approved (§10: review, then public notice, then approval)");
        }

        if (!Lifecycle.ReviewComplete(subject, ctx.Rules))
        {
            return Outcome.Reject(RejectionCode.ReviewIncomplete, $"{Subjects.Name(subject)} needs {ctx.Rules.ReviewOpinionsRequired} expert opinions with a favourable majority");
        }

        var calendars = new StateCalendars(ctx.State);
        if (!Lifecycle.NoticeElapsed(subject, ctx.Today, ctx.Rules, calendars))
        {
            var lastDay = Lifecycle.NoticeLastDay(subject, ctx.Rules, calendars);
            return Outcome.Reject(
                RejectionCode.NoticePeriodNotElapsed,
                $"§10: the public notice of {Subjects.Name(subject)} started {WorkingDays.Date(Lifecycle.NoticeStartDay(subject)):yyyy-MM-dd} and lasts {ctx.Rules.NoticeWorkingDays} full working days, until the end of {WorkingDays.Date(lastDay):yyyy-MM-dd} (China Standard Time)");
        }

        if (subject.ObjectionsUnanswered > 0)
        {
            return Outcome.Reject(RejectionCode.ObjectionUnanswered, $"{subject.ObjectionsUnanswered} objection(s) to {Subjects.Name(subject)} have no answer yet");
        }

        var methodology = ctx.State.GetMethodology(subject.MethodologyId);
        Invariant.Require(methodology is not null, "a subject's methodology is filed");
        if (methodology!.Status == MethodologyStatus.Withdrawn)
        {
            return Outcome.Reject(RejectionCode.MethodologyNotActive, $"methodology {methodology.MethodologyId} was withdrawn; {Subjects.Name(subject)} cannot be approved under it");
        }

        // §5, checked again: a preferred methodology filed during the review also counts.
        return Preference.Check(ctx.State, methodology, subject.ProjectId);
    }

    private sealed record Application(string Id, string Title, string MethodologyId, IReadOnlyList<string> ExternalRegistryIds);

    private static Outcome ApplySubject(TransactionContext ctx, SubjectKind kind, Application application)
    {
        var (role, what) = kind == SubjectKind.Scenario ? (Role.ScenarioCompany, "scenario") : (Role.ProjectOwner, "project");
        if (ctx.RequireSignerRole(role, $"apply for a {what}") is { } unauthorized)
        {
            return unauthorized;
        }

        if (Validate(application, what) is { } invalid)
        {
            return invalid;
        }

        if (ctx.State.GetProject(application.Id) is { } existing)
        {
            return Outcome.Reject(RejectionCode.ProjectExists, $"{Subjects.Name(existing)} already exists; project and scenario ids are unique across both");
        }

        var methodology = ctx.State.GetMethodology(application.MethodologyId);
        if (RequireUsable(ctx, methodology, application, kind) is { } unusable)
        {
            return unusable;
        }

        var record = new ProjectRecord
        {
            ProjectId = application.Id,
            Title = application.Title,
            Applicant = ctx.Signer.ParticipantId,
            MethodologyId = application.MethodologyId,
            Status = ProjectStatus.Applied,
            ExternalRegistryIds = { application.ExternalRegistryIds.Order(StringComparer.Ordinal) },
            AppliedHeight = ctx.Block.Height,
            Kind = kind,
            StatusHeight = ctx.Block.Height,
        };
        if (ctx.State.GetPendingExclusions(application.Id) is { } pending)
        {
            // §17: the bureau recorded this id elsewhere before it was applied for.
            record.BureauExclusions.Add(pending.Registrations);
            ctx.State.DeletePendingExclusions(application.Id);
        }

        ctx.State.PutProject(record);
        return Outcome.Committed(("project_id", application.Id));
    }

    private static Outcome? RequireUsable(TransactionContext ctx, MethodologyRecord? methodology, Application application, SubjectKind kind)
    {
        if (methodology is null)
        {
            return Outcome.Reject(RejectionCode.UnknownMethodology, $"methodology {application.MethodologyId} is not filed");
        }

        if (methodology.Status != MethodologyStatus.Active)
        {
            return Outcome.Reject(RejectionCode.MethodologyNotActive, $"methodology {application.MethodologyId} is {methodology.Status}; apply under an active one");
        }

        var needed = kind == SubjectKind.Scenario ? MethodologyKind.Scenario : MethodologyKind.Project;
        if (methodology.Kind != needed)
        {
            return Outcome.Reject(RejectionCode.MethodologyKindMismatch, $"methodology {application.MethodologyId} is a {methodology.Kind} methodology; a {kind} applies under a {needed} one");
        }

        return Preference.Check(ctx.State, methodology, application.Id);
    }

    private static Outcome? Validate(Application application, string what)
    {
        if (!Limits.IsValidId(application.Id) || !Limits.IsValidId(application.MethodologyId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"{what}_id and methodology_id {Subjects.IdRule}");
        }

        if (!Limits.IsValidText(application.Title, Limits.NameLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"title is required, at most {Limits.NameLengthMax} characters");
        }

        var external = application.ExternalRegistryIds;
        if (external.Count > Limits.ExternalRegistryIdsPerProjectMax || !external.All(id => Limits.IsValidId(id)) || external.Distinct().Count() != external.Count)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"external_registry_ids must be at most {Limits.ExternalRegistryIdsPerProjectMax} distinct ids");
        }

        return null;
    }
}

using Ledger.Core.Execution;
using Ledger.Core.Projects;
using Ledger.Core.Protocol;

namespace Ledger.Core.Supervision;

/// <summary>
/// AddExclusion, DeclareExternalRegistration (§17): projects registered or applied for in CCER, VCS,
/// GS or other mechanisms never issue here, and what issued here is not claimed elsewhere.
/// </summary>
public static class ExclusionsHandler
{
    public static Outcome Add(TransactionContext ctx, AddExclusion tx)
    {
        if (ctx.RequireSignerRole(Role.Bureau, "record a registration elsewhere") is { } unauthorized)
        {
            return unauthorized;
        }

        if (!Limits.IsValidId(tx.Registry) || !Limits.IsValidId(tx.ExternalId) || (tx.ProjectId.Length > 0 && !Limits.IsValidId(tx.ProjectId)))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "registry, external_id and project_id (optional) must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        }

        if (!Limits.IsValidText(tx.Note, Limits.TextLengthMax, required: false))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"note must be at most {Limits.TextLengthMax} characters without control characters");
        }

        if (ctx.State.GetExclusion(tx.Registry, tx.ExternalId) is { } existing)
        {
            return Outcome.Reject(RejectionCode.ExclusionExists, $"{tx.Registry} {tx.ExternalId} was recorded at height {existing.RecordedHeight}");
        }

        if (tx.ProjectId.Length > 0 && Link(ctx, tx.ProjectId, new ExternalRegistration { Registry = tx.Registry, ExternalId = tx.ExternalId }) is { } cannotLink)
        {
            return cannotLink;
        }

        ctx.State.PutExclusion(new ExclusionRecord
        {
            Registry = tx.Registry,
            ExternalId = tx.ExternalId,
            ProjectId = tx.ProjectId,
            Note = tx.Note,
            RecordedBy = ctx.Signer.ParticipantId,
            RecordedHeight = ctx.Block.Height,
        });
        return Outcome.Committed(("registry", tx.Registry), ("external_id", tx.ExternalId));
    }

    public static Outcome Declare(TransactionContext ctx, DeclareExternalRegistration tx)
    {
        if (!Limits.IsValidId(tx.ExternalRegistryId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "external_registry_id must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        }

        var (subject, refused) = Subjects.Find(ctx, tx.SubjectId);
        if (refused is { } notFound)
        {
            return notFound;
        }

        if (ctx.Signer.ParticipantId != subject!.Applicant)
        {
            return Outcome.Reject(RejectionCode.UnauthorizedRole, $"only {subject.Applicant}, the applicant of {subject.ProjectId}, declares its registrations elsewhere");
        }

        if (subject.IssuedPeriods.Count > 0)
        {
            // §17: reductions issued here may not also be claimed elsewhere; the bureau records and corrects.
            return Outcome.Reject(RejectionCode.IssuedHere, $"{Subjects.Name(subject)} has issued reductions here; only the bureau can record a registration elsewhere now");
        }

        if (subject.ExternalRegistryIds.Contains(tx.ExternalRegistryId) || subject.ExternalRegistryIds.Count >= Limits.ExternalRegistryIdsPerProjectMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"external_registry_ids of {subject.ProjectId} must stay at most {Limits.ExternalRegistryIdsPerProjectMax} distinct ids; {tx.ExternalRegistryId} would not");
        }

        var updated = subject.Clone();
        var ids = updated.ExternalRegistryIds.Append(tx.ExternalRegistryId).Order(StringComparer.Ordinal).ToList();
        updated.ExternalRegistryIds.Clear();
        updated.ExternalRegistryIds.Add(ids);
        ctx.State.PutProject(updated);
        return Outcome.Committed(("project_id", subject.ProjectId));
    }

    /// <summary>Links the registration to the local subject now, or to the id's future application.</summary>
    private static Outcome? Link(TransactionContext ctx, string projectId, ExternalRegistration registration)
    {
        var full = Outcome.Reject(RejectionCode.InvalidField, $"{projectId} already has the maximum of {Limits.ExclusionsPerSubjectMax} recorded registrations elsewhere");
        if (ctx.State.GetProject(projectId) is { } subject)
        {
            if (subject.BureauExclusions.Count >= Limits.ExclusionsPerSubjectMax)
            {
                return full;
            }

            var updated = subject.Clone();
            updated.BureauExclusions.Add(registration);
            ctx.State.PutProject(updated);
            return null;
        }

        var pending = ctx.State.GetPendingExclusions(projectId) ?? new PendingExclusions();
        if (pending.Registrations.Count >= Limits.ExclusionsPerSubjectMax)
        {
            return full;
        }

        var added = pending.Clone();
        added.Registrations.Add(registration);
        ctx.State.PutPendingExclusions(projectId, added);
        return null;
    }
}

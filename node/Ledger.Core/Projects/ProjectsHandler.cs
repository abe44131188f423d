using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Core.Projects;

/// <summary>ApplyProject, ApproveProject, RejectProject (§9 §10). Review and public notice come with the rules issue.</summary>
public static class ProjectsHandler
{
    public static Outcome Apply(TransactionContext ctx, ApplyProject tx)
    {
        if (ctx.RequireSignerRole(Role.ProjectOwner, "apply for a project") is { } unauthorized)
        {
            return unauthorized;
        }

        if (Validate(tx) is { } invalid)
        {
            return invalid;
        }

        if (ctx.State.GetProject(tx.ProjectId) is not null)
        {
            return Outcome.Reject(RejectionCode.ProjectExists, $"project {tx.ProjectId} already exists");
        }

        var methodology = ctx.State.GetMethodology(tx.MethodologyId);
        if (methodology is null)
        {
            return Outcome.Reject(RejectionCode.UnknownMethodology, $"methodology {tx.MethodologyId} is not filed");
        }

        if (methodology.Status != MethodologyStatus.Active)
        {
            return Outcome.Reject(RejectionCode.MethodologyNotActive, $"methodology {tx.MethodologyId} is {methodology.Status}; apply under an active one");
        }

        ctx.State.PutProject(new ProjectRecord
        {
            ProjectId = tx.ProjectId,
            Title = tx.Title,
            Applicant = ctx.Signer.ParticipantId,
            MethodologyId = tx.MethodologyId,
            Status = ProjectStatus.Applied,
            ExternalRegistryIds = { tx.ExternalRegistryIds.Order(StringComparer.Ordinal) },
            AppliedHeight = ctx.Block.Height,
        });
        return Outcome.Committed(("project_id", tx.ProjectId));
    }

    public static Outcome Approve(TransactionContext ctx, ApproveProject tx) =>
        Decide(ctx, tx.ProjectId, ProjectStatus.Approved, "", "approve a project");

    public static Outcome Reject(TransactionContext ctx, RejectProject tx)
    {
        if (!Limits.IsValidText(tx.Reason, Limits.TextLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"reason is required, at most {Limits.TextLengthMax} characters");
        }

        return Decide(ctx, tx.ProjectId, ProjectStatus.Rejected, tx.Reason, "reject a project");
    }

    private static Outcome Decide(TransactionContext ctx, string projectId, ProjectStatus decision, string reason, string action)
    {
        if (ctx.RequireSignerRole(Role.Bureau, action) is { } unauthorized)
        {
            return unauthorized;
        }

        if (!Limits.IsValidId(projectId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "project_id must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        }

        var project = ctx.State.GetProject(projectId);
        if (project is null)
        {
            return Outcome.Reject(RejectionCode.UnknownProject, $"project {projectId} does not exist");
        }

        if (project.Status != ProjectStatus.Applied)
        {
            return Outcome.Reject(RejectionCode.InvalidStatusTransition, $"project {projectId} is {project.Status}; only an APPLIED project can be decided");
        }

        var updated = project.Clone();
        updated.Status = decision;
        updated.DecidedHeight = ctx.Block.Height;
        updated.RejectionReason = reason;
        ctx.State.PutProject(updated);
        return Outcome.Committed(("project_id", projectId), ("status", ProtoNames.Of(decision)));
    }

    private static Outcome? Validate(ApplyProject tx)
    {
        if (!Limits.IsValidId(tx.ProjectId) || !Limits.IsValidId(tx.MethodologyId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "project_id and methodology_id must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        }

        if (!Limits.IsValidText(tx.Title, Limits.NameLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"title is required, at most {Limits.NameLengthMax} characters");
        }

        var external = tx.ExternalRegistryIds;
        if (external.Count > Limits.ExternalRegistryIdsPerProjectMax || !external.All(id => Limits.IsValidId(id)) || external.Distinct().Count() != external.Count)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"external_registry_ids must be at most {Limits.ExternalRegistryIdsPerProjectMax} distinct ids");
        }

        return null;
    }
}

using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Core.Scenarios;

/// <summary>
/// INTERIM (issue 6 part B): a minimal scenario application until part A's ApplyScenario lands, so that
/// scenarios can be approved (ApproveProject) and issue through transactions. Delete with the
/// apply_scenario_interim body (oneof field 49) when merging part A.
/// </summary>
public static class ScenarioInterimHandler
{
    public static Outcome Apply(TransactionContext ctx, ApplyScenarioInterim tx)
    {
        if (ctx.RequireSignerRole(Role.ScenarioCompany, "apply for a scenario") is { } unauthorized)
        {
            return unauthorized;
        }

        if (!Limits.IsValidId(tx.ScenarioId) || !Limits.IsValidId(tx.MethodologyId) || !Limits.IsValidText(tx.Title, Limits.NameLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "scenario_id and methodology_id must be valid ids, title 1-200 characters");
        }

        if (ctx.State.GetProject(tx.ScenarioId) is not null)
        {
            return Outcome.Reject(RejectionCode.ProjectExists, $"project or scenario {tx.ScenarioId} already exists");
        }

        var methodology = ctx.State.GetMethodology(tx.MethodologyId);
        if (methodology is null)
        {
            return Outcome.Reject(RejectionCode.UnknownMethodology, $"methodology {tx.MethodologyId} is not filed");
        }

        if (methodology.Status != MethodologyStatus.Active || methodology.Kind != MethodologyKind.Scenario)
        {
            return Outcome.Reject(RejectionCode.MethodologyNotActive, $"methodology {tx.MethodologyId} is not an active scenario methodology");
        }

        ctx.State.PutProject(new ProjectRecord
        {
            ProjectId = tx.ScenarioId,
            Title = tx.Title,
            Applicant = ctx.Signer.ParticipantId,
            MethodologyId = tx.MethodologyId,
            Status = ProjectStatus.Applied,
            AppliedHeight = ctx.Block.Height,
            Kind = SubjectKind.Scenario,
        });
        return Outcome.Committed(("project_id", tx.ScenarioId));
    }
}

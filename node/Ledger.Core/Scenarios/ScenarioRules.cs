using Ledger.Core.Calendar;
using Ledger.Core.Execution;
using Ledger.Core.Projects;
using Ledger.Core.Protocol;

namespace Ledger.Core.Scenarios;

/// <summary>What every scenario transaction checks first: the scenario exists, is a scenario, may issue, and its methodology.</summary>
public static class ScenarioRules
{
    /// <summary>Unix milliseconds of 00:00 China Standard Time on day (days since 1970-01-01).</summary>
    public static long DayStartMs(uint day) => ((long)day * WorkingDays.DayMs) - WorkingDays.ChinaStandardTimeOffsetMs;

    public static Outcome? Resolve(TransactionContext ctx, string scenarioId, out ProjectRecord scenario, out MethodologyRecord methodology)
    {
        scenario = ctx.State.GetProject(scenarioId)!;
        methodology = null!;
        if (scenario is null)
        {
            return Outcome.Reject(RejectionCode.UnknownProject, $"scenario {scenarioId} does not exist");
        }

        if (scenario.Kind != SubjectKind.Scenario)
        {
            return Outcome.Reject(RejectionCode.NotAScenario, $"{scenarioId} is a reduction project, not a scenario");
        }

        if (Lifecycle.CanIssue(scenario) is { } refused)
        {
            // APPROVED only (a SUSPENDED scenario takes nothing until reinstated, §11), never one registered elsewhere (§17).
            return refused;
        }

        methodology = ctx.State.GetMethodology(scenario.MethodologyId)!;
        Invariant.Require(methodology is not null, "an approved scenario's methodology is filed");
        return null;
    }
}

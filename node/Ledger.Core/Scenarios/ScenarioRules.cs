using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Core.Scenarios;

/// <summary>What every scenario transaction checks first: the scenario exists, is a scenario, may issue, and its methodology.</summary>
public static class ScenarioRules
{
    /// <summary>China Standard Time is UTC+8, without daylight saving.</summary>
    public const long ChinaStandardTimeOffsetMs = 8 * 3_600_000L;

    /// <summary>Unix milliseconds of 00:00 China Standard Time on day (days since 1970-01-01).</summary>
    public static long DayStartMs(uint day) => ((long)day * Limits.DayMs) - ChinaStandardTimeOffsetMs;

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

        if (!CanIssue(scenario))
        {
            return Outcome.Reject(RejectionCode.ProjectNotApproved, $"scenario {scenarioId} is {scenario.Status}; only an APPROVED scenario takes behaviour records and issues");
        }

        methodology = ctx.State.GetMethodology(scenario.MethodologyId)!;
        Invariant.Require(methodology is not null, "an approved scenario's methodology is filed");
        return null;
    }

    // To be replaced by part A's Ledger.Core.Projects.Lifecycle.CanIssue(ProjectRecord) at merge.
    private static bool CanIssue(ProjectRecord scenario) => scenario.Status == ProjectStatus.Approved;
}

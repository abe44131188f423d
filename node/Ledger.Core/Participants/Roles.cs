using Ledger.Core.Protocol;

namespace Ledger.Core.Participants;

/// <summary>Role sets the rules refer to (DESIGN §3).</summary>
public static class Roles
{
    /// <summary>§18: trading parties. Rights providers hold units they redeemed (§24) and may pass them on.</summary>
    public static readonly IReadOnlySet<Role> TradingParties = new HashSet<Role>
    {
        Role.ProjectOwner, Role.ScenarioCompany, Role.Trader, Role.RightsProvider,
    };

    /// <summary>Roles the operator may grant (§2 helps the bureau manage); all others only the bureau grants.</summary>
    public static readonly IReadOnlySet<Role> OperatorGrantable = TradingParties;

    public static bool Has(ParticipantRecord participant, Role role) => participant.Roles.Contains(role);

    public static bool IsTradingParty(ParticipantRecord participant) => participant.Roles.Any(TradingParties.Contains);

    public static bool IsKnown(Role role) => Enum.IsDefined(role) && role != Role.Unspecified;

    public static string Name(Role role) => role switch
    {
        Role.Bureau => "BUREAU",
        Role.Operator => "OPERATOR",
        Role.Verifier => "VERIFIER",
        Role.Expert => "EXPERT",
        Role.ProjectOwner => "PROJECT_OWNER",
        Role.ScenarioCompany => "SCENARIO_COMPANY",
        Role.Trader => "TRADER",
        Role.RightsProvider => "RIGHTS_PROVIDER",
        _ => $"role {(int)role}",
    };
}

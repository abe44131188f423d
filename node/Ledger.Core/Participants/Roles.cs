using Ledger.Core.Protocol;

namespace Ledger.Core.Participants;

/// <summary>Role sets the rules refer to (DESIGN §3).</summary>
public static class Roles
{
    /// <summary>
    /// §18: the trading parties — who may sell, buy, bid, redeem and be sold to (D21). A RIGHTS_PROVIDER
    /// is not one: it receives units only by redemption (§24 §25).
    /// </summary>
    public static readonly IReadOnlySet<Role> TradingParties = new HashSet<Role>
    {
        Role.ProjectOwner, Role.ScenarioCompany, Role.Trader,
    };

    /// <summary>Who may hold units and cancel them for carbon neutralisation (§23): the trading parties and rights providers.</summary>
    public static readonly IReadOnlySet<Role> Holders = new HashSet<Role>
    {
        Role.ProjectOwner, Role.ScenarioCompany, Role.Trader, Role.RightsProvider,
    };

    /// <summary>Roles the operator may grant (§2 helps the bureau manage); all others only the bureau grants.</summary>
    public static readonly IReadOnlySet<Role> OperatorGrantable = Holders;

    public static bool Has(ParticipantRecord participant, Role role) => participant.Roles.Contains(role);

    public static bool IsTradingParty(ParticipantRecord participant) => participant.Roles.Any(TradingParties.Contains);

    public static bool IsHolder(ParticipantRecord participant) => participant.Roles.Any(Holders.Contains);

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

using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Scenarios;

/// <summary>
/// The custody path of RequestCancellation (§23) and Redeem (§25), D24: the batch's custodian
/// SCENARIO_COMPANY acts for one of its users, from that user's custody balance, with the user's
/// consent reference. The user is named by 64 lowercase hex characters of the 32-byte pseudonymous id.
/// </summary>
public static class CustodyPath
{
    /// <summary>
    /// The user id bytes (empty for the signer's own units), or why the fields are refused:
    /// consent without a user or a malformed id is INVALID_FIELD, a user without consent NO_CONSENT.
    /// </summary>
    public static Outcome? Parse(string custodyUserId, string consentRef, out byte[] userId)
    {
        userId = [];
        if (custodyUserId.Length == 0)
        {
            return consentRef.Length == 0
                ? null
                : Outcome.Reject(RejectionCode.InvalidField, "consent_ref is set without custody_user_id; both are set (custody) or both empty");
        }

        if (!IsLowerHex(custodyUserId, Limits.BehaviourHashBytes * 2))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"custody_user_id must be {Limits.BehaviourHashBytes * 2} lowercase hex characters (the {Limits.BehaviourHashBytes}-byte pseudonymous user id)");
        }

        if (consentRef.Length == 0)
        {
            return Outcome.Reject(RejectionCode.NoConsent, "a custody cancellation or redemption needs the user's consent_ref (§23)");
        }

        if (!Limits.IsValidText(consentRef, Limits.NameLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"consent_ref is at most {Limits.NameLengthMax} characters, without control characters");
        }

        userId = Convert.FromHexString(custodyUserId);
        return null;
    }

    /// <summary>The batch and the user's custody record when the signer is a SCENARIO_COMPANY and the batch's custodian.</summary>
    public static Outcome? Find(TransactionContext ctx, string batchId, byte[] userId, string action, out BatchRecord batch, out CustodyRecord custody)
    {
        batch = null!;
        custody = null!;
        if (ctx.RequireSignerRole(Role.ScenarioCompany, action + " for a user in custody") is { } unauthorized)
        {
            return unauthorized;
        }

        var found = ctx.State.GetBatch(batchId);
        if (found is null)
        {
            return Outcome.Reject(RejectionCode.UnknownBatch, $"batch {batchId} does not exist");
        }

        var company = ctx.Signer.ParticipantId;
        if (found.Custodian != company)
        {
            return Outcome.Reject(RejectionCode.UnknownCustody, found.Custodian.Length == 0
                ? $"batch {batchId} is not a scenario batch; nothing of it is in custody"
                : $"batch {batchId} is in the custody of {found.Custodian}, not {company}");
        }

        var record = ctx.State.GetCustody(company, userId, batchId);
        if (record is null)
        {
            return Outcome.Reject(RejectionCode.UnknownCustody, $"{company} holds nothing in custody for user {Convert.ToHexStringLower(userId)} in batch {batchId}");
        }

        batch = found;
        custody = record;
        return null;
    }

    private static bool IsLowerHex(string text, int length) =>
        text.Length == length && text.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}

using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Core.Validators;

/// <summary>ChangeValidators: only the bureau changes who decides blocks, and the change waits two heights.</summary>
public static class ValidatorsHandler
{
    public static Outcome Change(TransactionContext ctx, ChangeValidators tx)
    {
        if (ctx.RequireSignerRole(Role.Bureau, "change the validators") is { } unauthorized)
        {
            return unauthorized;
        }

        if (tx.Updates.Count is 0 or > ValidatorSet.ValidatorsMax || tx.Updates.Select(u => u.ValidatorId).Distinct().Count() != tx.Updates.Count)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"updates must name 1-{ValidatorSet.ValidatorsMax} distinct validators");
        }

        if (tx.Updates.FirstOrDefault(u => !IsWellFormed(u)) is { } bad)
        {
            return Outcome.Reject(RejectionCode.InvalidKey, $"validator {bad.ValidatorId}: the id or the public key is not valid, or the power is above 2^60");
        }

        var schedule = ctx.State.GetValidatorSchedule()!;
        var fromHeight = ctx.Block.Height + ValidatorSchedules.EffectDelayHeights;
        var current = schedule.Sets.Last().Validators.ToDictionary(v => v.ValidatorId, StringComparer.Ordinal);
        foreach (var update in tx.Updates)
        {
            if (update.Power == 0)
            {
                current.Remove(update.ValidatorId);
            }
            else
            {
                current[update.ValidatorId] = new Validator { ValidatorId = update.ValidatorId, PublicKey = update.PublicKey, Power = update.Power };
            }
        }

        var total = current.Values.Aggregate(0UL, (sum, v) => Math.Min(sum + v.Power, ValidatorSet.TotalPowerMax + 1));
        if (current.Count is 0 or > ValidatorSet.ValidatorsMax || total > ValidatorSet.TotalPowerMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"the resulting set must have 1-{ValidatorSet.ValidatorsMax} validators with a total power of at most 2^60");
        }

        ctx.State.PutValidatorSchedule(ValidatorSchedules.With(schedule, fromHeight, current.Values));
        return Outcome.Committed(("effective_height", fromHeight.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static bool IsWellFormed(ValidatorUpdate update) =>
        Limits.IsValidId(update.ValidatorId)
        && update.Power <= ValidatorSet.TotalPowerMax
        && (update.Power == 0 || (update.PublicKey is { } key && SignatureSuites.Find(key.Algorithm) is { } suite && suite.IsValidPublicKey(key.Key.Span)));
}

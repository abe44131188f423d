using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Core.Methodologies;

/// <summary>
/// §7: a scenario methodology's deterministic calculation — one rational emission factor per
/// activity type and a per-user daily cap; a project methodology has neither (its verifier reports).
/// </summary>
public static class MethodologyFactors
{
    public static Outcome? Validate(FileMethodology tx)
    {
        if (tx.Kind == MethodologyKind.Project)
        {
            return tx.EmissionFactors.Count == 0 && tx.DailyCapGramsPerUser == 0
                ? null
                : Outcome.Reject(RejectionCode.InvalidField, "a PROJECT methodology has no emission_factors and no daily_cap_grams_per_user");
        }

        if (tx.ActivityTypes.Count == 0)
        {
            return Outcome.Reject(RejectionCode.InvalidField, "a SCENARIO methodology covers at least one activity type");
        }

        if (tx.DailyCapGramsPerUser == 0 || tx.DailyCapGramsPerUser > Limits.GramsPerBatchMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"daily_cap_grams_per_user of a SCENARIO methodology must be between 1 and {Limits.GramsPerBatchMax}");
        }

        foreach (var factor in tx.EmissionFactors)
        {
            if (!Limits.IsValidId(factor.ActivityType) || !Limits.IsValidText(factor.Unit, Limits.UnitLengthMax, required: true))
            {
                return Outcome.Reject(RejectionCode.InvalidField, $"an emission factor needs an activity_type id and a unit of 1-{Limits.UnitLengthMax} characters");
            }

            if (factor.GramsNumerator == 0 || factor.UnitsDenominator == 0)
            {
                return Outcome.Reject(RejectionCode.InvalidField, $"the emission factor of {factor.ActivityType} needs grams_numerator and units_denominator of at least 1");
            }
        }

        var factorTypes = tx.EmissionFactors.Select(f => f.ActivityType).ToList();
        if (factorTypes.Distinct().Count() != factorTypes.Count || !factorTypes.Order(StringComparer.Ordinal).SequenceEqual(tx.ActivityTypes.Order(StringComparer.Ordinal)))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "a SCENARIO methodology has exactly one emission factor per activity type, and none for other types");
        }

        return null;
    }
}

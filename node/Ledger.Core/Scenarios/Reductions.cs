using Ledger.Core.Protocol;

namespace Ledger.Core.Scenarios;

/// <summary>
/// §14: the platform calculates. A user's reduction for one scenario day is, per activity type,
/// floor(sum of quantities × grams_numerator / units_denominator), summed over activity types and
/// capped at the methodology's daily_cap_grams_per_user (0: no cap). Integer arithmetic only.
/// </summary>
public static class Reductions
{
    /// <summary>The factors of a scenario methodology by activity type; factors with a zero denominator are left out (they can compute nothing).</summary>
    public static IReadOnlyDictionary<string, EmissionFactor> Factors(MethodologyRecord methodology)
    {
        var factors = new Dictionary<string, EmissionFactor>(StringComparer.Ordinal);
        foreach (var factor in methodology.EmissionFactors)
        {
            if (factor.UnitsDenominator > 0)
            {
                factors[factor.ActivityType] = factor;
            }
        }

        return factors;
    }

    /// <summary>The capped grams of one user's day, or null when an uncapped sum passes Limits.GramsPerBatchMax.</summary>
    public static ulong? Grams(IEnumerable<ActivityQuantity> quantities, IReadOnlyDictionary<string, EmissionFactor> factors, ulong dailyCapGramsPerUser)
    {
        UInt128 total = 0;
        foreach (var quantity in quantities)
        {
            var factor = factors[quantity.ActivityType];
            // 2^64 quantity × 2^64 numerator fits 128 bits; the sum of at most 64 activity types cannot overflow it either.
            total += (UInt128)quantity.Quantity * factor.GramsNumerator / factor.UnitsDenominator;
        }

        if (dailyCapGramsPerUser > 0 && total > dailyCapGramsPerUser)
        {
            total = dailyCapGramsPerUser;
        }

        return total > Limits.GramsPerBatchMax ? null : (ulong)total;
    }

    /// <summary>Adds quantity to the activity's running sum, keeping quantities sorted by activity type.</summary>
    public static void Add(Google.Protobuf.Collections.RepeatedField<ActivityQuantity> quantities, string activityType, ulong quantity)
    {
        var index = 0;
        while (index < quantities.Count && string.CompareOrdinal(quantities[index].ActivityType, activityType) < 0)
        {
            index++;
        }

        if (index < quantities.Count && quantities[index].ActivityType == activityType)
        {
            quantities[index].Quantity = checked(quantities[index].Quantity + quantity);
        }
        else
        {
            quantities.Insert(index, new ActivityQuantity { ActivityType = activityType, Quantity = quantity });
        }
    }
}

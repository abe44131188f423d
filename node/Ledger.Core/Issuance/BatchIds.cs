using System.Globalization;
using Ledger.Core.Protocol;

namespace Ledger.Core.Issuance;

/// <summary>Batch ids (DESIGN §4): ORD-P-&lt;project&gt;-&lt;first day&gt;-&lt;last day&gt; and ORD-S-&lt;scenario&gt;-&lt;day&gt;, days as yyyyMMdd.</summary>
public static class BatchIds
{
    /// <summary>Day numbers count from 1970-01-01; this is 9999-12-31.</summary>
    public static readonly uint DayNumberMax = (uint)(DateOnly.MaxValue.DayNumber - Epoch.DayNumber);

    private static DateOnly Epoch => new(1970, 1, 1);

    public static string ForProject(string projectId, DayRange period) =>
        $"ORD-P-{projectId}-{Compact(period.FirstDay)}-{Compact(period.LastDay)}";

    public static string ForScenario(string scenarioId, uint day) => $"ORD-S-{scenarioId}-{Compact(day)}";

    /// <summary>ISO date of a day number.</summary>
    public static string Date(uint day) => Epoch.AddDays(checked((int)day)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static uint DayNumber(DateOnly date) => checked((uint)(date.DayNumber - Epoch.DayNumber));

    private static string Compact(uint day) => Epoch.AddDays(checked((int)day)).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
}

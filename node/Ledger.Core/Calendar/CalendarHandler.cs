using System.Globalization;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Core.Calendar;

/// <summary>SetCalendar: the bureau files each year's official holidays and adjusted working weekends (§10's working days).</summary>
public static class CalendarHandler
{
    public const uint YearMin = 1970;
    public const uint YearMax = 9999;

    public static Outcome Set(TransactionContext ctx, SetCalendar tx)
    {
        if (ctx.RequireSignerRole(Role.Bureau, "file the working-day calendar") is { } unauthorized)
        {
            return unauthorized;
        }

        if (Validate(tx) is { } invalid)
        {
            return invalid;
        }

        ctx.State.PutCalendar(new CalendarRecord
        {
            Year = tx.Year,
            Holidays = { tx.Holidays.Order() },
            AdjustedWorkingDays = { tx.AdjustedWorkingDays.Order() },
            FiledBy = ctx.Signer.ParticipantId,
            FiledHeight = ctx.Block.Height,
        });
        return Outcome.Committed(("year", tx.Year.ToString(CultureInfo.InvariantCulture)));
    }

    private static Outcome? Validate(SetCalendar tx)
    {
        if (tx.Year is < YearMin or > YearMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"year must be between {YearMin} and {YearMax}");
        }

        var year = (int)tx.Year;
        if (tx.Holidays.Count > Limits.CalendarHolidaysPerYearMax || tx.Holidays.Distinct().Count() != tx.Holidays.Count || !tx.Holidays.All(day => InYear(day, year)))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"holidays must be at most {Limits.CalendarHolidaysPerYearMax} distinct days of {year}");
        }

        var worked = tx.AdjustedWorkingDays;
        if (worked.Count > Limits.CalendarAdjustedDaysPerYearMax || worked.Distinct().Count() != worked.Count || !worked.All(day => InYear(day, year)))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"adjusted_working_days must be at most {Limits.CalendarAdjustedDaysPerYearMax} distinct days of {year}");
        }

        foreach (var day in worked.Where(day => !WorkingDays.IsWeekend(day) || tx.Holidays.Contains(day)).Take(1))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"adjusted working day {WorkingDays.Date(day):yyyy-MM-dd} must be a Saturday or Sunday that is not also a holiday");
        }

        return null;
    }

    private static bool InYear(uint day, int year) => day <= WorkingDays.DayNumberMax && WorkingDays.YearOf(day) == year;
}

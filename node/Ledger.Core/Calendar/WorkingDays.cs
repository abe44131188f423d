namespace Ledger.Core.Calendar;

/// <summary>One year's official holidays and adjusted working weekends (调休), as day numbers.</summary>
public sealed class YearCalendar
{
    private readonly HashSet<uint> _holidays;
    private readonly HashSet<uint> _adjustedWorkingDays;

    public YearCalendar(int year, IEnumerable<uint> holidays, IEnumerable<uint> adjustedWorkingDays)
    {
        Year = year;
        _holidays = [.. holidays];
        _adjustedWorkingDays = [.. adjustedWorkingDays];
    }

    public int Year { get; }

    public bool IsHoliday(uint day) => _holidays.Contains(day);

    public bool IsAdjustedWorkingDay(uint day) => _adjustedWorkingDays.Contains(day);
}

/// <summary>Where the working-day arithmetic finds a year's calendar; null when none is filed (Monday–Friday then).</summary>
public interface ICalendarLookup
{
    YearCalendar? For(int year);
}

/// <summary>
/// Working days for §10's public notice of "not less than 5 working days" (不少于5个工作日): China
/// Standard Time dates, the bureau's calendar of each year on chain, Monday–Friday for a year without
/// one. Days are numbered as <c>DayRange</c> numbers them (1970-01-01 = day 0). Pure arithmetic.
/// </summary>
public static class WorkingDays
{
    /// <summary>China Standard Time is UTC+8 all year (no daylight saving since 1991).</summary>
    public const long ChinaStandardTimeOffsetMs = 8L * 60 * 60 * 1000;

    public const long DayMs = 24L * 60 * 60 * 1000;

    /// <summary>The last day a day number may name: 9999-12-31.</summary>
    public const uint DayNumberMax = 2_932_896;

    /// <summary>More than any run of consecutive non-working days a valid calendar allows, so a count always ends.</summary>
    private const int NonWorkingRunMax = 400;

    private static readonly int EpochDayNumber = new DateOnly(1970, 1, 1).DayNumber;

    /// <summary>The China Standard Time date of a Unix-ms instant, as a day number. Block times are after 1970.</summary>
    public static uint ChinaDay(long unixMs)
    {
        Invariant.Require(unixMs >= 0, "block times are after 1970");
        return checked((uint)((unixMs + ChinaStandardTimeOffsetMs) / DayMs));
    }

    public static DateOnly Date(uint day) => DateOnly.FromDayNumber(EpochDayNumber + (int)day);

    public static uint DayOf(DateOnly date) => checked((uint)(date.DayNumber - EpochDayNumber));

    public static int YearOf(uint day) => Date(day).Year;

    public static bool IsWeekend(uint day) => Date(day).DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    /// <summary>A working day: an adjusted working weekend, or a weekday that is not a holiday of its year's calendar.</summary>
    public static bool IsWorkingDay(uint day, ICalendarLookup calendars)
    {
        var calendar = calendars.For(YearOf(day));
        if (calendar is not null && calendar.IsAdjustedWorkingDay(day))
        {
            return true;
        }

        return !IsWeekend(day) && (calendar is null || !calendar.IsHoliday(day));
    }

    /// <summary>
    /// The day on which a notice started on <paramref name="startDay"/> completes its
    /// <paramref name="workingDaysRequired"/>-th full working day, counting from the next day on;
    /// the start day itself when none are required. Approval is possible from the following day.
    /// </summary>
    public static uint LastNoticeDay(uint startDay, uint workingDaysRequired, ICalendarLookup calendars)
    {
        var day = startDay;
        var counted = 0u;
        var nonWorkingRun = 0;
        while (counted < workingDaysRequired)
        {
            Invariant.Require(day < DayNumberMax, "a notice ends before year 10000");
            day++;
            if (IsWorkingDay(day, calendars))
            {
                counted++;
                nonWorkingRun = 0;
            }
            else
            {
                nonWorkingRun++;
                Invariant.Require(nonWorkingRun <= NonWorkingRunMax, "a valid calendar never stops work for a year");
            }
        }

        return day;
    }

    /// <summary>
    /// Whether a notice started on startDay has lasted workingDaysRequired full working days by
    /// today: each counted day lies after the start day and has ended before today began.
    /// </summary>
    public static bool NoticeHasElapsed(uint startDay, uint today, uint workingDaysRequired, ICalendarLookup calendars) =>
        workingDaysRequired == 0 || today > LastNoticeDay(startDay, workingDaysRequired, calendars);
}

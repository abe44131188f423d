using Ledger.Core.Calendar;
using Ledger.Core.Protocol;

namespace Ledger.Testing;

/// <summary>
/// The State Council's real holiday arrangements (国务院办公厅关于部分节假日安排的通知), as the bureau
/// would file them with SetCalendar. Sources, read 2025 via Xinhua as republished by gmw.cn:
/// 2025 — 国办发明电〔2024〕12号 of 2024-11-12 (https://m.gmw.cn/2024-11/12/content_1303894933.htm);
/// 2026 — the notice of 2025-11-04 (https://politics.gmw.cn/2025-11/04/content_38391083.htm).
/// </summary>
public static class ChinaHolidays
{
    public static readonly SetCalendar Year2025 = Calendar(
        2025,
        holidays:
        [
            Day(2025, 1, 1),                        // 元旦 New Year, Wed, no swap
            .. Days(2025, 1, 28, 2, 4),             // 春节 Spring Festival, Jan 28 (eve) – Feb 4
            .. Days(2025, 4, 4, 4, 6),              // 清明 Qingming
            .. Days(2025, 5, 1, 5, 5),              // 劳动节 Labour Day
            .. Days(2025, 5, 31, 6, 2),             // 端午 Dragon Boat
            .. Days(2025, 10, 1, 10, 8),            // 国庆 + 中秋 National Day and Mid-Autumn
        ],
        worked: [Day(2025, 1, 26), Day(2025, 2, 8), Day(2025, 4, 27), Day(2025, 9, 28), Day(2025, 10, 11)]);

    public static readonly SetCalendar Year2026 = Calendar(
        2026,
        holidays:
        [
            .. Days(2026, 1, 1, 1, 3),              // 元旦 New Year
            .. Days(2026, 2, 15, 2, 23),            // 春节 Spring Festival
            .. Days(2026, 4, 4, 4, 6),              // 清明 Qingming
            .. Days(2026, 5, 1, 5, 5),              // 劳动节 Labour Day
            .. Days(2026, 6, 19, 6, 21),            // 端午 Dragon Boat
            .. Days(2026, 9, 25, 9, 27),            // 中秋 Mid-Autumn
            .. Days(2026, 10, 1, 10, 7),            // 国庆 National Day
        ],
        worked: [Day(2026, 1, 4), Day(2026, 2, 14), Day(2026, 2, 28), Day(2026, 5, 9), Day(2026, 9, 20), Day(2026, 10, 10)]);

    /// <summary>Both years as a look-up for WorkingDays, without a ledger.</summary>
    public static ICalendarLookup Lookup(params SetCalendar[] years) => new Calendars(years);

    public static uint Day(int year, int month, int day) => WorkingDays.DayOf(new DateOnly(year, month, day));

    /// <summary>Block time (Unix ms) of a China Standard Time moment.</summary>
    public static long TimeMs(int year, int month, int day, int hour = 10, int minute = 0) =>
        (Day(year, month, day) * WorkingDays.DayMs) + ((hour * 60L) + minute) * 60_000 - WorkingDays.ChinaStandardTimeOffsetMs;

    private static IEnumerable<uint> Days(int year, int firstMonth, int firstDay, int lastMonth, int lastDay)
    {
        for (var day = Day(year, firstMonth, firstDay); day <= Day(year, lastMonth, lastDay); day++)
        {
            yield return day;
        }
    }

    private static SetCalendar Calendar(uint year, uint[] holidays, uint[] worked) =>
        new() { Year = year, Holidays = { holidays }, AdjustedWorkingDays = { worked } };

    private sealed class Calendars(SetCalendar[] years) : ICalendarLookup
    {
        public YearCalendar? For(int year) =>
            years.Where(y => y.Year == year).Select(y => new YearCalendar(year, y.Holidays, y.AdjustedWorkingDays)).FirstOrDefault();
    }
}

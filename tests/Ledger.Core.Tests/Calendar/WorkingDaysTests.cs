using Ledger.Core.Calendar;
using Ledger.Testing;
using static Ledger.Testing.ChinaHolidays;

namespace Ledger.Core.Tests.Calendar;

/// <summary>
/// §10's "not less than 5 working days", counted in China Standard Time with the State Council's
/// real 2025 and 2026 holiday arrangements (sources in <see cref="ChinaHolidays"/>).
/// </summary>
public sealed class WorkingDaysTests
{
    private static readonly ICalendarLookup Official = Lookup(Year2025, Year2026);
    private static readonly ICalendarLookup None = Lookup();

    [Fact]
    public void A_day_begins_at_midnight_china_standard_time()
    {
        // 2025-01-01 00:00 CST is 2024-12-31 16:00 UTC.
        Assert.Equal(20089u, WorkingDays.ChinaDay(1_735_660_800_000));
        Assert.Equal(20088u, WorkingDays.ChinaDay(1_735_660_800_000 - 1));
        Assert.Equal(Day(2025, 10, 1), WorkingDays.ChinaDay(TimeMs(2025, 10, 1, 23, 59)));
        Assert.Equal(new DateOnly(2025, 1, 1), WorkingDays.Date(20089));
    }

    [Fact]
    public void Without_a_calendar_monday_to_friday_are_working_days()
    {
        Assert.True(WorkingDays.IsWorkingDay(Day(2027, 3, 1), None));   // Monday
        Assert.True(WorkingDays.IsWorkingDay(Day(2027, 3, 5), None));   // Friday
        Assert.False(WorkingDays.IsWorkingDay(Day(2027, 3, 6), None));  // Saturday
        Assert.False(WorkingDays.IsWorkingDay(Day(2027, 3, 7), None));  // Sunday
        Assert.True(WorkingDays.IsWorkingDay(Day(2025, 10, 1), None));  // a Wednesday, when no 2025 calendar is filed
    }

    [Theory]
    [InlineData(2025, 1, 1, false)]   // New Year, Wednesday
    [InlineData(2025, 1, 26, true)]   // Sunday worked before the Spring Festival
    [InlineData(2025, 1, 28, false)]  // New Year's Eve (除夕), Tuesday
    [InlineData(2025, 2, 4, false)]   // last day of the Spring Festival, Tuesday
    [InlineData(2025, 2, 5, true)]
    [InlineData(2025, 2, 8, true)]    // Saturday worked after it
    [InlineData(2025, 4, 4, false)]   // Qingming, Friday
    [InlineData(2025, 4, 27, true)]   // Sunday worked before Labour Day
    [InlineData(2025, 5, 5, false)]   // Labour Day, Monday
    [InlineData(2025, 6, 2, false)]   // Dragon Boat, Monday
    [InlineData(2025, 9, 28, true)]   // Sunday worked before National Day
    [InlineData(2025, 10, 8, false)]  // National Day and Mid-Autumn, Wednesday
    [InlineData(2025, 10, 11, true)]  // Saturday worked after it
    [InlineData(2025, 10, 12, false)] // an ordinary Sunday
    [InlineData(2026, 1, 2, false)]   // New Year, Friday
    [InlineData(2026, 1, 4, true)]    // Sunday worked
    [InlineData(2026, 2, 14, true)]   // Saturday worked before the Spring Festival
    [InlineData(2026, 2, 23, false)]  // last day of the Spring Festival, Monday
    [InlineData(2026, 2, 28, true)]   // Saturday worked after it
    [InlineData(2026, 5, 9, true)]    // Saturday worked after Labour Day
    [InlineData(2026, 6, 19, false)]  // Dragon Boat, Friday
    [InlineData(2026, 9, 20, true)]   // Sunday worked before National Day
    [InlineData(2026, 9, 25, false)]  // Mid-Autumn, Friday
    [InlineData(2026, 10, 7, false)]  // National Day, Wednesday
    [InlineData(2026, 10, 8, true)]
    [InlineData(2026, 10, 10, true)]  // Saturday worked after it
    public void The_state_council_arrangements_decide_each_day(int year, int month, int day, bool working)
    {
        Assert.Equal(working, WorkingDays.IsWorkingDay(Day(year, month, day), Official));
    }

    [Fact]
    public void Year_2025_has_248_working_days()
    {
        // 261 weekdays, less 18 holidays on weekdays (Jan 1; Jan 28-31, Feb 3-4; Apr 4; May 1, 2, 5;
        // Jun 2; Oct 1-3, 6-8), plus 5 weekend days worked (Jan 26, Feb 8, Apr 27, Sep 28, Oct 11).
        var days = Enumerable.Range(0, 365).Select(i => Day(2025, 1, 1) + (uint)i);
        Assert.Equal(261, days.Count(d => WorkingDays.IsWorkingDay(d, None)));
        Assert.Equal(248, days.Count(d => WorkingDays.IsWorkingDay(d, Official)));
    }

    [Fact]
    public void A_notice_started_on_the_friday_before_national_day_2025_ends_on_october_10()
    {
        // Started Fri 26 Sep: Sun 28 Sep (worked) 1, Mon 29 2, Tue 30 3, 1-8 Oct off, Thu 9 Oct 4, Fri 10 Oct 5.
        var start = Day(2025, 9, 26);
        Assert.Equal(Day(2025, 10, 10), WorkingDays.LastNoticeDay(start, 5, Official));
        Assert.False(WorkingDays.NoticeHasElapsed(start, Day(2025, 10, 10), 5, Official));
        Assert.True(WorkingDays.NoticeHasElapsed(start, Day(2025, 10, 11), 5, Official));

        // Monday to Friday alone would have ended it on Fri 3 Oct, in the middle of the holiday.
        Assert.Equal(Day(2025, 10, 3), WorkingDays.LastNoticeDay(start, 5, None));
    }

    [Fact]
    public void A_notice_started_on_the_last_day_before_national_day_2025_counts_the_worked_saturday()
    {
        // Started Tue 30 Sep: Thu 9 Oct 1, Fri 10 2, Sat 11 (worked) 3, Mon 13 4, Tue 14 5.
        Assert.Equal(Day(2025, 10, 14), WorkingDays.LastNoticeDay(Day(2025, 9, 30), 5, Official));
    }

    [Fact]
    public void Notices_around_the_2026_mid_autumn_and_national_day_holidays()
    {
        // Started Fri 18 Sep: Sun 20 (worked) 1, Mon 21 2, Tue 22 3, Wed 23 4, Thu 24 5.
        Assert.Equal(Day(2026, 9, 24), WorkingDays.LastNoticeDay(Day(2026, 9, 18), 5, Official));

        // Started Thu 24 Sep: 25-27 Mid-Autumn off, Mon 28 1, Tue 29 2, Wed 30 3, 1-7 Oct off, Thu 8 4, Fri 9 5.
        Assert.Equal(Day(2026, 10, 9), WorkingDays.LastNoticeDay(Day(2026, 9, 24), 5, Official));
    }

    [Fact]
    public void A_notice_started_before_the_2026_spring_festival_waits_for_it()
    {
        // Started Fri 13 Feb: Sat 14 (worked) 1, 15-23 off, Tue 24 2, Wed 25 3, Thu 26 4, Fri 27 5.
        Assert.Equal(Day(2026, 2, 27), WorkingDays.LastNoticeDay(Day(2026, 2, 13), 5, Official));
    }

    [Fact]
    public void A_notice_across_new_year_uses_each_years_calendar()
    {
        // Started Mon 29 Dec 2025: Tue 30 1, Wed 31 2, 1-3 Jan 2026 off, Sun 4 (worked) 3, Mon 5 4, Tue 6 5.
        var start = Day(2025, 12, 29);
        Assert.Equal(Day(2026, 1, 6), WorkingDays.LastNoticeDay(start, 5, Official));

        // With only 2025 filed, 2026 counts Monday to Friday: Thu 1, Fri 2 Jan, Mon 5.
        Assert.Equal(Day(2026, 1, 5), WorkingDays.LastNoticeDay(start, 5, Lookup(Year2025)));
    }

    [Fact]
    public void The_start_day_never_counts_and_today_counts_only_once_it_has_ended()
    {
        // Started Mon 3 Mar 2025 at any hour: Tue 4 .. Mon 10 are the five days; Tue 11 is the first free day.
        var start = Day(2025, 3, 3);
        Assert.Equal(Day(2025, 3, 10), WorkingDays.LastNoticeDay(start, 5, Official));
        Assert.False(WorkingDays.NoticeHasElapsed(start, Day(2025, 3, 10), 5, Official));
        Assert.True(WorkingDays.NoticeHasElapsed(start, Day(2025, 3, 11), 5, Official));
    }

    [Fact]
    public void No_required_days_means_the_notice_has_elapsed_at_once()
    {
        var start = Day(2025, 10, 1);
        Assert.True(WorkingDays.NoticeHasElapsed(start, start, 0, Official));
        Assert.Equal(start, WorkingDays.LastNoticeDay(start, 0, Official));
    }

    [Fact]
    public void More_required_days_never_end_earlier()
    {
        for (var start = Day(2025, 1, 1); start < Day(2026, 12, 20); start += 3)
        {
            var previous = start;
            for (var required = 1u; required <= 10; required++)
            {
                var last = WorkingDays.LastNoticeDay(start, required, Official);
                Assert.True(last > previous, $"{WorkingDays.Date(start)}: {required} days end {WorkingDays.Date(last)}, not after {WorkingDays.Date(previous)}");
                Assert.True(WorkingDays.IsWorkingDay(last, Official));
                previous = last;
            }
        }
    }
}

using Ledger.Core.State;

namespace Ledger.Core.Calendar;

/// <summary>The calendars filed on chain (table 0x09), read once per year per use.</summary>
public sealed class StateCalendars(LedgerState state) : ICalendarLookup
{
    private readonly Dictionary<int, YearCalendar?> _years = [];

    public YearCalendar? For(int year)
    {
        if (!_years.TryGetValue(year, out var calendar))
        {
            var record = state.GetCalendar(year);
            calendar = record is null ? null : new YearCalendar(year, record.Holidays, record.AdjustedWorkingDays);
            _years[year] = calendar;
        }

        return calendar;
    }
}

using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Core.Tests.Properties;

/// <summary>
/// The reference the lifecycle properties compare the ledger with: each subject's status, opinions,
/// notice start, objections, evaluations and links, and a working-day count of its own. Deliberately
/// simple: dates as <see cref="DateOnly"/>, days counted one by one over the whole interval.
/// </summary>
public sealed class LifecycleModel
{
    public const int NoticeWorkingDays = 5;
    public const int OpinionsRequired = 3;

    public sealed class Subject(string id, string applicant, bool isProject)
    {
        public string Id { get; } = id;

        public string Applicant { get; } = applicant;

        public bool IsProject { get; } = isProject;

        public ProjectStatus Status { get; set; } = ProjectStatus.Applied;

        public Dictionary<string, bool> Opinions { get; } = [];

        public DateOnly NoticeStart { get; set; }

        public List<bool> ObjectionsAnswered { get; } = [];

        public List<Evaluation> Evaluations { get; } = [];

        public int Declared { get; set; }

        public bool Linked { get; set; }

        public bool Issued { get; set; }

        public bool ReviewComplete =>
            Opinions.Count >= OpinionsRequired && Opinions.Count(o => o.Value) * 2 > Opinions.Count;
    }

    public sealed class Evaluation(DateOnly deadline)
    {
        public DateOnly Deadline { get; } = deadline;

        public DateOnly? Rectified { get; set; }

        public bool Overdue(DateOnly today) => today > Deadline && (Rectified is null || Rectified > Deadline);
    }

    private static readonly HashSet<DateOnly> Holidays = [.. Dates(ChinaHolidays.Year2025.Holidays), .. Dates(ChinaHolidays.Year2026.Holidays)];
    private static readonly HashSet<DateOnly> Worked = [.. Dates(ChinaHolidays.Year2025.AdjustedWorkingDays), .. Dates(ChinaHolidays.Year2026.AdjustedWorkingDays)];

    public Dictionary<string, Subject> Subjects { get; } = [];

    /// <summary>The calendar date in Beijing of a block time.</summary>
    public static DateOnly ChinaDate(long timeMs) =>
        DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(timeMs).ToOffset(TimeSpan.FromHours(8)).DateTime);

    public static bool IsWorkingDay(DateOnly date) =>
        Worked.Contains(date) || (date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !Holidays.Contains(date));

    /// <summary>§10: at least five working days lie wholly between the notice's start day and today.</summary>
    public static bool NoticeElapsed(DateOnly start, DateOnly today)
    {
        var count = 0;
        for (var date = start.AddDays(1); date < today; date = date.AddDays(1))
        {
            count += IsWorkingDay(date) ? 1 : 0;
        }

        return count >= NoticeWorkingDays;
    }

    private static IEnumerable<DateOnly> Dates(IEnumerable<uint> days) =>
        days.Select(day => new DateOnly(1970, 1, 1).AddDays((int)day));
}

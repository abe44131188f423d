using Ledger.Core.Calendar;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Core.Projects;

/// <summary>
/// The lifecycle's questions other areas ask (DESIGN §4): may this subject issue, is its review
/// complete, has its notice lasted long enough. Projects and scenarios alike.
/// </summary>
public static class Lifecycle
{
    /// <summary>
    /// Rule 1 of DESIGN §5 for a project or scenario: only an APPROVED subject issues (a SUSPENDED one
    /// issues nothing until reinstated, §11), and never one registered elsewhere (§17). Null when it may.
    /// </summary>
    public static Outcome? CanIssue(ProjectRecord subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (subject.Status != ProjectStatus.Approved)
        {
            return Outcome.Reject(RejectionCode.ProjectNotApproved, $"{Subjects.Name(subject)} is {ProtoNames.Of(subject.Status)}; only an APPROVED project or scenario issues");
        }

        if (IsLinkedElsewhere(subject))
        {
            // §17: reductions applied for or issued as CCER, VCS or other credits may not be issued here.
            return Outcome.Reject(RejectionCode.ExcludedElsewhere, $"{Subjects.Name(subject)} is registered elsewhere ({string.Join(", ", ExternalLinks(subject))})");
        }

        return null;
    }

    /// <summary>§17: declared by the applicant or recorded by the bureau.</summary>
    public static bool IsLinkedElsewhere(ProjectRecord subject) =>
        subject.ExternalRegistryIds.Count > 0 || subject.BureauExclusions.Count > 0;

    public static IEnumerable<string> ExternalLinks(ProjectRecord subject) =>
        subject.ExternalRegistryIds.Concat(subject.BureauExclusions.Select(e => $"{e.Registry}:{e.ExternalId}"));

    /// <summary>§10: at least the required opinions, more favourable than unfavourable (vacuous only when none are required and none were given).</summary>
    public static bool ReviewComplete(ProjectRecord subject, LedgerRules rules)
    {
        var total = subject.Opinions.Count;
        var favourable = subject.Opinions.Count(o => o.Favourable);
        return total >= rules.ReviewOpinionsRequired && (total == 0 || favourable * 2 > total);
    }

    /// <summary>The China Standard Time day the notice started.</summary>
    public static uint NoticeStartDay(ProjectRecord subject) => WorkingDays.ChinaDay(subject.NoticeStartedMs);

    /// <summary>§10: the notice has lasted the required full working days by today.</summary>
    public static bool NoticeElapsed(ProjectRecord subject, uint today, LedgerRules rules, ICalendarLookup calendars) =>
        WorkingDays.NoticeHasElapsed(NoticeStartDay(subject), today, rules.NoticeWorkingDays, calendars);

    /// <summary>The last day of the notice's required working days; approval is possible from the next day.</summary>
    public static uint NoticeLastDay(ProjectRecord subject, LedgerRules rules, ICalendarLookup calendars) =>
        WorkingDays.LastNoticeDay(NoticeStartDay(subject), rules.NoticeWorkingDays, calendars);
}

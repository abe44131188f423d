using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Testing;
using static Ledger.Core.Tests.Properties.LifecycleModel;

namespace Ledger.Core.Tests.Properties;

/// <summary>
/// Runs generated lifecycle steps on a ledger with the measures' rules (3 opinions, 5 working days)
/// and the 2025 and 2026 calendars: predicts each outcome with the LifecycleModel, applies the block,
/// and reports every difference, then checks the rules on the ledger's own state.
/// </summary>
public sealed class LifecycleDriver
{
    public const string Owner = "owner-1";
    public const string Company = "travel-app";
    public const string Trader = "trader-1";

    /// <summary>Days around the State Council's holidays, 10:00 Beijing time.</summary>
    public static readonly long[] Anchors =
    [
        ChinaHolidays.TimeMs(2025, 1, 22), ChinaHolidays.TimeMs(2025, 4, 28), ChinaHolidays.TimeMs(2025, 9, 24),
        ChinaHolidays.TimeMs(2025, 9, 30), ChinaHolidays.TimeMs(2025, 12, 29), ChinaHolidays.TimeMs(2026, 2, 11),
        ChinaHolidays.TimeMs(2026, 9, 16), ChinaHolidays.TimeMs(2026, 9, 30),
    ];

    private static readonly string[] SubjectIds = ["P-1", "P-2", "S-1"];
    private static readonly long[] WaitHours = [1, 6, 14, 23, 30, 49, 73, 121, 170];
    private const long HourMs = 3_600_000;

    private readonly Dictionary<ulong, long> _blockTimes = [];
    private readonly Dictionary<string, int> _issuedWhenLinked = [];
    private int _counter;

    public LifecycleDriver(int anchor)
    {
        Ledger = new TestLedger(rules: TestLedger.MeasuresRules);
        TestLedger.Committed(Ledger.Submit(TestLedger.Bureau, Bodies.SetCalendar(ChinaHolidays.Year2025)));
        TestLedger.Committed(Ledger.Submit(TestLedger.Bureau, Bodies.SetCalendar(ChinaHolidays.Year2026)));
        TestLedger.Committed(Ledger.Submit(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        TestLedger.Committed(Ledger.Submit(TestLedger.Bureau, Bodies.FileScenarioMethodology("SM-1")));
        Ledger.Register(Owner, Role.ProjectOwner);
        Ledger.Register(Company, Role.ScenarioCompany);
        Ledger.Register(Trader, Role.Trader);
        for (var i = 1; i <= 4; i++)
        {
            Ledger.Expert(i);
        }

        TestLedger.Committed(Ledger.Submit(Owner, Bodies.ApplyProject("P-1", "M-1")));
        TestLedger.Committed(Ledger.Submit(Owner, Bodies.ApplyProject("P-2", "M-1")));
        TestLedger.Committed(Ledger.Submit(Company, Bodies.ApplyScenario("S-1", "SM-1")));
        Model.Subjects["P-1"] = new Subject("P-1", Owner, isProject: true);
        Model.Subjects["P-2"] = new Subject("P-2", Owner, isProject: true);
        Model.Subjects["S-1"] = new Subject("S-1", Company, isProject: false);
        Ledger.AdvanceTo(Anchors[anchor % Anchors.Length] + (anchor * 7_919_000L % (10 * HourMs)));
    }

    public TestLedger Ledger { get; }

    public LifecycleModel Model { get; } = new();

    public Dictionary<RejectionCode, int> Outcomes { get; } = [];

    public IReadOnlyList<string> RunBlock(IReadOnlyList<LifecycleStep> steps)
    {
        var waitMs = steps.Where(s => s.Kind == LifecycleStepKind.Wait).Sum(s => WaitHours[s.A % WaitHours.Length] * HourMs);
        var timeMs = Ledger.TimeMs + 1000 + waitMs;
        Ledger.AdvanceTo(timeMs);
        var today = ChinaDate(timeMs);
        var planned = steps.Where(s => s.Kind != LifecycleStepKind.Wait).Select(s => Plan(s, today)).ToArray();
        var envelopes = planned.Select(p => p.Envelope).ToArray();
        var before = LedgerDriver.Clone(Ledger.Store);
        var receipts = Ledger.ApplyBlock(envelopes);
        Assert.Equal(timeMs, Ledger.TimeMs);
        _blockTimes[Ledger.Height] = timeMs;

        var problems = new List<string>();
        for (var i = 0; i < planned.Length; i++)
        {
            Outcomes[receipts[i].Code] = Outcomes.GetValueOrDefault(receipts[i].Code) + 1;
            if (receipts[i].Code != planned[i].Expected)
            {
                problems.Add($"{planned[i].Step} on {today}: expected {planned[i].Expected}, ledger said {receipts[i].Code} ({receipts[i].Message})");
            }
        }

        // Every refused step changed nothing: the committed transactions alone give the same root.
        var committedOnly = envelopes.Where((_, i) => receipts[i].Code == RejectionCode.Unspecified).ToArray();
        var replay = Ledger.Machine.ApplyBlock(before, new BlockContext(Ledger.Height, timeMs), committedOnly);
        if (!replay.StateRoot.AsSpan().SequenceEqual(Ledger.StateRoot))
        {
            problems.Add("the refused transactions changed the state root");
        }

        problems.AddRange(StateProblems());
        return problems;
    }

    private sealed record Planned(LifecycleStep Step, Envelope Envelope, RejectionCode Expected);

    private Planned Plan(LifecycleStep step, DateOnly today)
    {
        var subject = Model.Subjects[SubjectIds[step.A % SubjectIds.Length]];
        return step.Kind switch
        {
            LifecycleStepKind.Review => PlanReview(step, subject),
            LifecycleStepKind.StartNotice => PlanNotice(step, subject, today),
            LifecycleStepKind.Object => PlanObjection(step, subject),
            LifecycleStepKind.Answer => PlanAnswer(step, subject),
            LifecycleStepKind.Approve => PlanApproval(step, subject, today),
            // Only P-2 is ever rejected, so P-1 and S-1 live on to approval, evaluation and suspension.
            LifecycleStepKind.Reject => PlanRejection(step, Model.Subjects["P-2"]),
            LifecycleStepKind.Evaluate => PlanEvaluation(step, subject, today),
            LifecycleStepKind.Rectify => PlanRectification(step, subject, today),
            LifecycleStepKind.Suspend => PlanSuspension(step, subject, today),
            LifecycleStepKind.Reinstate => PlanReinstatement(step, subject),
            LifecycleStepKind.Issue => PlanIssue(step, subject.IsProject ? subject : Model.Subjects["P-1"]),
            LifecycleStepKind.Exclude => PlanExclusion(step, subject),
            LifecycleStepKind.Declare => PlanDeclaration(step, subject),
            LifecycleStepKind.WrongRole => PlanWrongRole(step, subject),
            LifecycleStepKind.Progress => PlanProgress(step, subject, today),
            _ => throw new ArgumentOutOfRangeException(nameof(step)),
        };
    }

    private Planned PlanReview(LifecycleStep step, Subject subject)
    {
        var expert = $"expert-{1 + (step.B % 4)}";
        var favourable = step.C % 5 != 0;
        var expected = true switch
        {
            _ when subject.Status is not (ProjectStatus.Applied or ProjectStatus.UnderReview) => RejectionCode.InvalidStatusTransition,
            _ when subject.Opinions.ContainsKey(expert) => RejectionCode.ReviewAlreadySubmitted,
            _ => RejectionCode.Unspecified,
        };
        if (expected == RejectionCode.Unspecified)
        {
            subject.Opinions[expert] = favourable;
            subject.Status = ProjectStatus.UnderReview;
        }

        return new Planned(step, Ledger.Sign(expert, Bodies.SubmitReview(subject.Id, favourable)), expected);
    }

    private Planned PlanNotice(LifecycleStep step, Subject subject, DateOnly today)
    {
        var expected = true switch
        {
            _ when subject.Status is not (ProjectStatus.Applied or ProjectStatus.UnderReview) => RejectionCode.InvalidStatusTransition,
            _ when !subject.ReviewComplete => RejectionCode.ReviewIncomplete,
            _ => RejectionCode.Unspecified,
        };
        if (expected == RejectionCode.Unspecified)
        {
            subject.Status = ProjectStatus.PublicNotice;
            subject.NoticeStart = today;
        }

        return new Planned(step, Ledger.Sign(TestLedger.Operator, Bodies.StartPublicNotice(subject.Id)), expected);
    }

    private Planned PlanObjection(LifecycleStep step, Subject subject)
    {
        var expected = subject.Status == ProjectStatus.PublicNotice ? RejectionCode.Unspecified : RejectionCode.NoticeNotOpen;
        if (expected == RejectionCode.Unspecified)
        {
            subject.ObjectionsAnswered.Add(false);
        }

        return new Planned(step, Ledger.Sign(Trader, Bodies.FileObjection(subject.Id)), expected);
    }

    private Planned PlanAnswer(LifecycleStep step, Subject subject)
    {
        var number = 1 + (step.B % (subject.ObjectionsAnswered.Count + 1));
        var expected = true switch
        {
            _ when number > subject.ObjectionsAnswered.Count => RejectionCode.UnknownObjection,
            _ when subject.ObjectionsAnswered[number - 1] => RejectionCode.ObjectionAlreadyAnswered,
            _ => RejectionCode.Unspecified,
        };
        if (expected == RejectionCode.Unspecified)
        {
            subject.ObjectionsAnswered[number - 1] = true;
        }

        return new Planned(step, Ledger.Sign(TestLedger.Bureau, Bodies.AnswerObjection(subject.Id, (uint)number)), expected);
    }

    private Planned PlanApproval(LifecycleStep step, Subject subject, DateOnly today)
    {
        var expected = true switch
        {
            _ when subject.Status != ProjectStatus.PublicNotice => RejectionCode.InvalidStatusTransition,
            _ when !subject.ReviewComplete => RejectionCode.ReviewIncomplete,
            _ when !NoticeElapsed(subject.NoticeStart, today) => RejectionCode.NoticePeriodNotElapsed,
            _ when subject.ObjectionsAnswered.Contains(false) => RejectionCode.ObjectionUnanswered,
            _ => RejectionCode.Unspecified,
        };
        if (expected == RejectionCode.Unspecified)
        {
            subject.Status = ProjectStatus.Approved;
        }

        return new Planned(step, Ledger.Sign(TestLedger.Bureau, Bodies.Approve(subject.Id)), expected);
    }

    private Planned PlanRejection(LifecycleStep step, Subject subject)
    {
        var expected = subject.Status is ProjectStatus.Applied or ProjectStatus.UnderReview or ProjectStatus.PublicNotice
            ? RejectionCode.Unspecified
            : RejectionCode.InvalidStatusTransition;
        if (expected == RejectionCode.Unspecified)
        {
            subject.Status = ProjectStatus.Rejected;
        }

        return new Planned(step, Ledger.Sign(TestLedger.Bureau, Bodies.Reject(subject.Id)), expected);
    }

    private Planned PlanEvaluation(LifecycleStep step, Subject subject, DateOnly today)
    {
        var deadline = today.AddDays(step.C % 4);
        var expected = subject.Status is ProjectStatus.Approved or ProjectStatus.Suspended ? RejectionCode.Unspecified : RejectionCode.InvalidStatusTransition;
        if (expected == RejectionCode.Unspecified)
        {
            subject.Evaluations.Add(new Evaluation(deadline));
        }

        var signer = step.B % 2 == 0 ? TestLedger.Operator : TestLedger.Bureau;
        return new Planned(step, Ledger.Sign(signer, Bodies.RecordEvaluation(subject.Id, (uint)(deadline.DayNumber - new DateOnly(1970, 1, 1).DayNumber))), expected);
    }

    private Planned PlanRectification(LifecycleStep step, Subject subject, DateOnly today)
    {
        var number = 1 + (step.B % (subject.Evaluations.Count + 1));
        var expected = true switch
        {
            _ when number > subject.Evaluations.Count => RejectionCode.UnknownEvaluation,
            _ when subject.Evaluations[number - 1].Rectified is not null => RejectionCode.InvalidStatusTransition,
            _ => RejectionCode.Unspecified,
        };
        if (expected == RejectionCode.Unspecified)
        {
            subject.Evaluations[number - 1].Rectified = today;
        }

        return new Planned(step, Ledger.Sign(subject.Applicant, Bodies.RecordRectification(subject.Id, (uint)number)), expected);
    }

    private Planned PlanSuspension(LifecycleStep step, Subject subject, DateOnly today)
    {
        var number = 1 + (step.B % (subject.Evaluations.Count + 1));
        var expected = true switch
        {
            _ when subject.Status != ProjectStatus.Approved => RejectionCode.InvalidStatusTransition,
            _ when number > subject.Evaluations.Count => RejectionCode.UnknownEvaluation,
            _ when !subject.Evaluations[number - 1].Overdue(today) => RejectionCode.RectificationNotDue,
            _ => RejectionCode.Unspecified,
        };
        if (expected == RejectionCode.Unspecified)
        {
            subject.Status = ProjectStatus.Suspended;
        }

        return new Planned(step, Ledger.Sign(TestLedger.Bureau, Bodies.Suspend(subject.Id, (uint)number)), expected);
    }

    private Planned PlanReinstatement(LifecycleStep step, Subject subject)
    {
        var expected = true switch
        {
            _ when subject.Status != ProjectStatus.Suspended => RejectionCode.InvalidStatusTransition,
            _ when subject.Evaluations.Any(e => e.Rectified is null) => RejectionCode.NotRectified,
            _ => RejectionCode.Unspecified,
        };
        if (expected == RejectionCode.Unspecified)
        {
            subject.Status = ProjectStatus.Approved;
        }

        return new Planned(step, Ledger.Sign(TestLedger.Bureau, Bodies.Reinstate(subject.Id)), expected);
    }

    private Planned PlanIssue(LifecycleStep step, Subject project)
    {
        var k = (uint)++_counter;
        var first = LedgerDriver.Jan1 + (3 * k);
        var body = Bodies.Issue(project.Id, first, first + 1, 1_000 + (ulong)step.B, Bodies.ReportHash((byte)(k % 250), k, "lifecycle"));
        var expected = true switch
        {
            _ when project.Status != ProjectStatus.Approved => RejectionCode.ProjectNotApproved,
            _ when project.Linked => RejectionCode.ExcludedElsewhere,
            _ => RejectionCode.Unspecified,
        };
        if (expected == RejectionCode.Unspecified)
        {
            project.Issued = true;
        }

        return new Planned(step, Ledger.Sign(TestLedger.Bureau, body, TestLedger.Verifier), expected);
    }

    private Planned PlanExclusion(LifecycleStep step, Subject subject)
    {
        subject.Linked = true;
        return new Planned(step, Ledger.Sign(TestLedger.Bureau, Bodies.AddExclusion("VCS", $"VCS-{++_counter}", subject.Id)), RejectionCode.Unspecified);
    }

    private Planned PlanDeclaration(LifecycleStep step, Subject subject)
    {
        var expected = true switch
        {
            _ when subject.Issued => RejectionCode.IssuedHere,
            _ when subject.Declared >= Limits.ExternalRegistryIdsPerProjectMax => RejectionCode.InvalidField,
            _ => RejectionCode.Unspecified,
        };
        if (expected == RejectionCode.Unspecified)
        {
            subject.Linked = true;
            subject.Declared++;
        }

        return new Planned(step, Ledger.Sign(subject.Applicant, Bodies.DeclareExternalRegistration(subject.Id, $"GS-{++_counter}")), expected);
    }

    private Planned PlanProgress(LifecycleStep step, Subject subject, DateOnly today)
    {
        Planned As(LifecycleStepKind kind, int b) => Plan(step with { Kind = kind, B = b }, today);
        var open = subject.Evaluations.FindIndex(e => e.Rectified is null);
        var missing = Enumerable.Range(1, 4).FirstOrDefault(i => !subject.Opinions.ContainsKey($"expert-{i}"));
        return subject.Status switch
        {
            ProjectStatus.Applied or ProjectStatus.UnderReview when !subject.ReviewComplete && missing > 0 => As(LifecycleStepKind.Review, missing - 1),
            ProjectStatus.Applied or ProjectStatus.UnderReview => As(LifecycleStepKind.StartNotice, 0),
            ProjectStatus.PublicNotice when subject.ObjectionsAnswered.Contains(false) => As(LifecycleStepKind.Answer, subject.ObjectionsAnswered.IndexOf(false)),
            ProjectStatus.PublicNotice => As(LifecycleStepKind.Approve, 0),
            ProjectStatus.Approved when subject.Evaluations.FindIndex(e => e.Overdue(today)) is var overdue and >= 0 => As(LifecycleStepKind.Suspend, overdue),
            ProjectStatus.Approved when step.C % 3 == 0 => As(LifecycleStepKind.Evaluate, step.B),
            ProjectStatus.Suspended when open >= 0 => As(LifecycleStepKind.Rectify, open),
            ProjectStatus.Suspended => As(LifecycleStepKind.Reinstate, 0),
            _ => As(LifecycleStepKind.Issue, step.B),
        };
    }

    private Planned PlanWrongRole(LifecycleStep step, Subject subject)
    {
        var envelope = (step.B % 4) switch
        {
            0 => Ledger.Sign(TestLedger.Operator, Bodies.Approve(subject.Id)),
            1 => Ledger.Sign(TestLedger.Bureau, Bodies.StartPublicNotice(subject.Id)),
            2 => Ledger.Sign(Trader, Bodies.SubmitReview(subject.Id, favourable: true)),
            _ => Ledger.Sign(TestLedger.Operator, Bodies.Suspend(subject.Id, 1)),
        };
        return new Planned(step, envelope, RejectionCode.UnauthorizedRole);
    }

    /// <summary>The rules checked on the ledger's own records, independently of the predicted codes.</summary>
    private IEnumerable<string> StateProblems()
    {
        foreach (var id in SubjectIds)
        {
            var record = Ledger.View.GetProject(id)!;
            if (record.Status is ProjectStatus.Approved or ProjectStatus.Suspended)
            {
                var favourable = record.Opinions.Count(o => o.Favourable);
                if (record.Opinions.Count < OpinionsRequired || favourable * 2 <= record.Opinions.Count)
                {
                    yield return $"{id} approved with {record.Opinions.Count} opinions, {favourable} favourable";
                }

                var approvedOn = ChinaDate(_blockTimes[record.DecidedHeight]);
                if (!NoticeElapsed(ChinaDate(record.NoticeStartedMs), approvedOn))
                {
                    yield return $"{id} approved on {approvedOn}, before five working days after {ChinaDate(record.NoticeStartedMs)}";
                }

                if (record.ObjectionsUnanswered != 0)
                {
                    yield return $"{id} approved with {record.ObjectionsUnanswered} unanswered objections";
                }
            }

            var unanswered = Enumerable.Range(1, (int)record.ObjectionsFiled).Count(n => !Ledger.View.GetObjection(id, (uint)n)!.Answered);
            if (unanswered != record.ObjectionsUnanswered)
            {
                yield return $"{id} counts {record.ObjectionsUnanswered} unanswered objections, its records {unanswered}";
            }

            if (record.Status == ProjectStatus.Suspended)
            {
                var suspendedOn = ChinaDate(_blockTimes[record.StatusHeight]);
                var overdue = Enumerable.Range(1, (int)record.EvaluationsRecorded).Select(n => Ledger.View.GetEvaluation(id, (uint)n)!)
                    .Any(e => WorkingDays(e.RectificationDeadlineDay) < suspendedOn && (!e.Rectified || e.RectifiedDay > e.RectificationDeadlineDay));
                if (!overdue)
                {
                    yield return $"{id} suspended on {suspendedOn} without an evaluation past its deadline";
                }
            }

            if (Projects.Lifecycle.IsLinkedElsewhere(record))
            {
                var issued = record.IssuedPeriods.Count;
                if (_issuedWhenLinked.TryGetValue(id, out var atLink) && issued > atLink)
                {
                    yield return $"{id} issued after it was linked to another registry";
                }

                _issuedWhenLinked.TryAdd(id, issued);
            }
        }
    }

    private static DateOnly WorkingDays(uint day) => new DateOnly(1970, 1, 1).AddDays((int)day);
}

using Google.Protobuf;
using Ledger.Core;
using Ledger.Core.Calendar;
using Ledger.Core.Protocol;

namespace Ledger.Client.Builders;

/// <summary>
/// The lifecycle of projects and scenarios (§9–§11), scenario methodologies (§5–§8), the working-day
/// calendar and exclusions (§17). Each transaction names who signs it.
/// </summary>
public static partial class Transactions
{
    /// <summary>An emission factor: <paramref name="gramsNumerator"/> / <paramref name="unitsDenominator"/> g CO2e per <paramref name="unit"/> of the activity.</summary>
    public static EmissionFactor EmissionFactor(string activityType, string unit, ulong gramsNumerator, ulong unitsDenominator = 1) => new()
    {
        ActivityType = Require.Id(activityType, nameof(activityType)),
        Unit = Require.Text(unit, nameof(unit), Limits.UnitLengthMax),
        GramsNumerator = Require.Positive(gramsNumerator, nameof(gramsNumerator)),
        UnitsDenominator = Require.Positive(unitsDenominator, nameof(unitsDenominator)),
    };

    /// <summary>
    /// Files a scenario methodology (§7): its activity types are those of the factors, one factor each,
    /// and a per-user daily cap in grams. Signed by a BUREAU.
    /// </summary>
    public static TransactionBody FileScenarioMethodology(
        string methodologyId,
        string title,
        MethodologyLevel level,
        string version,
        IEnumerable<EmissionFactor> emissionFactors,
        ulong dailyCapGramsPerUser,
        string? supersedesMethodologyId = null)
    {
        ArgumentNullException.ThrowIfNull(emissionFactors);
        var factors = emissionFactors.ToList();
        if (factors.Count == 0)
        {
            throw new ArgumentException("a scenario methodology needs at least one emission factor", nameof(emissionFactors));
        }

        var body = FileMethodology(methodologyId, title, level, version, factors.Select(f => f.ActivityType), supersedesMethodologyId);
        body.FileMethodology.Kind = MethodologyKind.Scenario;
        body.FileMethodology.EmissionFactors.Add(factors);
        body.FileMethodology.DailyCapGramsPerUser = Require.Positive(dailyCapGramsPerUser, nameof(dailyCapGramsPerUser));
        return body;
    }

    /// <summary>Withdraws an active methodology: no new application or approval may use it. Signed by a BUREAU.</summary>
    public static TransactionBody WithdrawMethodology(string methodologyId, string reason) => new()
    {
        WithdrawMethodology = new WithdrawMethodology
        {
            MethodologyId = Require.Id(methodologyId, nameof(methodologyId)),
            Reason = Require.Text(reason, nameof(reason), Limits.TextLengthMax),
        },
    };

    /// <summary>Lets a subject use a lower-level methodology although a higher-level one covers its activity (§5). Signed by a BUREAU.</summary>
    public static TransactionBody GrantMethodologyException(string subjectId, string methodologyId, string reason) => new()
    {
        GrantMethodologyException = new GrantMethodologyException
        {
            SubjectId = Require.Id(subjectId, nameof(subjectId)),
            MethodologyId = Require.Id(methodologyId, nameof(methodologyId)),
            Reason = Require.Text(reason, nameof(reason), Limits.TextLengthMax),
        },
    };

    /// <summary>Applies for a reduction scenario under a SCENARIO methodology (§9). Signed by a SCENARIO_COMPANY.</summary>
    public static TransactionBody ApplyScenario(string scenarioId, string title, string methodologyId, IEnumerable<string>? externalRegistryIds = null) => new()
    {
        ApplyScenario = new ApplyScenario
        {
            ScenarioId = Require.Id(scenarioId, nameof(scenarioId)),
            Title = Require.Text(title, nameof(title), Limits.NameLengthMax),
            MethodologyId = Require.Id(methodologyId, nameof(methodologyId)),
            ExternalRegistryIds = { Require.DistinctIds(externalRegistryIds, nameof(externalRegistryIds), Limits.ExternalRegistryIdsPerProjectMax) },
        },
    };

    /// <summary>
    /// An expert's opinion on a project or scenario (§10): the network hash of the signed opinion
    /// document and/or a summary. Signed by an EXPERT, once per subject.
    /// </summary>
    public static TransactionBody SubmitReview(string subjectId, bool favourable, ReadOnlySpan<byte> opinionHash, string? summary = null)
    {
        if (opinionHash.Length is not (0 or Limits.ReportHashBytes))
        {
            throw new ArgumentException($"opinionHash must be empty or {Limits.ReportHashBytes} bytes", nameof(opinionHash));
        }

        var text = Require.Text(summary ?? "", nameof(summary), Limits.TextLengthMax, required: false);
        if (opinionHash.Length == 0 && text.Length == 0)
        {
            throw new ArgumentException("an opinion needs an opinionHash or a summary", nameof(summary));
        }

        return new TransactionBody
        {
            SubmitReview = new SubmitReview { SubjectId = Require.Id(subjectId, nameof(subjectId)), Favourable = favourable, OpinionHash = ByteString.CopyFrom(opinionHash), Summary = text },
        };
    }

    /// <summary>An opinion given as a summary only.</summary>
    public static TransactionBody SubmitReview(string subjectId, bool favourable, string summary) =>
        SubmitReview(subjectId, favourable, ReadOnlySpan<byte>.Empty, summary);

    /// <summary>Starts the public notice of a reviewed subject, now (§10). Signed by an OPERATOR.</summary>
    public static TransactionBody StartPublicNotice(string subjectId) => new()
    {
        StartPublicNotice = new StartPublicNotice { SubjectId = Require.Id(subjectId, nameof(subjectId)) },
    };

    /// <summary>Approves a project or scenario (§10); the same transaction as <see cref="ApproveProject"/>. Signed by a BUREAU.</summary>
    public static TransactionBody Approve(string subjectId) => ApproveProject(subjectId);

    /// <summary>Rejects a project or scenario; the same transaction as <see cref="RejectProject"/>. Signed by a BUREAU.</summary>
    public static TransactionBody Reject(string subjectId, string reason) => RejectProject(subjectId, reason);

    /// <summary>
    /// An objection during a public notice. Signed by any active participant, or by an OPERATOR for a
    /// member of the public (<paramref name="onBehalfOf"/>: the operator's reference, not personal data).
    /// </summary>
    public static TransactionBody FileObjection(string subjectId, string text, string? onBehalfOf = null) => new()
    {
        FileObjection = new FileObjection
        {
            SubjectId = Require.Id(subjectId, nameof(subjectId)),
            Text = Require.Text(text, nameof(text), Limits.TextLengthMax),
            OnBehalfOf = Require.Text(onBehalfOf ?? "", nameof(onBehalfOf), Limits.NameLengthMax, required: false),
        },
    };

    /// <summary>Answers objection <paramref name="objectionNumber"/> (1-based) of a subject. Signed by a BUREAU.</summary>
    public static TransactionBody AnswerObjection(string subjectId, uint objectionNumber, string answer) => new()
    {
        AnswerObjection = new AnswerObjection
        {
            SubjectId = Require.Id(subjectId, nameof(subjectId)),
            ObjectionNumber = objectionNumber > 0 ? objectionNumber : throw new ArgumentException("objections are numbered from 1", nameof(objectionNumber)),
            Answer = Require.Text(answer, nameof(answer), Limits.TextLengthMax),
        },
    };

    /// <summary>
    /// A tracking evaluation's finding (§11) with the last day (China Standard Time) on which a
    /// rectification counts as on time. Signed by an OPERATOR or BUREAU.
    /// </summary>
    public static TransactionBody RecordEvaluation(string subjectId, string finding, DateOnly rectificationDeadline) => new()
    {
        RecordEvaluation = new RecordEvaluation
        {
            SubjectId = Require.Id(subjectId, nameof(subjectId)),
            Finding = Require.Text(finding, nameof(finding), Limits.TextLengthMax),
            RectificationDeadlineDay = Day(rectificationDeadline, nameof(rectificationDeadline)),
        },
    };

    /// <summary>Records the rectification of evaluation <paramref name="evaluationNumber"/>. Signed by the subject's applicant.</summary>
    public static TransactionBody RecordRectification(string subjectId, uint evaluationNumber, string description) => new()
    {
        RecordRectification = new RecordRectification
        {
            SubjectId = Require.Id(subjectId, nameof(subjectId)),
            EvaluationNumber = Numbered(evaluationNumber, nameof(evaluationNumber)),
            Description = Require.Text(description, nameof(description), Limits.TextLengthMax),
        },
    };

    /// <summary>Suspends an APPROVED subject for an evaluation not rectified by its deadline (§11). Signed by a BUREAU.</summary>
    public static TransactionBody Suspend(string subjectId, uint evaluationNumber, string reason) => new()
    {
        Suspend = new Suspend
        {
            SubjectId = Require.Id(subjectId, nameof(subjectId)),
            EvaluationNumber = Numbered(evaluationNumber, nameof(evaluationNumber)),
            Reason = Require.Text(reason, nameof(reason), Limits.TextLengthMax),
        },
    };

    /// <summary>Reinstates a SUSPENDED subject whose evaluations are all rectified. Signed by a BUREAU.</summary>
    public static TransactionBody Reinstate(string subjectId) => new()
    {
        Reinstate = new Reinstate { SubjectId = Require.Id(subjectId, nameof(subjectId)) },
    };

    /// <summary>
    /// Files a year's working-day calendar: the official holidays and the weekend days worked instead
    /// (调休), as the State Council publishes them. Signed by a BUREAU.
    /// </summary>
    public static TransactionBody SetCalendar(int year, IEnumerable<DateOnly> holidays, IEnumerable<DateOnly> adjustedWorkingDays)
    {
        ArgumentNullException.ThrowIfNull(holidays);
        ArgumentNullException.ThrowIfNull(adjustedWorkingDays);
        if (year is < (int)CalendarHandler.YearMin or > (int)CalendarHandler.YearMax)
        {
            throw new ArgumentException($"year must be between {CalendarHandler.YearMin} and {CalendarHandler.YearMax}", nameof(year));
        }

        var off = holidays.Distinct().ToList();
        var worked = adjustedWorkingDays.Distinct().ToList();
        foreach (var outside in off.Concat(worked).Where(d => d.Year != year))
        {
            throw new ArgumentException($"{outside:yyyy-MM-dd} is not in {year}", nameof(holidays));
        }

        foreach (var weekday in worked.Where(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) || off.Contains(d)))
        {
            throw new ArgumentException($"{weekday:yyyy-MM-dd} must be a Saturday or Sunday that is not a holiday", nameof(adjustedWorkingDays));
        }

        if (off.Count > Limits.CalendarHolidaysPerYearMax || worked.Count > Limits.CalendarAdjustedDaysPerYearMax)
        {
            throw new ArgumentException($"at most {Limits.CalendarHolidaysPerYearMax} holidays and {Limits.CalendarAdjustedDaysPerYearMax} adjusted working days", nameof(holidays));
        }

        return new TransactionBody
        {
            SetCalendar = new SetCalendar
            {
                Year = (uint)year,
                Holidays = { off.Order().Select(WorkingDays.DayOf) },
                AdjustedWorkingDays = { worked.Order().Select(WorkingDays.DayOf) },
            },
        };
    }

    /// <summary>
    /// Records a project registered or applied for elsewhere (§17): registry (CCER, VCS, GS, …), its id
    /// there and, if known, the local project or scenario id. Signed by a BUREAU.
    /// </summary>
    public static TransactionBody AddExclusion(string registry, string externalId, string? projectId = null, string? note = null) => new()
    {
        AddExclusion = new AddExclusion
        {
            Registry = Require.Id(registry, nameof(registry)),
            ExternalId = Require.Id(externalId, nameof(externalId)),
            ProjectId = string.IsNullOrEmpty(projectId) ? "" : Require.Id(projectId, nameof(projectId)),
            Note = Require.Text(note ?? "", nameof(note), Limits.TextLengthMax, required: false),
        },
    };

    /// <summary>Declares a registration elsewhere made after the application (§17). Signed by the subject's applicant, before any issuance.</summary>
    public static TransactionBody DeclareExternalRegistration(string subjectId, string externalRegistryId) => new()
    {
        DeclareExternalRegistration = new DeclareExternalRegistration
        {
            SubjectId = Require.Id(subjectId, nameof(subjectId)),
            ExternalRegistryId = Require.Id(externalRegistryId, nameof(externalRegistryId)),
        },
    };

    private static uint Day(DateOnly date, string field) =>
        date >= DayZero ? WorkingDays.DayOf(date) : throw new ArgumentException("dates start at 1970-01-01", field);

    private static uint Numbered(uint number, string field) =>
        number > 0 ? number : throw new ArgumentException("numbers start at 1", field);
}

using System.Globalization;
using Ledger.Core.Calendar;
using Ledger.Core.Protocol;

namespace Ledger.Node.Portal;

// What the portal shows and serves as JSON. These records are the privacy filter (§28): each is a
// projection of a state record that copies only public fields. No record here has a field for a
// pseudonymous user id (custody user ids, behaviour records, a custody cancellation's user); a custody
// cancellation becomes a flag. Participants that may be natural persons are not named (PublicParty).

public sealed record MethodologyView(string Id, string Title, string Level, string Version, string Status, string Kind, ulong FiledHeight, string SupersededBy);

public sealed record ExpertView(string Id, string Name, ulong RegisteredHeight, string Status);

public sealed record NoticeView(string FirstDay, string LastDay, uint WorkingDays, uint WorkingDaysLeft, bool Elapsed, string Today);

public sealed record SubjectView(
    string Id, string Title, string Kind, string Applicant, string MethodologyId, string Status, ulong StatusHeight,
    int Opinions, uint ObjectionsFiled, uint ObjectionsAnswered, string Reason, NoticeView? Notice);

public sealed record BatchView(
    string Id, string ProjectId, string MethodologyId, string PeriodFirstDay, string PeriodLastDay, string Verifier, ulong IssuedHeight,
    ulong IssuedGrams, ulong TradableGrams, ulong RetiredGrams, ulong VoidedGrams, ulong Records, string Custodian);

public sealed record CancellationView(
    string Id, string BatchId, ulong AmountGrams, string Holder, string Beneficiary, string Purpose, string UsingEntity, string Status,
    ulong RequestedHeight, ulong DecidedHeight, string ApprovedBy, string SerialRange, bool InCustody, bool CertificateDownloadable);

public sealed record PriceStatistics(string Currency, ulong Trades, ulong Grams, ulong ValueMinorUnits, ulong PricePerTonneMeanMinorUnits, ulong PricePerTonneMinMinorUnits, ulong PricePerTonneMaxMinorUnits);

public sealed record TradingView(ulong Trades, ulong NegotiatedTrades, ulong AuctionTrades, ulong Grams, IReadOnlyList<PriceStatistics> Prices, ulong Auctions, ulong AuctionsSettled, ulong Redemptions, ulong RedeemedGrams, bool Truncated);

public sealed record ValidatorView(string Id, ulong Power);

public sealed record StatusView(string ChainId, string NodeId, ulong Height, string LastCommitUtc, long LastCommitMs, string BlockHash, string StateRoot, IReadOnlyList<ValidatorView> Validators);

public sealed record TransactionView(string Id, ulong Height, int Index, string Kind, string Signer, bool Committed, string Outcome, string BlockTimeUtc);

public sealed record TotalsView(ulong Projects, ulong Scenarios, ulong IssuedGrams, ulong RetiredGrams, ulong ScenarioUsersSummedPerDay, bool Truncated);

public sealed record HomeView(StatusView Status, TotalsView Totals, IReadOnlyList<SubjectView> InNotice);

/// <summary>A page of rows and the cursor of the next page (null on the last).</summary>
public sealed record PageView<T>(IReadOnlyList<T> Rows, string? Next, int PageRowsMax, ulong Height);

public static class PublicViews
{
    /// <summary>Shown instead of a participant that may be a natural person (§18 traders; §28).</summary>
    public const string UnnamedParty = "-";

    public static MethodologyView Of(MethodologyRecord m) => new(
        m.MethodologyId, m.Title, Level(m.Level), m.Version, Status(m.Status), m.Kind == MethodologyKind.Scenario ? "scenario" : "project", m.FiledHeight, m.SupersededBy);

    public static ExpertView Expert(ParticipantRecord p) => new(p.ParticipantId, p.Name, p.RegisteredHeight, p.Status == ParticipantStatus.Active ? "active" : "unknown");

    public static SubjectView Of(ProjectRecord p, NoticeView? notice, uint objectionsAnswered) => new(
        p.ProjectId, p.Title, p.Kind == SubjectKind.Scenario ? "scenario" : "project", p.Applicant, p.MethodologyId, Status(p.Status), p.StatusHeight,
        p.Opinions.Count, p.ObjectionsFiled, objectionsAnswered, p.Status == ProjectStatus.Suspended ? p.SuspensionReason : p.RejectionReason, notice);

    public static BatchView Of(BatchRecord b) => new(
        b.BatchId, b.ProjectId, b.MethodologyId, Day(b.MonitoringPeriod?.FirstDay), Day(b.MonitoringPeriod?.LastDay), b.VerifierId, b.IssuedHeight,
        b.IssuedGrams, b.TradableGrams, b.RetiredGrams, b.VoidedGrams, b.Records, b.Custodian);

    /// <summary>
    /// A cancellation without its custody user id (§28): only whether it was a custody one. Its certificate is
    /// published only when it names no pseudonymous user and its holder is named (see IsCertificatePublic).
    /// </summary>
    public static CancellationView Of(CancellationRecord c, Func<string, string> publicParty)
    {
        var holder = publicParty(c.Holder);
        var usingEntity = c.UsingEntity.Length == 0 || c.UsingEntity == c.Holder ? holder : c.UsingEntity;
        return new(
            c.CancellationId, c.BatchId, c.AmountGrams, holder, c.Beneficiary, c.Purpose, usingEntity,
            Status(c.Status), c.RequestedHeight, c.DecidedHeight, c.DecidedBy, c.SerialRange, !c.CustodyUserId.IsEmpty, IsCertificatePublic(c, holder));
    }

    /// <summary>
    /// An approved cancellation's certificate is served to anyone when it carries no pseudonymous user id
    /// (custody cancellations do) and its holder is an organisation that is named (the holder is in the file).
    /// </summary>
    public static bool IsCertificatePublic(CancellationRecord c, string publicHolder) =>
        c.Status == CancellationStatus.Approved && c.CustodyUserId.IsEmpty && publicHolder != UnnamedParty;

    /// <summary>
    /// Organisations are public (§26); a participant whose only role is TRADER may be a natural person
    /// (§18), so it is not named (§28).
    /// </summary>
    public static string PublicParty(ParticipantRecord? participant, string participantId) =>
        participant is not null && participant.Roles.Count > 0 && participant.Roles.All(r => r == Role.Trader) ? UnnamedParty : participantId;

    /// <summary>
    /// §10: working days of the notice still to run on today. A notice counts the full working days after
    /// its start day up to its last day; today counts while it has not ended. 0 once today is past the last day.
    /// </summary>
    public static uint WorkingDaysLeft(uint startDay, uint today, uint lastDay, ICalendarLookup calendars)
    {
        var left = 0u;
        for (var day = Math.Max(today, startDay + 1); day <= lastDay; day++)
        {
            if (WorkingDays.IsWorkingDay(day, calendars))
            {
                left++;
            }
        }

        return left;
    }

    public static NoticeView Notice(uint startDay, uint lastDay, uint workingDays, uint today, ICalendarLookup calendars) =>
        new(Day(startDay), Day(lastDay), workingDays, WorkingDaysLeft(startDay, today, lastDay, calendars), WorkingDays.NoticeHasElapsed(startDay, today, workingDays, calendars), Day(today));

    public static string Day(uint? day) => day is null ? "" : WorkingDays.Date(day.Value).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Utc(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Tonnes(ulong grams) => (grams / 1_000_000m).ToString("#,0.000000", CultureInfo.InvariantCulture);

    public static string Money(ulong minorUnits) => (minorUnits / 100m).ToString("#,0.00", CultureInfo.InvariantCulture);

    public static string Level(MethodologyLevel level) => level switch
    {
        MethodologyLevel.National => "national",
        MethodologyLevel.Local => "local",
        MethodologyLevel.Group => "group",
        _ => "unknown",
    };

    public static string Status(ProjectStatus status) => status switch
    {
        ProjectStatus.Applied => "applied",
        ProjectStatus.UnderReview => "under_review",
        ProjectStatus.PublicNotice => "public_notice",
        ProjectStatus.Approved => "approved",
        ProjectStatus.Suspended => "suspended",
        ProjectStatus.Rejected => "rejected",
        _ => "unknown",
    };

    public static string Status(MethodologyStatus status) => status switch
    {
        MethodologyStatus.Active => "active",
        MethodologyStatus.Superseded => "superseded",
        MethodologyStatus.Withdrawn => "withdrawn",
        _ => "unknown",
    };

    public static string Status(CancellationStatus status) => status switch
    {
        CancellationStatus.Pending => "pending",
        CancellationStatus.Approved => "approved",
        CancellationStatus.Declined => "declined",
        _ => "unknown",
    };
}

using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Testing;

/// <summary>Transaction bodies with sensible defaults, so a test names only what it is about.</summary>
public static class Bodies
{
    public static TransactionBody Register(string participantId, SigningKey key, params Role[] roles) => new()
    {
        RegisterParticipant = new RegisterParticipant { ParticipantId = participantId, Name = participantId + " Co.", Roles = { roles }, PublicKey = key.ToPublicKey() },
    };

    public static TransactionBody Update(string participantId, ParticipantStatus status, params Role[] roles) => new()
    {
        UpdateParticipant = new UpdateParticipant { ParticipantId = participantId, Name = participantId + " Co.", Roles = { roles }, Status = status },
    };

    public static TransactionBody FileMethodology(string methodologyId) => new()
    {
        FileMethodology = new FileMethodology { MethodologyId = methodologyId, Title = "Distributed photovoltaics", Level = MethodologyLevel.Local, Version = "1.0", ActivityTypes = { "pv" } },
    };

    public static TransactionBody ApplyProject(string projectId, string methodologyId, params string[] externalIds) => new()
    {
        ApplyProject = new ApplyProject { ProjectId = projectId, Title = "Rooftop PV " + projectId, MethodologyId = methodologyId, ExternalRegistryIds = { externalIds } },
    };

    public static TransactionBody Issue(string projectId, uint firstDay, uint lastDay, ulong grams, byte[] reportHash, string verifier = TestLedger.Verifier) => new()
    {
        IssueProjectReductions = new IssueProjectReductions
        {
            ProjectId = projectId,
            MonitoringPeriod = new DayRange { FirstDay = firstDay, LastDay = lastDay },
            AmountGrams = grams,
            ReportHash = ByteString.CopyFrom(reportHash),
            VerifierId = verifier,
        },
    };

    public static byte[] ReportHash(byte seed, uint day, string projectId) =>
        SHA256.HashData(Encoding.UTF8.GetBytes($"report {seed} {day} {projectId}"));

    /// <summary>A negotiated transfer (§21); the envelope needs the buyer's (to's) and an operator's co-signatures.</summary>
    public static TransactionBody Transfer(string to, string batchId, ulong grams, ulong priceMinorUnits = 4_500, string currency = "CNY") => new()
    {
        Transfer = new Transfer { To = to, BatchId = batchId, AmountGrams = grams, PriceMinorUnits = priceMinorUnits, Currency = currency },
    };

    public static TransactionBody RequestCancellation(string batchId, ulong grams, string usingEntity = "") => new()
    {
        RequestCancellation = new RequestCancellation { BatchId = batchId, AmountGrams = grams, Beneficiary = "Ordos No. 1 Middle School", Purpose = "2025 campus carbon neutrality", UsingEntity = usingEntity },
    };

    public static TransactionBody OpenAuction(string seller, string batchId, ulong grams, long closesAtMs, ulong reserve = 0, ulong increment = 100) => new()
    {
        OpenAuction = new OpenAuction { Seller = seller, BatchId = batchId, AmountGrams = grams, Currency = "CNY", ReservePriceMinorUnits = reserve, MinIncrementMinorUnits = increment, ClosesAtMs = closesAtMs },
    };

    public static TransactionBody PlaceBid(string auctionId, ulong price) => new()
    {
        PlaceBid = new PlaceBid { AuctionId = auctionId, PriceMinorUnits = price },
    };

    public static TransactionBody SettleAuction(string auctionId) => new()
    {
        SettleAuction = new SettleAuction { AuctionId = auctionId },
    };

    public static TransactionBody CancelAuction(string auctionId) => new()
    {
        CancelAuction = new CancelAuction { AuctionId = auctionId, Reason = "the seller withdrew the lot" },
    };

    public static TransactionBody PublishMallOffer(string offerId, ulong priceGrams, ulong stock, long validFromMs, long validUntilMs) => new()
    {
        PublishMallOffer = new PublishMallOffer { OfferId = offerId, Title = "Bus pass, one month", Kind = MallOfferKind.Services, PriceGrams = priceGrams, Stock = stock, ValidFromMs = validFromMs, ValidUntilMs = validUntilMs },
    };

    public static TransactionBody UpdateMallOffer(string offerId, ulong priceGrams, ulong stock, long validUntilMs) => new()
    {
        UpdateMallOffer = new UpdateMallOffer { OfferId = offerId, PriceGrams = priceGrams, Stock = stock, ValidUntilMs = validUntilMs },
    };

    public static TransactionBody WithdrawMallOffer(string offerId) => new()
    {
        WithdrawMallOffer = new WithdrawMallOffer { OfferId = offerId },
    };

    public static TransactionBody Redeem(string offerId, ulong quantity, string batchId, string voucher = "voucher-1") => new()
    {
        Redeem = new Redeem { OfferId = offerId, Quantity = quantity, BatchId = batchId, VoucherHash = ByteString.CopyFrom(SHA256.HashData(Encoding.UTF8.GetBytes(voucher))) },
    };

    public static TransactionBody ApproveCancellation(string cancellationId) => new()
    {
        ApproveCancellation = new ApproveCancellation { CancellationId = cancellationId },
    };

    public static TransactionBody DeclineCancellation(string cancellationId) => new()
    {
        DeclineCancellation = new DeclineCancellation { CancellationId = cancellationId, Reason = "the beneficiary could not be confirmed" },
    };

    public static TransactionBody FileMethodology(string methodologyId, MethodologyLevel level, params string[] activityTypes) => new()
    {
        FileMethodology = new FileMethodology { MethodologyId = methodologyId, Title = "Methodology " + methodologyId, Level = level, Version = "1.0", ActivityTypes = { activityTypes } },
    };

    /// <summary>A scenario methodology: cycling at 120 g CO2e per km, transit at 37 g per 2 km, a daily cap of 2 kg per user.</summary>
    public static TransactionBody FileScenarioMethodology(string methodologyId, MethodologyLevel level = MethodologyLevel.Local) => new()
    {
        FileMethodology = new FileMethodology
        {
            MethodologyId = methodologyId,
            Title = "Green travel " + methodologyId,
            Level = level,
            Version = "1.0",
            Kind = MethodologyKind.Scenario,
            ActivityTypes = { "cycling", "transit" },
            EmissionFactors =
            {
                new EmissionFactor { ActivityType = "cycling", Unit = "km", GramsNumerator = 120, UnitsDenominator = 1 },
                new EmissionFactor { ActivityType = "transit", Unit = "km", GramsNumerator = 37, UnitsDenominator = 2 },
            },
            DailyCapGramsPerUser = 2_000,
        },
    };

    public static TransactionBody ApplyScenario(string scenarioId, string methodologyId, params string[] externalIds) => new()
    {
        ApplyScenario = new ApplyScenario { ScenarioId = scenarioId, Title = "Green travel " + scenarioId, MethodologyId = methodologyId, ExternalRegistryIds = { externalIds } },
    };

    public static TransactionBody SubmitReview(string subjectId, bool favourable) => new()
    {
        SubmitReview = new SubmitReview { SubjectId = subjectId, Favourable = favourable, Summary = favourable ? "boundary and baseline sound" : "baseline overstated" },
    };

    public static TransactionBody StartPublicNotice(string subjectId) => new() { StartPublicNotice = new StartPublicNotice { SubjectId = subjectId } };

    public static TransactionBody Approve(string subjectId) => new() { ApproveProject = new ApproveProject { ProjectId = subjectId } };

    public static TransactionBody Reject(string subjectId) => new() { RejectProject = new RejectProject { ProjectId = subjectId, Reason = "boundary unclear" } };

    public static TransactionBody FileObjection(string subjectId, string onBehalfOf = "") => new()
    {
        FileObjection = new FileObjection { SubjectId = subjectId, Text = "the panels were installed before 2023", OnBehalfOf = onBehalfOf },
    };

    public static TransactionBody AnswerObjection(string subjectId, uint number) => new()
    {
        AnswerObjection = new AnswerObjection { SubjectId = subjectId, ObjectionNumber = number, Answer = "commissioning certificate checked: 2024-03" },
    };

    public static TransactionBody RecordEvaluation(string subjectId, uint deadlineDay) => new()
    {
        RecordEvaluation = new RecordEvaluation { SubjectId = subjectId, Finding = "meter calibration overdue", RectificationDeadlineDay = deadlineDay },
    };

    public static TransactionBody RecordRectification(string subjectId, uint number) => new()
    {
        RecordRectification = new RecordRectification { SubjectId = subjectId, EvaluationNumber = number, Description = "meters recalibrated, certificate attached" },
    };

    public static TransactionBody Suspend(string subjectId, uint evaluationNumber) => new()
    {
        Suspend = new Suspend { SubjectId = subjectId, EvaluationNumber = evaluationNumber, Reason = "not rectified in time" },
    };

    public static TransactionBody Reinstate(string subjectId) => new() { Reinstate = new Reinstate { SubjectId = subjectId } };

    public static TransactionBody SetCalendar(SetCalendar calendar) => new() { SetCalendar = calendar.Clone() };

    public static TransactionBody AddExclusion(string registry, string externalId, string projectId = "") => new()
    {
        AddExclusion = new AddExclusion { Registry = registry, ExternalId = externalId, ProjectId = projectId },
    };

    public static TransactionBody DeclareExternalRegistration(string subjectId, string externalId) => new()
    {
        DeclareExternalRegistration = new DeclareExternalRegistration { SubjectId = subjectId, ExternalRegistryId = externalId },
    };

    public static TransactionBody WithdrawMethodology(string methodologyId) => new()
    {
        WithdrawMethodology = new WithdrawMethodology { MethodologyId = methodologyId, Reason = "replaced by the national standard" },
    };

    public static TransactionBody GrantMethodologyException(string subjectId, string methodologyId) => new()
    {
        GrantMethodologyException = new GrantMethodologyException { SubjectId = subjectId, MethodologyId = methodologyId, Reason = "the national methodology does not fit off-grid sites" },
    };
}

using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Ledger.Client.Builders;
using Ledger.Core;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Client.Tests;

/// <summary>Builders refuse what the ledger would refuse for a field alone, naming the field.</summary>
public sealed class BuilderValidationTests
{
    private static readonly PublicKey Key = TestKeys.For("someone").ToPublicKey();
    private static readonly byte[] Hash32 = new byte[32];

    public static TheoryData<string, Func<TransactionBody>> BadArguments => new()
    {
        { "participantId", () => Transactions.RegisterParticipant("", "Name", [Role.Trader], Key) },
        { "participantId", () => Transactions.RegisterParticipant("has space", "Name", [Role.Trader], Key) },
        { "participantId", () => Transactions.RegisterParticipant(new string('a', Limits.IdLengthMax + 1), "Name", [Role.Trader], Key) },
        { "name", () => Transactions.RegisterParticipant("p-1", "", [Role.Trader], Key) },
        { "name", () => Transactions.RegisterParticipant("p-1", "line\nbreak", [Role.Trader], Key) },
        { "roles", () => Transactions.RegisterParticipant("p-1", "Name", [], Key) },
        { "roles", () => Transactions.RegisterParticipant("p-1", "Name", [Role.Trader, Role.Trader], Key) },
        { "roles", () => Transactions.RegisterParticipant("p-1", "Name", [Role.Unspecified], Key) },
        { "publicKey", () => Transactions.RegisterParticipant("p-1", "Name", [Role.Trader], new PublicKey { Algorithm = KeyAlgorithm.Ed25519 }) },
        { "status", () => Transactions.UpdateParticipant("p-1", "Name", [Role.Trader], ParticipantStatus.Unspecified) },
        { "newPublicKey", () => Transactions.RotateKey("p-1", new PublicKey()) },
        { "level", () => Transactions.FileMethodology("M-1", "T", MethodologyLevel.Unspecified, "1", ["pv"]) },
        { "version", () => Transactions.FileMethodology("M-1", "T", MethodologyLevel.Local, "", ["pv"]) },
        { "activityTypes", () => Transactions.FileMethodology("M-1", "T", MethodologyLevel.Local, "1", ["pv", "pv"]) },
        { "supersedesMethodologyId", () => Transactions.FileMethodology("M-1", "T", MethodologyLevel.Local, "1", ["pv"], "bad id") },
        { "title", () => Transactions.ApplyProject("P-1", new string('t', Limits.NameLengthMax + 1), "M-1") },
        { "methodologyId", () => Transactions.ApplyProject("P-1", "T", "") },
        { "externalRegistryIds", () => Transactions.ApplyProject("P-1", "T", "M-1", Enumerable.Range(0, Limits.ExternalRegistryIdsPerProjectMax + 1).Select(i => $"VCS-{i}")) },
        { "projectId", () => Transactions.ApproveProject("") },
        { "reason", () => Transactions.RejectProject("P-1", "") },
        { "amountGrams", () => Transactions.IssueProjectReductions("P-1", 1u, 2u, 0, Hash32, "verifier-1") },
        { "reportHash", () => Transactions.IssueProjectReductions("P-1", 1u, 2u, 5, new byte[31], "verifier-1") },
        { "lastDay", () => Transactions.IssueProjectReductions("P-1", 3u, 2u, 5, Hash32, "verifier-1") },
        { "firstDay", () => Transactions.IssueProjectReductions("P-1", new DateOnly(1969, 12, 31), new DateOnly(1970, 1, 2), 5, Hash32, "verifier-1") },
        { "verifierId", () => Transactions.IssueProjectReductions("P-1", 1u, 2u, 5, Hash32, "") },
        { "to", () => Transactions.Transfer("", "B-1", 5, 100, "CNY") },
        { "batchId", () => Transactions.Transfer("t-1", new string('b', Limits.BatchIdLengthMax + 1), 5, 100, "CNY") },
        { "amountGrams", () => Transactions.Transfer("t-1", "B-1", 0, 100, "CNY") },
        { "currency", () => Transactions.Transfer("t-1", "B-1", 5, 100, "cny") },
        { "priceMinorUnits", () => Transactions.Transfer("t-1", "B-1", 5, Limits.PriceMinorUnitsMax + 1, "CNY") },
        { "usingEntity", () => Transactions.RequestCancellation("B-1", 5, "school", "neutrality", "line\nbreak") },
        { "seller", () => Transactions.OpenAuction("", "B-1", 5, "CNY", 0, 1, DateTimeOffset.UnixEpoch) },
        { "minIncrementMinorUnits", () => Transactions.OpenAuction("s-1", "B-1", 5, "CNY", 0, 0, DateTimeOffset.UnixEpoch) },
        { "currency", () => Transactions.OpenAuction("s-1", "B-1", 5, "RMB1", 0, 1, DateTimeOffset.UnixEpoch) },
        { "priceMinorUnits", () => Transactions.PlaceBid("a-1", 0) },
        { "auctionId", () => Transactions.SettleAuction("") },
        { "reason", () => Transactions.CancelAuction("a-1", "") },
        { "kind", () => Transactions.PublishMallOffer("o-1", "Bus pass", MallOfferKind.Unspecified, 5, 1, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue) },
        { "validUntil", () => Transactions.PublishMallOffer("o-1", "Bus pass", MallOfferKind.Goods, 5, 1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch) },
        { "stock", () => Transactions.PublishMallOffer("o-1", "Bus pass", MallOfferKind.Goods, 5, Limits.MallStockMax + 1, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue) },
        { "priceGrams", () => Transactions.UpdateMallOffer("o-1", 0, 1, DateTimeOffset.UnixEpoch) },
        { "offerId", () => Transactions.WithdrawMallOffer("") },
        { "quantity", () => Transactions.Redeem("o-1", 0, "B-1", Hash32) },
        { "voucherHash", () => Transactions.Redeem("o-1", 1, "B-1", new byte[31]) },
        { "amountGrams", () => Transactions.RequestCancellation("B-1", 0, "school", "neutrality") },
        { "beneficiary", () => Transactions.RequestCancellation("B-1", 5, "", "neutrality") },
        { "purpose", () => Transactions.RequestCancellation("B-1", 5, "school", new string('p', Limits.TextLengthMax + 1)) },
        { "custodyUserId", () => Transactions.RequestCustodyCancellation(new byte[31], "consent-1", "B-1", 5, "school", "neutrality") },
        { "consentRef", () => Transactions.RequestCustodyCancellation(Hash32, "", "B-1", 5, "school", "neutrality") },
        { "custodyUserId", () => Transactions.RedeemForUser(new byte[33], "consent-1", "o-1", 1, "B-1", Hash32) },
        { "consentRef", () => Transactions.RedeemForUser(Hash32, "", "o-1", 1, "B-1", Hash32) },
        { "cancellationId", () => Transactions.ApproveCancellation("") },
        { "reason", () => Transactions.DeclineCancellation("c-1", "") },
        { "emissionFactors", () => Transactions.FileScenarioMethodology("SM-1", "T", MethodologyLevel.Local, "1", [], 5) },
        { "dailyCapGramsPerUser", () => Transactions.FileScenarioMethodology("SM-1", "T", MethodologyLevel.Local, "1", [Transactions.EmissionFactor("cycling", "km", 1)], 0) },
        { "unitsDenominator", () => Transactions.FileScenarioMethodology("SM-1", "T", MethodologyLevel.Local, "1", [Transactions.EmissionFactor("cycling", "km", 120, 0)], 5) },
        { "unit", () => Transactions.FileScenarioMethodology("SM-1", "T", MethodologyLevel.Local, "1", [Transactions.EmissionFactor("cycling", "", 120)], 5) },
        { "scenarioId", () => Transactions.ApplyScenario("bad id", "T", "SM-1") },
        { "opinionHash", () => Transactions.SubmitReview("P-1", true, new byte[31]) },
        { "summary", () => Transactions.SubmitReview("P-1", true, "") },
        { "text", () => Transactions.FileObjection("P-1", "") },
        { "objectionNumber", () => Transactions.AnswerObjection("P-1", 0, "answer") },
        { "finding", () => Transactions.RecordEvaluation("P-1", "", new DateOnly(2025, 6, 1)) },
        { "rectificationDeadline", () => Transactions.RecordEvaluation("P-1", "finding", new DateOnly(1969, 12, 31)) },
        { "evaluationNumber", () => Transactions.Suspend("P-1", 0, "late") },
        { "year", () => Transactions.SetCalendar(1969, [], []) },
        { "holidays", () => Transactions.SetCalendar(2025, [new DateOnly(2026, 1, 1)], []) },
        { "adjustedWorkingDays", () => Transactions.SetCalendar(2025, [], [new DateOnly(2025, 9, 29)]) },
        { "registry", () => Transactions.AddExclusion("", "CCER-1") },
        { "externalRegistryId", () => Transactions.DeclareExternalRegistration("P-1", "bad id") },
        { "reason", () => Transactions.WithdrawMethodology("M-1", "") },
        { "methodologyId", () => Transactions.GrantMethodologyException("P-1", "", "reason") },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void A_bad_argument_throws_naming_its_field(string field, Func<TransactionBody> build)
    {
        var exception = Assert.ThrowsAny<ArgumentException>(() => build());

        Assert.Equal(field, exception.ParamName);
    }

    [Fact]
    public void A_batch_id_may_be_longer_than_a_participant_id()
    {
        var batchId = "ORD-P-" + new string('p', Limits.IdLengthMax) + "-2025-01-01-2025-03-31";

        Assert.Equal(batchId, Transactions.Transfer("t-1", batchId, 1, 0, "CNY").Transfer.BatchId);
    }

    [Fact]
    public void Dates_become_day_numbers_from_1970()
    {
        var body = Transactions.IssueProjectReductions("P-1", new DateOnly(2025, 1, 1), new DateOnly(2025, 1, 31), 5, Hash32, "verifier-1");

        Assert.Equal((20089u, 20119u), (body.IssueProjectReductions.MonitoringPeriod.FirstDay, body.IssueProjectReductions.MonitoringPeriod.LastDay));
    }

    [Property(MaxTest = 200)]
    public Property Builders_accept_exactly_the_ids_the_ledger_accepts(NonNull<string> candidate)
    {
        var id = candidate.Get;
        var accepted = Limits.IsValidId(id);
        var built = Record(() => Transactions.ApproveProject(id));
        return (accepted == built).Label($"id '{id}': ledger {accepted}, builder {built}");
    }

    [Fact]
    public void The_custody_builders_put_the_user_id_on_the_wire_as_64_lowercase_hex()
    {
        var user = Enumerable.Range(0, 32).Select(i => (byte)(0xA0 + i)).ToArray();
        var cancel = Transactions.RequestCustodyCancellation(user, "consent-1", "B-1", 5, "school", "neutrality").RequestCancellation;
        var redeem = Transactions.RedeemForUser(user, "consent-1", "o-1", 1, "B-1", Hash32).Redeem;

        Assert.Equal((Convert.ToHexStringLower(user), "consent-1"), (cancel.CustodyUserId, cancel.ConsentRef));
        Assert.Equal((Convert.ToHexStringLower(user), "consent-1"), (redeem.CustodyUserId, redeem.ConsentRef));
        Assert.Equal(64, cancel.CustodyUserId.Length);
    }

    private static bool Record(Func<TransactionBody> build)
    {
        try
        {
            build();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

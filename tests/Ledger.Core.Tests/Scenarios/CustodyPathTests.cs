using Ledger.Core.Protocol;
using Ledger.Testing;
using Xunit;
using S = Ledger.Testing.Scenarios;

namespace Ledger.Core.Tests.Scenarios;

/// <summary>Cancellation (§23) and redemption (§25) by the custodian scenario company for one of its users (D24).</summary>
public sealed class CustodyPathTests
{
    private const string Company = "metro-app";
    private const string OtherCompany = "bike-app";
    private const string Scenario = "S-METRO";
    private const string BatchId = "ORD-S-S-METRO-20241231";
    private const string Provider = "mall-b";

    private readonly TestLedger _ledger = new();

    public CustodyPathTests()
    {
        _ledger.ApproveScenario(Scenario, Company);
        _ledger.ApproveScenario("S-BIKE", OtherCompany);
        _ledger.Register(Provider, Role.RightsProvider);
        // User 1 earns 240 g in custody (floor(2 × 120)), user 2 nothing.
        TestLedger.Committed(_ledger.Submit(Company, S.Chunk(Scenario, S.Day, 0, [S.Record(Company, 1, "metro", 2, "m1")])));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, S.Issue(S.VerificationOf(_ledger, Scenario, S.Day)), TestLedger.Operator));
    }

    [Fact]
    public void An_approved_custody_cancellation_retires_the_users_units_with_the_next_serials()
    {
        var id = Attribute(TestLedger.Committed(_ledger.Submit(Company, Cancel(User(1), 100))), "cancellation_id");

        Assert.Equal((140UL, 100UL), (Balance(), Custody().EscrowedGrams));
        AssertSupply(tradable: 140, escrowed: 100, retired: 0);
        var pending = _ledger.View.GetCancellation(id)!;
        Assert.Equal((Company, "consent 2025-0001"), (pending.Holder, pending.ConsentRef));
        Assert.Equal(S.UserId(Company, 1), pending.CustodyUserId.ToByteArray());

        var receipt = TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.ApproveCancellation(id)));

        Assert.Equal(BatchId + ":1-100", Attribute(receipt, "serial_range"));
        Assert.Equal((140UL, 0UL, 100UL), (Balance(), Custody().EscrowedGrams, Custody().RetiredGrams));
        AssertSupply(tradable: 140, escrowed: 0, retired: 100);
        Assert.Equal(0UL, _ledger.View.GetBalance(Company, BatchId).RetiredGrams);

        // The next custody cancellation takes the next serials.
        var second = Attribute(TestLedger.Committed(_ledger.Submit(Company, Cancel(User(1), 40))), "cancellation_id");
        Assert.Equal(BatchId + ":101-140", Attribute(TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.ApproveCancellation(second))), "serial_range"));
        Assert.Equal(100UL, Balance());
    }

    [Fact]
    public void A_declined_custody_cancellation_returns_the_units_to_the_users_custody()
    {
        var id = Attribute(TestLedger.Committed(_ledger.Submit(Company, Cancel(User(1), 240))), "cancellation_id");
        Assert.Equal(0UL, Balance());
        Assert.Equal(RejectionCode.InsufficientBalance, _ledger.Submit(Company, S.Withdraw(S.UserId(Company, 1), BatchId, 1, Company)).Code);

        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.DeclineCancellation(id)));

        Assert.Equal((240UL, 0UL, 0UL), (Balance(), Custody().EscrowedGrams, Custody().RetiredGrams));
        AssertSupply(tradable: 240, escrowed: 0, retired: 0);
        Assert.Equal(CancellationStatus.Declined, _ledger.View.GetCancellation(id)!.Status);
    }

    [Fact]
    public void A_custody_redemption_moves_the_users_units_to_the_provider()
    {
        TestLedger.Committed(_ledger.Submit(Provider, Bodies.PublishMallOffer("bus-pass", 50, 3, 0, _ledger.TimeMs + 100_000)));

        var receipt = TestLedger.Committed(_ledger.Submit(Company, Redeem(User(1), 2)));

        Assert.Equal((140UL, 100UL), (Balance(), Custody().RedeemedGrams));
        Assert.Equal(100UL, _ledger.View.GetBalance(Provider, BatchId).TradableGrams);
        AssertSupply(tradable: 240, escrowed: 0, retired: 0);
        var redemption = _ledger.View.GetRedemption(Attribute(receipt, "redemption_id"))!;
        Assert.Equal((Company, Provider, 100UL, "consent 2025-0001"), (redemption.Redeemer, redemption.Provider, redemption.AmountGrams, redemption.ConsentRef));
        Assert.Equal(S.UserId(Company, 1), redemption.CustodyUserId.ToByteArray());
        Assert.Equal(1UL, _ledger.View.GetMallOffer("bus-pass")!.Stock);

        // 140 g left buys two more at 50 g, but the stock is one: stock never goes below zero.
        Assert.Equal(RejectionCode.OutOfStock, _ledger.Submit(Company, Redeem(User(1), 2)).Code);
        TestLedger.Committed(_ledger.Submit(Provider, Bodies.UpdateMallOffer("bus-pass", 150, 1, _ledger.TimeMs + 100_000)));
        Assert.Equal(RejectionCode.InsufficientBalance, _ledger.Submit(Company, Redeem(User(1), 1)).Code);
    }

    [Fact]
    public void Custody_path_refusals()
    {
        TestLedger.Committed(_ledger.Submit(Provider, Bodies.PublishMallOffer("bus-pass", 50, 30, 0, _ledger.TimeMs + 100_000)));
        _ledger.Register("person-1", Role.Trader);

        // Not the custodian: another scenario company, or a trader.
        Assert.Equal(RejectionCode.UnknownCustody, _ledger.Submit(OtherCompany, Cancel(User(1), 10)).Code);
        Assert.Equal(RejectionCode.UnknownCustody, _ledger.Submit(OtherCompany, Redeem(User(1), 1)).Code);
        Assert.Equal(RejectionCode.UnauthorizedRole, _ledger.Submit("person-1", Cancel(User(1), 10)).Code);
        // Unknown custody user, unknown batch.
        Assert.Equal(RejectionCode.UnknownCustody, _ledger.Submit(Company, Cancel(User(2), 10)).Code);
        Assert.Equal(RejectionCode.UnknownCustody, _ledger.Submit(Company, Redeem(User(2), 1)).Code);
        var elsewhere = Cancel(User(1), 10);
        elsewhere.RequestCancellation.BatchId = "ORD-NONE";
        Assert.Equal(RejectionCode.UnknownBatch, _ledger.Submit(Company, elsewhere).Code);
        // More than the custody balance.
        Assert.Equal(RejectionCode.InsufficientBalance, _ledger.Submit(Company, Cancel(User(1), 241)).Code);
        Assert.Equal(RejectionCode.InsufficientBalance, _ledger.Submit(Company, Redeem(User(1), 5)).Code);
        // Missing consent.
        Assert.Equal(RejectionCode.NoConsent, _ledger.Submit(Company, Cancel(User(1), 10, consent: "")).Code);
        Assert.Equal(RejectionCode.NoConsent, _ledger.Submit(Company, Redeem(User(1), 1, consent: "")).Code);
        // The user id as anything but 64 lowercase hex characters, or consent without a user.
        foreach (var bad in new[] { User(1).ToUpperInvariant(), User(1)[..62], User(1) + "00", "u-5f3a" })
        {
            Assert.Equal(RejectionCode.InvalidField, _ledger.Submit(Company, Cancel(bad, 10)).Code);
            Assert.Equal(RejectionCode.InvalidField, _ledger.Submit(Company, Redeem(bad, 1)).Code);
        }

        Assert.Equal(RejectionCode.InvalidField, _ledger.Submit(Company, Cancel("", 10)).Code);

        Assert.Equal(240UL, Balance());
        AssertSupply(tradable: 240, escrowed: 0, retired: 0);
    }

    [Fact]
    public void A_withdrawal_and_a_correction_see_the_custody_balance_net_of_escrow_retirement_and_redemption()
    {
        TestLedger.Committed(_ledger.Submit(Provider, Bodies.PublishMallOffer("bus-pass", 50, 3, 0, _ledger.TimeMs + 100_000)));
        TestLedger.Committed(_ledger.Submit(Company, Redeem(User(1), 1)));
        var id = Attribute(TestLedger.Committed(_ledger.Submit(Company, Cancel(User(1), 100))), "cancellation_id");
        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.ApproveCancellation(id)));
        TestLedger.Committed(_ledger.Submit(Company, Cancel(User(1), 40)));
        Assert.Equal(50UL, Balance());

        _ledger.Register("person-1", Role.Trader);
        Assert.Equal(RejectionCode.InsufficientBalance, _ledger.Submit(Company, S.Withdraw(S.UserId(Company, 1), BatchId, 51, "person-1")).Code);
        TestLedger.Committed(_ledger.Submit(Company, S.Withdraw(S.UserId(Company, 1), BatchId, 50, "person-1")));
        Assert.Equal(0UL, Balance());
        AssertSupply(tradable: 100, escrowed: 40, retired: 100);
    }

    private static string User(int person) => Convert.ToHexStringLower(S.UserId(Company, person));

    private static TransactionBody Cancel(string user, ulong grams, string consent = "consent 2025-0001")
    {
        var body = Bodies.RequestCancellation(BatchId, grams);
        body.RequestCancellation.CustodyUserId = user;
        body.RequestCancellation.ConsentRef = consent;
        return body;
    }

    private static TransactionBody Redeem(string user, ulong quantity, string consent = "consent 2025-0001")
    {
        var body = Bodies.Redeem("bus-pass", quantity, BatchId);
        body.Redeem.CustodyUserId = user;
        body.Redeem.ConsentRef = consent;
        return body;
    }

    private CustodyRecord Custody() => _ledger.View.GetCustody(Company, S.UserId(Company, 1), BatchId)!;

    private ulong Balance() => Core.State.Holdings.CustodyBalance(Custody());

    private void AssertSupply(ulong tradable, ulong escrowed, ulong retired)
    {
        var batch = _ledger.View.GetBatch(BatchId)!;
        Assert.Equal((240UL, tradable, escrowed, retired, 0UL), (batch.IssuedGrams, batch.TradableGrams, batch.EscrowedGrams, batch.RetiredGrams, batch.VoidedGrams));
    }

    private static string Attribute(Receipt receipt, string key) => receipt.Attributes.Single(a => a.Key == key).Value;
}

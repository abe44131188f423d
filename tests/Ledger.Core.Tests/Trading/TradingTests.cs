using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Core.Tests.Trading;

/// <summary>
/// Trading (§18–§25) path by path: what commits and what it records, and each refusal with its code,
/// a message, the same receipt at admission, and no change but the block's root.
/// </summary>
public sealed class TradingTests
{
    private const uint Jan1 = 20089;
    private const string Owner = "owner-a";
    private const string Buyer = "trader-b";
    private const string Bidder = "trader-c";
    private const string Provider = "mall-d";

    private readonly TestLedger _ledger = new();
    private readonly string _batch;

    public TradingTests()
    {
        _ledger.ApprovedProject("P-1", Owner);
        _batch = _ledger.Issue("P-1", Jan1, Jan1 + 30, 10_000);
        _ledger.Register(Buyer, Role.Trader);
        _ledger.Register(Bidder, Role.Trader);
        _ledger.Register(Provider, Role.RightsProvider);
    }

    // --- negotiated agreement transfer (§21) ---

    [Fact]
    public void A_negotiated_transfer_moves_units_and_discloses_parties_price_and_attestor()
    {
        var receipt = TestLedger.Committed(_ledger.Submit(Owner, Bodies.Transfer(Buyer, _batch, 400, 18_000, "CNY"), TestLedger.Operator, Buyer));

        var trade = _ledger.View.GetTrade(Attribute(receipt, "trade_id"))!;
        Assert.Equal((TradeKind.Negotiated, Owner, Buyer, _batch, 400UL, 18_000UL, "CNY", TestLedger.Operator),
            (trade.Kind, trade.Seller, trade.Buyer, trade.BatchId, trade.AmountGrams, trade.PriceMinorUnits, trade.Currency, trade.AttestedBy));
        Assert.Equal(9_600UL, Tradable(Owner));
        Assert.Equal(400UL, Tradable(Buyer));
    }

    [Fact]
    public void A_transfer_without_the_buyers_acceptance_is_refused() =>
        AssertRefused(RejectionCode.MissingSignature, _ledger.Sign(Owner, Bodies.Transfer(Buyer, _batch, 400), TestLedger.Operator));

    [Fact]
    public void A_transfer_accepted_by_someone_other_than_the_buyer_is_refused() =>
        AssertRefused(RejectionCode.MissingSignature, _ledger.Sign(Owner, Bodies.Transfer(Buyer, _batch, 400), TestLedger.Operator, Bidder));

    [Fact]
    public void A_rights_provider_neither_buys_nor_sells_by_transfer()
    {
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(Owner, Bodies.Transfer(Provider, _batch, 10), TestLedger.Operator, Provider));
        RedeemedByProvider(100);
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(Provider, Bodies.Transfer(Buyer, _batch, 10), TestLedger.Operator, Buyer));
    }

    [Theory]
    [InlineData("cny")]
    [InlineData("RMBX")]
    [InlineData("")]
    public void A_transfer_priced_in_no_iso_currency_is_refused(string currency) =>
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(Owner, Bodies.Transfer(Buyer, _batch, 10, 100, currency), TestLedger.Operator, Buyer));

    // --- auctions (§21) ---

    [Fact]
    public void An_auction_escrows_the_lot_takes_rising_bids_and_settles_it_to_the_best_bidder()
    {
        var auction = OpenAuction(3_000, closesInBlocks: 5, reserve: 1_000, increment: 50);
        Assert.Equal((7_000UL, 3_000UL), (Tradable(Owner), Escrowed(Owner)));

        TestLedger.Committed(_ledger.Submit(Buyer, Bodies.PlaceBid(auction, 1_000)));
        AssertRefused(RejectionCode.BidTooLow, _ledger.Sign(Bidder, Bodies.PlaceBid(auction, 1_049)));
        TestLedger.Committed(_ledger.Submit(Bidder, Bodies.PlaceBid(auction, 1_050)));
        AssertRefused(RejectionCode.AuctionNotClosed, _ledger.Sign(TestLedger.Operator, Bodies.SettleAuction(auction)));
        AdvanceBlocks(5);
        AssertRefused(RejectionCode.AuctionClosed, _ledger.Sign(Buyer, Bodies.PlaceBid(auction, 5_000)));
        var settled = TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.SettleAuction(auction)));

        Assert.Equal((7_000UL, 0UL), (Tradable(Owner), Escrowed(Owner)));
        Assert.Equal(3_000UL, Tradable(Bidder));
        var record = _ledger.View.GetAuction(auction)!;
        Assert.Equal((AuctionStatus.Settled, Bidder, 1_050UL, 2U), (record.Status, record.BestBidder, record.BestPriceMinorUnits, record.BidCount));
        Assert.Equal([Buyer, Bidder], [_ledger.View.GetBid(auction, 0)!.Bidder, _ledger.View.GetBid(auction, 1)!.Bidder]);
        var trade = _ledger.View.GetTrade(Convert.ToHexStringLower(settled.TransactionId.Span))!;
        Assert.Equal((TradeKind.Auction, Owner, Bidder, 1_050UL, auction), (trade.Kind, trade.Seller, trade.Buyer, trade.PriceMinorUnits, trade.AuctionId));
        AssertRefused(RejectionCode.AuctionSettled, _ledger.Sign(TestLedger.Operator, Bodies.SettleAuction(auction)));
        AssertRefused(RejectionCode.AuctionSettled, _ledger.Sign(TestLedger.Operator, Bodies.CancelAuction(auction)));
    }

    [Fact]
    public void An_auction_nobody_bid_on_returns_the_lot_when_settled()
    {
        var auction = OpenAuction(3_000, closesInBlocks: 1);
        AdvanceBlocks(1);
        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.SettleAuction(auction)));

        Assert.Equal((10_000UL, 0UL), (Tradable(Owner), Escrowed(Owner)));
        Assert.Empty(_ledger.View.GetAuction(auction)!.BestBidder);
    }

    [Fact]
    public void A_cancelled_auction_returns_exactly_its_lot_and_leaves_a_pending_cancellation_in_escrow()
    {
        var cancellation = Attribute(TestLedger.Committed(_ledger.Submit(Owner, Bodies.RequestCancellation(_batch, 1_000))), "cancellation_id");
        var auction = OpenAuction(3_000, closesInBlocks: 5);
        TestLedger.Committed(_ledger.Submit(Buyer, Bodies.PlaceBid(auction, 100)));
        Assert.Equal((6_000UL, 4_000UL), (Tradable(Owner), Escrowed(Owner)));

        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.CancelAuction(auction)));

        Assert.Equal((9_000UL, 1_000UL), (Tradable(Owner), Escrowed(Owner)));
        Assert.Equal(AuctionStatus.Cancelled, _ledger.View.GetAuction(auction)!.Status);
        AssertRefused(RejectionCode.AuctionSettled, _ledger.Sign(Bidder, Bodies.PlaceBid(auction, 500)));
        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.ApproveCancellation(cancellation)));
        Assert.Equal((9_000UL, 0UL), (Tradable(Owner), Escrowed(Owner)));
    }

    [Fact]
    public void Escrowed_units_are_not_transferred_cancelled_redeemed_or_auctioned_again()
    {
        OpenAuction(10_000, closesInBlocks: 5);
        PublishOffer("bus-pass", priceGrams: 10, stock: 5);

        AssertRefused(RejectionCode.InsufficientBalance, _ledger.Sign(Owner, Bodies.Transfer(Buyer, _batch, 1), TestLedger.Operator, Buyer));
        AssertRefused(RejectionCode.InsufficientBalance, _ledger.Sign(Owner, Bodies.RequestCancellation(_batch, 1)));
        AssertRefused(RejectionCode.InsufficientBalance, _ledger.Sign(TestLedger.Operator, Bodies.OpenAuction(Owner, _batch, 1, _ledger.TimeMs + 10_000), Owner));
    }

    [Fact]
    public void Auction_refusals_name_what_was_wrong()
    {
        var closes = _ledger.TimeMs + 10_000;
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(Buyer, Bodies.OpenAuction(Owner, _batch, 100, closes), Owner));
        AssertRefused(RejectionCode.MissingSignature, _ledger.Sign(TestLedger.Operator, Bodies.OpenAuction(Owner, _batch, 100, closes)));
        AssertRefused(RejectionCode.ClosingTimePassed, _ledger.Sign(TestLedger.Operator, Bodies.OpenAuction(Owner, _batch, 100, _ledger.TimeMs + 1_000), Owner));
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(TestLedger.Operator, Bodies.OpenAuction(Owner, _batch, 100, closes, increment: 0), Owner));
        AssertRefused(RejectionCode.UnknownBatch, _ledger.Sign(TestLedger.Operator, Bodies.OpenAuction(Owner, "ORD-P-none-20250101-20250131", 100, closes), Owner));
        AssertRefused(RejectionCode.UnknownAuction, _ledger.Sign(Buyer, Bodies.PlaceBid(new string('a', 64), 100)));

        var auction = OpenAuction(100, closesInBlocks: 5, reserve: 500);
        AssertRefused(RejectionCode.BidTooLow, _ledger.Sign(Buyer, Bodies.PlaceBid(auction, 499)));
        AssertRefused(RejectionCode.BidOnOwnLot, _ledger.Sign(Owner, Bodies.PlaceBid(auction, 600)));
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(Provider, Bodies.PlaceBid(auction, 600)));
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(Buyer, Bodies.CancelAuction(auction)));
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(Buyer, Bodies.SettleAuction(auction)));
    }

    // --- the points mall (§24 §25) ---

    [Fact]
    public void A_redemption_moves_the_price_to_the_provider_lowers_the_stock_and_keeps_a_receipt()
    {
        PublishOffer("bus-pass", priceGrams: 250, stock: 3);

        var receipt = TestLedger.Committed(_ledger.Submit(Owner, Bodies.Redeem("bus-pass", 2, _batch, "code-7")));

        Assert.Equal((9_500UL, 500UL), (Tradable(Owner), Tradable(Provider)));
        var offer = _ledger.View.GetMallOffer("bus-pass")!;
        Assert.Equal((1UL, 2UL), (offer.Stock, offer.RedeemedQuantity));
        var redemption = _ledger.View.GetRedemption(Attribute(receipt, "redemption_id"))!;
        Assert.Equal(("bus-pass", Provider, Owner, 2UL, 500UL), (redemption.OfferId, redemption.Provider, redemption.Redeemer, redemption.Quantity, redemption.AmountGrams));
        Assert.Equal(Bodies.Redeem("bus-pass", 2, _batch, "code-7").Redeem.VoucherHash, redemption.VoucherHash);
        AssertRefused(RejectionCode.OutOfStock, _ledger.Sign(Owner, Bodies.Redeem("bus-pass", 2, _batch)));
    }

    [Fact]
    public void Offers_are_redeemable_only_within_their_validity_and_until_withdrawn()
    {
        TestLedger.Committed(_ledger.Submit(Provider, Bodies.PublishMallOffer("later", 10, 5, _ledger.TimeMs + 5_000, _ledger.TimeMs + 10_000)));
        AssertRefused(RejectionCode.MallOfferExpired, _ledger.Sign(Owner, Bodies.Redeem("later", 1, _batch)));
        PublishOffer("now", priceGrams: 10, stock: 5, validForBlocks: 3);
        AdvanceBlocks(3);
        AssertRefused(RejectionCode.MallOfferExpired, _ledger.Sign(Owner, Bodies.Redeem("now", 1, _batch)));
        TestLedger.Committed(_ledger.Submit(Provider, Bodies.UpdateMallOffer("now", 20, 10, _ledger.TimeMs + 10_000)));
        TestLedger.Committed(_ledger.Submit(Owner, Bodies.Redeem("now", 1, _batch)));
        Assert.Equal(20UL, Tradable(Provider));

        TestLedger.Committed(_ledger.Submit(Provider, Bodies.WithdrawMallOffer("now")));
        AssertRefused(RejectionCode.MallOfferWithdrawn, _ledger.Sign(Owner, Bodies.Redeem("now", 1, _batch)));
        AssertRefused(RejectionCode.MallOfferWithdrawn, _ledger.Sign(Provider, Bodies.UpdateMallOffer("now", 20, 10, _ledger.TimeMs + 10_000)));
    }

    [Fact]
    public void Mall_refusals_name_what_was_wrong()
    {
        PublishOffer("bus-pass", priceGrams: 10_001, stock: 5);
        _ledger.Register("mall-e", Role.RightsProvider);
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(Buyer, Bodies.PublishMallOffer("x", 10, 1, 0, _ledger.TimeMs + 10_000)));
        AssertRefused(RejectionCode.MallOfferExists, _ledger.Sign("mall-e", Bodies.PublishMallOffer("bus-pass", 10, 1, 0, _ledger.TimeMs + 10_000)));
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign("mall-e", Bodies.PublishMallOffer("y", 0, 1, 0, _ledger.TimeMs + 10_000)));
        AssertRefused(RejectionCode.NotOfferProvider, _ledger.Sign("mall-e", Bodies.WithdrawMallOffer("bus-pass")));
        AssertRefused(RejectionCode.UnknownMallOffer, _ledger.Sign(Owner, Bodies.Redeem("no-such-offer", 1, _batch)));
        AssertRefused(RejectionCode.InsufficientBalance, _ledger.Sign(Owner, Bodies.Redeem("bus-pass", 1, _batch)));
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(TestLedger.Verifier, Bodies.Redeem("bus-pass", 1, _batch)));
        var custody = Bodies.Redeem("bus-pass", 1, _batch);
        custody.Redeem.CustodyUserId = "u-5f3a";
        custody.Redeem.ConsentRef = "consent 2025-0001";
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(Owner, custody));
        custody.Redeem.CustodyUserId = new string('a', 64);
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(Owner, custody));
    }

    [Fact]
    public void A_rights_provider_may_cancel_the_units_it_received_by_redemption()
    {
        RedeemedByProvider(100);
        var id = Attribute(TestLedger.Committed(_ledger.Submit(Provider, Bodies.RequestCancellation(_batch, 100))), "cancellation_id");
        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.ApproveCancellation(id)));
        Assert.Equal(100UL, _ledger.View.GetBalance(Provider, _batch).RetiredGrams);
    }

    // --- cancellation for carbon neutralisation (§23) ---

    [Fact]
    public void A_cancellation_names_its_using_entity_or_the_holder()
    {
        var named = Attribute(TestLedger.Committed(_ledger.Submit(Owner, Bodies.RequestCancellation(_batch, 10, "Ordos Dongsheng District Government"))), "cancellation_id");
        var unnamed = Attribute(TestLedger.Committed(_ledger.Submit(Owner, Bodies.RequestCancellation(_batch, 10))), "cancellation_id");

        Assert.Equal("Ordos Dongsheng District Government", _ledger.View.GetCancellation(named)!.UsingEntity);
        Assert.Equal(Owner, _ledger.View.GetCancellation(unnamed)!.UsingEntity);
    }

    [Fact]
    public void A_cancellation_for_a_custodied_user_is_only_for_a_scenario_company()
    {
        var body = Bodies.RequestCancellation(_batch, 10);
        body.RequestCancellation.CustodyUserId = "u-5f3a";
        body.RequestCancellation.ConsentRef = "consent 2025-0001";
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(Owner, body));
        body.RequestCancellation.CustodyUserId = new string('a', 64);
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(Owner, body));
        body.RequestCancellation.ConsentRef = "";
        AssertRefused(RejectionCode.NoConsent, _ledger.Sign(Owner, body));
    }

    private string OpenAuction(ulong grams, int closesInBlocks, ulong reserve = 0, ulong increment = 100)
    {
        // The auction opens in the next block; it closes closesInBlocks blocks after that one.
        var closes = _ledger.TimeMs + ((closesInBlocks + 1) * 1_000L);
        var receipt = TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.OpenAuction(Owner, _batch, grams, closes, reserve, increment), Owner));
        return Attribute(receipt, "auction_id");
    }

    private void PublishOffer(string offerId, ulong priceGrams, ulong stock, int validForBlocks = 1_000) =>
        TestLedger.Committed(_ledger.Submit(Provider, Bodies.PublishMallOffer(offerId, priceGrams, stock, 0, _ledger.TimeMs + ((validForBlocks + 1) * 1_000L))));

    private void RedeemedByProvider(ulong grams)
    {
        PublishOffer("gift-" + grams, priceGrams: grams, stock: 1);
        TestLedger.Committed(_ledger.Submit(Owner, Bodies.Redeem("gift-" + grams, 1, _batch)));
    }

    private void AdvanceBlocks(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _ledger.ApplyBlock();
        }
    }

    private ulong Tradable(string account) => _ledger.View.GetBalance(account, _batch).TradableGrams;

    private ulong Escrowed(string account) => _ledger.View.GetBalance(account, _batch).EscrowedGrams;

    private static string Attribute(Receipt receipt, string key) => receipt.Attributes.Single(a => a.Key == key).Value;

    private void AssertRefused(RejectionCode code, Envelope envelope)
    {
        var block = new BlockContext(_ledger.Height + 1, _ledger.TimeMs + 1_000);
        var checkReceipt = _ledger.Machine.Check(_ledger.Store, block, envelope);
        var result = _ledger.Machine.ApplyBlock(_ledger.Store, block, [envelope]);
        var receipt = result.Receipts.Single();
        Assert.True(receipt.Code == code, $"expected {code}, got {receipt.Code}: {receipt.Message}");
        Assert.False(string.IsNullOrWhiteSpace(receipt.Message));
        Assert.Equal(receipt, checkReceipt);
        var changed = result.Changes.Entries.Select(e => e.Key).ToList();
        Assert.True(changed.Count == 1 && changed[0].AsSpan().SequenceEqual(State.StateKeys.StateRoot), "a refused transaction writes nothing but the block's root");
    }
}

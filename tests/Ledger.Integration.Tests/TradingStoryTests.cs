using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.Cli;
using Ledger.Client.Builders;
using Ledger.Client.Keys;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Integration.Tests;

/// <summary>
/// Trading (§18–§25) on a real node, through the SDK and `ledger tx`: a negotiated transfer disclosed
/// with its price, an auction opened (the seller co-signing), bid on, refused a late bid and settled
/// to the best bidder after its closing time, and a points-mall offer redeemed with a voucher hash.
/// (The cancellation certificate naming its using entity is verified offline in CertificateTests.)
/// </summary>
public sealed class TradingStoryTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ledger-trading-" + Guid.NewGuid().ToString("N")[..12]);

    public TradingStoryTests()
    {
        Directory.CreateDirectory(_directory);
        foreach (var id in new[] { TestLedger.Operator, "owner-a", "trader-b", "trader-c", "mall-d" })
        {
            KeyFile.Write(KeyPath(id), TestKeys.For(id));
        }
    }

    [Fact]
    public async Task An_auction_is_bid_on_and_settled_a_transfer_is_disclosed_and_a_mall_offer_is_redeemed()
    {
        await using var node = await NodeProcess.StartAsync();
        await using var client = Participants.Client(node);
        var story = await Stories.IssueAndTransferAsync(client);
        await Participants.RegisterAsync(client, "trader-c", Role.Trader);
        await Participants.RegisterAsync(client, "mall-d", Role.RightsProvider);
        var url = node.Url.ToString();
        string[] As(string signer, params string[] args) => [.. args, "--node", url, "--key", KeyPath(signer), "--as", signer, "--json"];

        // The negotiated transfer of the story is disclosed with its price and attesting operator.
        var trade = Assert.Single(await client.ListTradesAsync());
        Assert.Equal((TradeKind.Negotiated, "owner-a", "trader-b", 1_000_000UL, 45_00UL, "CNY", TestLedger.Operator),
            (trade.Kind, trade.Seller, trade.Buyer, trade.AmountGrams, trade.PriceMinorUnits, trade.Currency, trade.AttestedBy));

        // Bidding: the operator opens the owner's lot (the owner co-signs), two traders bid, a late bid is refused.
        var closesAt = DateTimeOffset.UtcNow.AddSeconds(4);
        var opened = await Json(As(TestLedger.Operator, "tx", "open-auction", "--seller", "owner-a", "--batch", story.BatchId, "--grams", "500000",
            "--reserve-price", "10000", "--min-increment", "500", "--closes-at", closesAt.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--cosign", $"owner-a={KeyPath("owner-a")}"));
        var auctionId = opened.GetProperty("attributes").GetProperty("auction_id").GetString()!;
        Assert.Equal((1_000_000UL, 500_000UL), Holding(await client.GetBalancesAsync("owner-a"), story.BatchId));
        await Json(As("trader-b", "tx", "place-bid", "--auction", auctionId, "--price", "10000"));
        var tooLow = await client.TrySubmitAndWaitAsync(Transactions.PlaceBid(auctionId, 10_499), Participants.Signer("trader-c"));
        Assert.Equal(RejectionCode.BidTooLow, tooLow.Code);
        await client.SubmitAndWaitAsync(Transactions.PlaceBid(auctionId, 10_500), Participants.Signer("trader-c"));
        var early = await client.TrySubmitAndWaitAsync(Transactions.SettleAuction(auctionId), Participants.Operator);
        Assert.Equal(RejectionCode.AuctionNotClosed, early.Code);

        await WaitUntil(() => DateTimeOffset.UtcNow > closesAt.AddMilliseconds(500));
        var late = await client.TrySubmitAndWaitAsync(Transactions.PlaceBid(auctionId, 20_000), Participants.Signer("trader-b"));
        Assert.Equal(RejectionCode.AuctionClosed, late.Code);
        await Json(As(TestLedger.Operator, "tx", "settle-auction", "--auction", auctionId));
        var twice = await client.TrySubmitAndWaitAsync(Transactions.SettleAuction(auctionId), Participants.Operator);
        Assert.Equal(RejectionCode.AuctionSettled, twice.Code);

        var auction = (await client.GetAuctionAsync(auctionId))!;
        Assert.Equal((AuctionStatus.Settled, "trader-c", 10_500UL), (auction.Auction.Status, auction.Auction.BestBidder, auction.Auction.BestPriceMinorUnits));
        Assert.Equal(["trader-b", "trader-c"], auction.Bids.Select(b => b.Bidder));
        Assert.Equal(auctionId, Assert.Single(await client.ListAuctionsAsync()).AuctionId);
        Assert.Equal((1_000_000UL, 0UL), Holding(await client.GetBalancesAsync("owner-a"), story.BatchId));
        Assert.Equal((500_000UL, 0UL), Holding(await client.GetBalancesAsync("trader-c"), story.BatchId));
        Assert.Contains(await client.ListTradesAsync(), t => t.Kind == TradeKind.Auction && t.AuctionId == auctionId && t.PriceMinorUnits == 10_500);

        // The points mall: the provider publishes, the trader redeems two items with a voucher, stock falls.
        await Json(As("mall-d", "tx", "publish-mall-offer", "--offer", "bus-pass-2025", "--title", "Kangbashi bus pass, one month", "--kind", "services",
            "--price-grams", "20000", "--stock", "3", "--valid-from", "2025-01-01T00:00:00+08:00", "--valid-until", DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture)));
        var redeemed = await Json(As("trader-b", "tx", "redeem", "--offer", "bus-pass-2025", "--quantity", "2", "--batch", story.BatchId, "--voucher", "K7Q-2291"));
        var redemption = (await client.GetRedemptionAsync(redeemed.GetProperty("attributes").GetProperty("redemption_id").GetString()!))!;
        Assert.Equal(("trader-b", "mall-d", 2UL, 40_000UL), (redemption.Redeemer, redemption.Provider, redemption.Quantity, redemption.AmountGrams));
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes("K7Q-2291")), redemption.VoucherHash.ToByteArray());
        Assert.Equal(1UL, (await client.GetMallOfferAsync("bus-pass-2025"))!.Stock);
        Assert.Equal("bus-pass-2025", Assert.Single(await client.ListMallOffersAsync()).OfferId);
        var outOfStock = await client.TrySubmitAndWaitAsync(Transactions.Redeem("bus-pass-2025", 2, story.BatchId, new byte[32]), story.Trader);
        Assert.Equal(RejectionCode.OutOfStock, outOfStock.Code);
        Assert.Equal((40_000UL, 0UL), Holding(await client.GetBalancesAsync("mall-d"), story.BatchId));

        var supply = (await client.GetBatchAsync(story.BatchId))!;
        Assert.Equal(supply.IssuedGrams, supply.TradableGrams + supply.EscrowedGrams + supply.RetiredGrams + supply.VoidedGrams);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string KeyPath(string id) => Path.Combine(_directory, id + ".pem");

    private static (ulong Tradable, ulong Escrowed) Holding(IReadOnlyList<BalanceRecord> balances, string batchId)
    {
        var balance = balances.Single(b => b.BatchId == batchId);
        return (balance.TradableGrams, balance.EscrowedGrams);
    }

    /// <summary>Runs `ledger tx …` in-process; it must commit; returns its --json output.</summary>
    private static async Task<JsonElement> Json(string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var exit = await new RootCommand { TxCommand.Create() }.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        Assert.True(exit == TxCommand.AcceptedExitCode, $"`ledger {string.Join(' ', args)}` exited {exit}\n{output}\n{error}");
        return JsonDocument.Parse(output.ToString()).RootElement;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 30 s");
            await Task.Delay(100);
        }
    }
}

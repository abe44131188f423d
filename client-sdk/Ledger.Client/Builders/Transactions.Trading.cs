using Google.Protobuf;
using Ledger.Core;
using Ledger.Core.Protocol;

namespace Ledger.Client.Builders;

/// <summary>Trading (§18–§25): negotiated transfers, auctions and the points mall.</summary>
public static partial class Transactions
{
    /// <summary>
    /// A negotiated agreement transfer (§21): signed by the seller (the holder), co-signed by the buyer
    /// <paramref name="to"/> (its acceptance) and by an OPERATOR (the trade attestation, §20). The price
    /// for all the grams, in the currency's minor unit (fen for CNY), is recorded as a trade disclosure;
    /// the money is settled off the ledger.
    /// </summary>
    public static TransactionBody Transfer(string to, string batchId, ulong amountGrams, ulong priceMinorUnits, string currency) => new()
    {
        Transfer = new Transfer
        {
            To = Require.Id(to, nameof(to)),
            BatchId = Require.Id(batchId, nameof(batchId), Limits.BatchIdLengthMax),
            AmountGrams = Require.Positive(amountGrams, nameof(amountGrams)),
            PriceMinorUnits = Price(priceMinorUnits, nameof(priceMinorUnits)),
            Currency = Currency(currency, nameof(currency)),
        },
    };

    /// <summary>
    /// Opens an auction of the seller's lot (§21), which moves into escrow. Signed by an OPERATOR and
    /// co-signed by <paramref name="seller"/>. The auction id is this transaction's id (hex).
    /// </summary>
    public static TransactionBody OpenAuction(
        string seller, string batchId, ulong amountGrams, string currency, ulong reservePriceMinorUnits, ulong minIncrementMinorUnits, DateTimeOffset closesAt) => new()
    {
        OpenAuction = new OpenAuction
        {
            Seller = Require.Id(seller, nameof(seller)),
            BatchId = Require.Id(batchId, nameof(batchId), Limits.BatchIdLengthMax),
            AmountGrams = Require.Positive(amountGrams, nameof(amountGrams)),
            Currency = Currency(currency, nameof(currency)),
            ReservePriceMinorUnits = Price(reservePriceMinorUnits, nameof(reservePriceMinorUnits)),
            MinIncrementMinorUnits = Price(Require.Positive(minIncrementMinorUnits, nameof(minIncrementMinorUnits)), nameof(minIncrementMinorUnits)),
            ClosesAtMs = closesAt.ToUnixTimeMilliseconds(),
        },
    };

    /// <summary>A bid for a whole lot, signed by the bidder (a trading party other than the seller).</summary>
    public static TransactionBody PlaceBid(string auctionId, ulong priceMinorUnits) => new()
    {
        PlaceBid = new PlaceBid { AuctionId = Require.Id(auctionId, nameof(auctionId)), PriceMinorUnits = Price(Require.Positive(priceMinorUnits, nameof(priceMinorUnits)), nameof(priceMinorUnits)) },
    };

    /// <summary>Settles a closed auction: the lot to the best bidder, or back to the seller. Signed by an OPERATOR.</summary>
    public static TransactionBody SettleAuction(string auctionId) => new()
    {
        SettleAuction = new SettleAuction { AuctionId = Require.Id(auctionId, nameof(auctionId)) },
    };

    /// <summary>Cancels an open auction: the lot goes back to the seller. Signed by an OPERATOR.</summary>
    public static TransactionBody CancelAuction(string auctionId, string reason) => new()
    {
        CancelAuction = new CancelAuction { AuctionId = Require.Id(auctionId, nameof(auctionId)), Reason = Require.Text(reason, nameof(reason), Limits.TextLengthMax) },
    };

    /// <summary>Publishes a points-mall offer (§24), priced in grams per item. Signed by a RIGHTS_PROVIDER.</summary>
    public static TransactionBody PublishMallOffer(
        string offerId, string title, MallOfferKind kind, ulong priceGrams, ulong stock, DateTimeOffset validFrom, DateTimeOffset validUntil)
    {
        if (kind is not (MallOfferKind.Goods or MallOfferKind.Services))
        {
            throw new ArgumentException("kind must be GOODS or SERVICES", nameof(kind));
        }

        if (validUntil <= validFrom)
        {
            throw new ArgumentException("validUntil must be after validFrom", nameof(validUntil));
        }

        return new TransactionBody
        {
            PublishMallOffer = new PublishMallOffer
            {
                OfferId = Require.Id(offerId, nameof(offerId)),
                Title = Require.Text(title, nameof(title), Limits.NameLengthMax),
                Kind = kind,
                PriceGrams = Require.Positive(priceGrams, nameof(priceGrams)),
                Stock = Stock(stock, nameof(stock)),
                ValidFromMs = validFrom.ToUnixTimeMilliseconds(),
                ValidUntilMs = validUntil.ToUnixTimeMilliseconds(),
            },
        };
    }

    /// <summary>Replaces an offer's price, stock and end of validity. Signed by the offer's RIGHTS_PROVIDER.</summary>
    public static TransactionBody UpdateMallOffer(string offerId, ulong priceGrams, ulong stock, DateTimeOffset validUntil) => new()
    {
        UpdateMallOffer = new UpdateMallOffer
        {
            OfferId = Require.Id(offerId, nameof(offerId)),
            PriceGrams = Require.Positive(priceGrams, nameof(priceGrams)),
            Stock = Stock(stock, nameof(stock)),
            ValidUntilMs = validUntil.ToUnixTimeMilliseconds(),
        },
    };

    /// <summary>Withdraws an offer for good. Signed by the offer's RIGHTS_PROVIDER.</summary>
    public static TransactionBody WithdrawMallOffer(string offerId) => new()
    {
        WithdrawMallOffer = new WithdrawMallOffer { OfferId = Require.Id(offerId, nameof(offerId)) },
    };

    /// <summary>
    /// Redeems items of a mall offer (§25) from the signer's own tradable units of a batch; the grams
    /// go to the provider. <paramref name="voucherHash"/> is the network hash of the voucher code the
    /// individual will show the provider (the code stays off the ledger). The redemption id is this
    /// transaction's id (hex).
    /// </summary>
    public static TransactionBody Redeem(string offerId, ulong quantity, string batchId, ReadOnlySpan<byte> voucherHash)
    {
        if (voucherHash.Length != Limits.VoucherHashBytes)
        {
            throw new ArgumentException($"voucherHash must be {Limits.VoucherHashBytes} bytes (the network hash of the voucher code), not {voucherHash.Length}", nameof(voucherHash));
        }

        return new TransactionBody
        {
            Redeem = new Redeem
            {
                OfferId = Require.Id(offerId, nameof(offerId)),
                Quantity = Stock(Require.Positive(quantity, nameof(quantity)), nameof(quantity)),
                BatchId = Require.Id(batchId, nameof(batchId), Limits.BatchIdLengthMax),
                VoucherHash = ByteString.CopyFrom(voucherHash),
            },
        };
    }

    /// <summary>
    /// The custody path of <see cref="Redeem"/> (§25, D24): the batch's custodian SCENARIO_COMPANY redeems
    /// for one user from the user's custody balance, with the user's consent reference.
    /// <paramref name="custodyUserId"/> is the user's 32-byte pseudonymous id; it goes on the ledger as
    /// 64 lowercase hex characters.
    /// </summary>
    public static TransactionBody RedeemForUser(
        ReadOnlySpan<byte> custodyUserId, string consentRef, string offerId, ulong quantity, string batchId, ReadOnlySpan<byte> voucherHash)
    {
        var body = Redeem(offerId, quantity, batchId, voucherHash);
        body.Redeem.CustodyUserId = Convert.ToHexStringLower(Require.Hash(custodyUserId, nameof(custodyUserId)));
        body.Redeem.ConsentRef = Require.Text(consentRef, nameof(consentRef), Limits.NameLengthMax);
        return body;
    }

    private static string Currency(string? currency, string field)
    {
        ArgumentNullException.ThrowIfNull(currency, field);
        return Limits.IsValidCurrency(currency) ? currency : throw new ArgumentException($"{field} must be an ISO 4217 code of three capital letters (CNY), not '{currency}'", field);
    }

    private static ulong Price(ulong minorUnits, string field) =>
        minorUnits <= Limits.PriceMinorUnitsMax ? minorUnits : throw new ArgumentException($"{field} is at most {Limits.PriceMinorUnitsMax}", field);

    private static ulong Stock(ulong count, string field) =>
        count <= Limits.MallStockMax ? count : throw new ArgumentException($"{field} is at most {Limits.MallStockMax}", field);
}

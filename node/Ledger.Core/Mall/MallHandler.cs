using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.Scenarios;
using Ledger.Core.State;
using Ledger.Core.Trading;

namespace Ledger.Core.Mall;

/// <summary>
/// The points mall (§24 §25, D23): rights providers publish offers priced in grams of reductions;
/// a trading party redeems items, the grams move to the provider, and a redemption receipt with the
/// voucher's hash is kept. Stock never goes below zero.
/// </summary>
public static class MallHandler
{
    public static Outcome Publish(TransactionContext ctx, PublishMallOffer tx)
    {
        if (ctx.RequireSignerRole(Role.RightsProvider, "publish a mall offer (§24)") is { } unauthorized)
        {
            return unauthorized;
        }

        if (Validate(tx) is { } invalid)
        {
            return invalid;
        }

        if (ctx.State.GetMallOffer(tx.OfferId) is { } existing)
        {
            return Outcome.Reject(RejectionCode.MallOfferExists, $"mall offer {tx.OfferId} was already published by {existing.Provider}");
        }

        ctx.State.PutMallOffer(new MallOfferRecord
        {
            OfferId = tx.OfferId,
            Provider = ctx.Signer.ParticipantId,
            Title = tx.Title,
            Kind = tx.Kind,
            PriceGrams = tx.PriceGrams,
            Stock = tx.Stock,
            ValidFromMs = tx.ValidFromMs,
            ValidUntilMs = tx.ValidUntilMs,
            Status = MallOfferStatus.Active,
            PublishedHeight = ctx.Block.Height,
            UpdatedHeight = ctx.Block.Height,
        });
        return Outcome.Committed(("offer_id", tx.OfferId));
    }

    public static Outcome Update(TransactionContext ctx, UpdateMallOffer tx)
    {
        if (tx.PriceGrams is 0 or > Limits.GramsPerBatchMax || tx.Stock > Limits.MallStockMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"price_grams must be between 1 and {Limits.GramsPerBatchMax}, stock at most {Limits.MallStockMax}");
        }

        if (FindOwn(ctx, tx.OfferId, out var offer) is { } refused)
        {
            return refused;
        }

        if (tx.ValidUntilMs <= offer.ValidFromMs)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"valid_until_ms must be after the offer's valid_from_ms {offer.ValidFromMs}");
        }

        var updated = offer.Clone();
        updated.PriceGrams = tx.PriceGrams;
        updated.Stock = tx.Stock;
        updated.ValidUntilMs = tx.ValidUntilMs;
        updated.UpdatedHeight = ctx.Block.Height;
        ctx.State.PutMallOffer(updated);
        return Outcome.Committed(("offer_id", tx.OfferId));
    }

    public static Outcome Withdraw(TransactionContext ctx, WithdrawMallOffer tx)
    {
        if (FindOwn(ctx, tx.OfferId, out var offer) is { } refused)
        {
            return refused;
        }

        var withdrawn = offer.Clone();
        withdrawn.Status = MallOfferStatus.Withdrawn;
        withdrawn.UpdatedHeight = ctx.Block.Height;
        ctx.State.PutMallOffer(withdrawn);
        return Outcome.Committed(("offer_id", tx.OfferId));
    }

    public static Outcome Redeem(TransactionContext ctx, Redeem tx)
    {
        if (ValidateRedeem(tx) is { } invalid)
        {
            return invalid;
        }

        if (CustodyPath.Parse(tx.CustodyUserId, tx.ConsentRef, out var userId) is { } badCustody)
        {
            return badCustody;
        }

        if (userId.Length > 0)
        {
            return RedeemForCustody(ctx, tx, userId);
        }

        if (TradingHandler.RequireTradingParty(ctx.Signer, "redeem") is { } notParty)
        {
            return notParty;
        }

        if (FindOffer(ctx.State, tx.OfferId, out var offer) is { } missing)
        {
            return missing;
        }

        if (RequireRedeemable(ctx, offer, tx.Quantity) is { } unavailable)
        {
            return unavailable;
        }

        if (ctx.Signer.ParticipantId == offer.Provider)
        {
            return Outcome.Reject(RejectionCode.SelfTransfer, $"{offer.Provider} provides offer {offer.OfferId} and cannot redeem it from itself");
        }

        if (ctx.State.GetParticipant(offer.Provider) is not { Status: ParticipantStatus.Active })
        {
            return Outcome.Reject(RejectionCode.RecipientSuspended, $"the provider {offer.Provider} of mall offer {offer.OfferId} is suspended");
        }

        if (ctx.State.GetBatch(tx.BatchId) is null)
        {
            return Outcome.Reject(RejectionCode.UnknownBatch, $"batch {tx.BatchId} does not exist");
        }

        // Both factors are bounded (stock ≤ 10^9, price ≤ 2^62), so the product is checked, not assumed.
        var grams = (UInt128)offer.PriceGrams * tx.Quantity;
        var held = ctx.State.GetBalance(ctx.Signer.ParticipantId, tx.BatchId).TradableGrams;
        if (grams > held)
        {
            return Outcome.Reject(RejectionCode.InsufficientBalance, $"{ctx.Signer.ParticipantId} holds {held} tradable grams of {tx.BatchId}, fewer than the {grams} that {tx.Quantity} x {offer.PriceGrams} cost");
        }

        var amount = (ulong)grams;
        Holdings.MoveTradable(ctx.State, tx.BatchId, ctx.Signer.ParticipantId, offer.Provider, amount);
        Record(ctx, offer, tx, amount, []);
        return Outcome.Committed(("redemption_id", ctx.TransactionIdHex), ("amount_grams", TradingHandler.Text(amount)));
    }

    /// <summary>
    /// §25 for a scenario company's user: the batch's custodian redeems, with the user's consent, from the
    /// user's custody balance; the grams become the provider's tradable units and the receipt keeps the
    /// user's pseudonymous id and consent reference. The company is the redeemer.
    /// </summary>
    private static Outcome RedeemForCustody(TransactionContext ctx, Redeem tx, byte[] userId)
    {
        if (ctx.RequireSignerRole(Role.ScenarioCompany, "redeem for a user in custody") is { } unauthorized)
        {
            return unauthorized;
        }

        if (FindOffer(ctx.State, tx.OfferId, out var offer) is { } missing)
        {
            return missing;
        }

        if (RequireRedeemable(ctx, offer, tx.Quantity) is { } unavailable)
        {
            return unavailable;
        }

        if (ctx.Signer.ParticipantId == offer.Provider)
        {
            return Outcome.Reject(RejectionCode.SelfTransfer, $"{offer.Provider} provides offer {offer.OfferId} and cannot redeem its users' custody units to itself");
        }

        if (ctx.State.GetParticipant(offer.Provider) is not { Status: ParticipantStatus.Active })
        {
            return Outcome.Reject(RejectionCode.RecipientSuspended, $"the provider {offer.Provider} of mall offer {offer.OfferId} is suspended");
        }

        if (CustodyPath.Find(ctx, tx.BatchId, userId, "redeem", out _, out var custody) is { } refused)
        {
            return refused;
        }

        var grams = (UInt128)offer.PriceGrams * tx.Quantity;
        var available = Holdings.CustodyBalance(custody);
        if (grams > available)
        {
            return Outcome.Reject(RejectionCode.InsufficientBalance, $"the user's custody balance in batch {tx.BatchId} is {available} g, less than the {grams} g that {tx.Quantity} x {offer.PriceGrams} cost");
        }

        var amount = (ulong)grams;
        Holdings.RedeemCustody(ctx.State, custody, offer.Provider, amount);
        Record(ctx, offer, tx, amount, userId);
        return Outcome.Committed(("redemption_id", ctx.TransactionIdHex), ("amount_grams", TradingHandler.Text(amount)), ("custody_grams", TradingHandler.Text(available - amount)));
    }

    /// <summary>The stock taken and the redemption receipt (§25).</summary>
    private static void Record(TransactionContext ctx, MallOfferRecord offer, Redeem tx, ulong amount, byte[] custodyUserId)
    {
        var updated = offer.Clone();
        updated.Stock -= tx.Quantity;
        updated.RedeemedQuantity = checked(offer.RedeemedQuantity + tx.Quantity);
        ctx.State.PutMallOffer(updated);
        ctx.State.PutRedemption(new RedemptionRecord
        {
            RedemptionId = ctx.TransactionIdHex,
            OfferId = offer.OfferId,
            Provider = offer.Provider,
            Redeemer = ctx.Signer.ParticipantId,
            Quantity = tx.Quantity,
            BatchId = tx.BatchId,
            AmountGrams = amount,
            VoucherHash = tx.VoucherHash,
            Height = ctx.Block.Height,
            CustodyUserId = Google.Protobuf.ByteString.CopyFrom(custodyUserId),
            ConsentRef = custodyUserId.Length > 0 ? tx.ConsentRef : "",
        });
    }

    /// <summary>Active, within its validity window at this block's time, with enough stock.</summary>
    private static Outcome? RequireRedeemable(TransactionContext ctx, MallOfferRecord offer, ulong quantity)
    {
        if (offer.Status == MallOfferStatus.Withdrawn)
        {
            return Outcome.Reject(RejectionCode.MallOfferWithdrawn, $"mall offer {offer.OfferId} was withdrawn");
        }

        var now = ctx.Block.TimeMs;
        if (now < offer.ValidFromMs || now >= offer.ValidUntilMs)
        {
            return Outcome.Reject(RejectionCode.MallOfferExpired, $"mall offer {offer.OfferId} is redeemable from {offer.ValidFromMs} until {offer.ValidUntilMs} ms; the block time is {now} ms");
        }

        return offer.Stock < quantity
            ? Outcome.Reject(RejectionCode.OutOfStock, $"mall offer {offer.OfferId} has {offer.Stock} left, fewer than {quantity}")
            : null;
    }

    /// <summary>The signer's own, not withdrawn offer.</summary>
    private static Outcome? FindOwn(TransactionContext ctx, string offerId, out MallOfferRecord offer)
    {
        offer = null!;
        if (ctx.RequireSignerRole(Role.RightsProvider, "change a mall offer (§24)") is { } unauthorized)
        {
            return unauthorized;
        }

        if (FindOffer(ctx.State, offerId, out offer) is { } missing)
        {
            return missing;
        }

        if (offer.Provider != ctx.Signer.ParticipantId)
        {
            return Outcome.Reject(RejectionCode.NotOfferProvider, $"mall offer {offerId} belongs to {offer.Provider}");
        }

        return offer.Status == MallOfferStatus.Withdrawn
            ? Outcome.Reject(RejectionCode.MallOfferWithdrawn, $"mall offer {offerId} was withdrawn")
            : null;
    }

    private static Outcome? FindOffer(LedgerState state, string offerId, out MallOfferRecord offer)
    {
        offer = null!;
        if (!Limits.IsValidId(offerId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "offer_id must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        }

        var record = state.GetMallOffer(offerId);
        if (record is null)
        {
            return Outcome.Reject(RejectionCode.UnknownMallOffer, $"mall offer {offerId} does not exist");
        }

        offer = record;
        return null;
    }

    private static Outcome? Validate(PublishMallOffer tx)
    {
        if (!Limits.IsValidId(tx.OfferId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "offer_id must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        }

        if (!Limits.IsValidText(tx.Title, Limits.NameLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"title is required, at most {Limits.NameLengthMax} characters");
        }

        if (tx.Kind is not (MallOfferKind.Goods or MallOfferKind.Services))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "kind must be GOODS or SERVICES");
        }

        if (tx.PriceGrams is 0 or > Limits.GramsPerBatchMax || tx.Stock > Limits.MallStockMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"price_grams must be between 1 and {Limits.GramsPerBatchMax}, stock at most {Limits.MallStockMax}");
        }

        return tx.ValidUntilMs <= tx.ValidFromMs
            ? Outcome.Reject(RejectionCode.InvalidField, "valid_until_ms must be after valid_from_ms")
            : null;
    }

    private static Outcome? ValidateRedeem(Redeem tx)
    {
        if (!Limits.IsValidId(tx.OfferId) || !Limits.IsValidId(tx.BatchId, Limits.BatchIdLengthMax))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "offer_id and batch_id must be ids of A-Z a-z 0-9 . _ : -");
        }

        if (tx.Quantity is 0 or > Limits.MallStockMax)
        {
            return Outcome.Reject(RejectionCode.InvalidAmount, $"quantity must be between 1 and {Limits.MallStockMax}");
        }

        if (tx.VoucherHash.Length != Limits.VoucherHashBytes)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"voucher_hash must be {Limits.VoucherHashBytes} bytes (the network hash of the voucher code)");
        }

        return null;
    }
}

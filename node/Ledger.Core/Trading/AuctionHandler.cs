using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Trading;

/// <summary>
/// Bidding (§21, D22): the operator opens an auction of a seller's lot (the seller co-signs, the lot
/// goes to escrow), trading parties bid above the best by the increment before the closing time, and
/// the operator settles after it (the lot to the winner) or cancels (the lot back to the seller).
/// The auction record says exactly which escrow is the lot's, so a cancellation's escrow is never touched.
/// </summary>
public static class AuctionHandler
{
    public static Outcome Open(TransactionContext ctx, OpenAuction tx)
    {
        if (ctx.RequireSignerRole(Role.Operator, "open an auction (§20 §21)") is { } unauthorized)
        {
            return unauthorized;
        }

        if (Validate(ctx, tx) is { } invalid)
        {
            return invalid;
        }

        var seller = ctx.CoSigner(tx.Seller);
        if (seller is null)
        {
            return Outcome.Reject(RejectionCode.MissingSignature, $"the seller {tx.Seller} must co-sign: its lot moves into escrow");
        }

        if (TradingHandler.RequireTradingParty(seller, "sell") is { } notSeller)
        {
            return notSeller;
        }

        var batch = ctx.State.GetBatch(tx.BatchId);
        if (batch is null)
        {
            return Outcome.Reject(RejectionCode.UnknownBatch, $"batch {tx.BatchId} does not exist");
        }

        var held = ctx.State.GetBalance(tx.Seller, tx.BatchId).TradableGrams;
        if (held < tx.AmountGrams)
        {
            return Outcome.Reject(RejectionCode.InsufficientBalance, $"{tx.Seller} holds {held} tradable grams of {tx.BatchId}, fewer than {tx.AmountGrams}");
        }

        var auctionId = ctx.TransactionIdHex;
        Holdings.Escrow(ctx.State, batch, tx.Seller, tx.AmountGrams);
        ctx.State.PutAuction(new AuctionRecord
        {
            AuctionId = auctionId,
            Seller = tx.Seller,
            BatchId = tx.BatchId,
            AmountGrams = tx.AmountGrams,
            Currency = tx.Currency,
            ReservePriceMinorUnits = tx.ReservePriceMinorUnits,
            MinIncrementMinorUnits = tx.MinIncrementMinorUnits,
            ClosesAtMs = tx.ClosesAtMs,
            Status = AuctionStatus.Open,
            OpenedBy = ctx.Signer.ParticipantId,
            OpenedHeight = ctx.Block.Height,
        });
        return Outcome.Committed(("auction_id", auctionId));
    }

    public static Outcome Bid(TransactionContext ctx, PlaceBid tx)
    {
        if (FindAuction(ctx, tx.AuctionId, out var auction) is { } missing)
        {
            return missing;
        }

        if (TradingHandler.RequireTradingParty(ctx.Signer, "bid for") is { } notParty)
        {
            return notParty;
        }

        if (auction.Status != AuctionStatus.Open)
        {
            return Outcome.Reject(RejectionCode.AuctionSettled, $"auction {auction.AuctionId} is {auction.Status}");
        }

        if (ctx.Block.TimeMs >= auction.ClosesAtMs)
        {
            return Outcome.Reject(RejectionCode.AuctionClosed, $"auction {auction.AuctionId} closed at {auction.ClosesAtMs} ms; the block time is {ctx.Block.TimeMs} ms");
        }

        if (ctx.Signer.ParticipantId == auction.Seller)
        {
            return Outcome.Reject(RejectionCode.BidOnOwnLot, $"{auction.Seller} sells this lot and may not bid on it");
        }

        var minimum = MinimumBid(auction);
        if (tx.PriceMinorUnits < minimum || tx.PriceMinorUnits > Limits.PriceMinorUnitsMax)
        {
            return Outcome.Reject(RejectionCode.BidTooLow, $"the next bid on auction {auction.AuctionId} must be at least {minimum} {auction.Currency} minor units (and at most {Limits.PriceMinorUnitsMax})");
        }

        if (auction.BidCount >= Limits.BidsPerAuctionMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"auction {auction.AuctionId} has taken its maximum of {Limits.BidsPerAuctionMax} bids");
        }

        ctx.State.PutBid(new BidRecord
        {
            AuctionId = auction.AuctionId,
            Sequence = auction.BidCount,
            Bidder = ctx.Signer.ParticipantId,
            PriceMinorUnits = tx.PriceMinorUnits,
            Height = ctx.Block.Height,
            BidId = ctx.TransactionIdHex,
        });
        var updated = auction.Clone();
        updated.BestBidder = ctx.Signer.ParticipantId;
        updated.BestPriceMinorUnits = tx.PriceMinorUnits;
        updated.BidCount = auction.BidCount + 1;
        ctx.State.PutAuction(updated);
        return Outcome.Committed(("auction_id", auction.AuctionId), ("bid_sequence", TradingHandler.Text(auction.BidCount)));
    }

    public static Outcome Settle(TransactionContext ctx, SettleAuction tx)
    {
        if (FindOpen(ctx, tx.AuctionId, "settle an auction", out var auction) is { } refused)
        {
            return refused;
        }

        if (ctx.Block.TimeMs < auction.ClosesAtMs)
        {
            return Outcome.Reject(RejectionCode.AuctionNotClosed, $"auction {auction.AuctionId} closes at {auction.ClosesAtMs} ms; the block time is {ctx.Block.TimeMs} ms");
        }

        var hasWinner = auction.BestBidder.Length > 0;
        if (hasWinner && TradingHandler.RequireRecipient(ctx.State, auction.BestBidder) is { } badWinner)
        {
            // The winner was suspended or lost its role since it bid: the operator cancels instead.
            return badWinner;
        }

        var batch = ctx.State.GetBatch(auction.BatchId);
        Invariant.Require(batch is not null, "an open auction names an existing batch");
        if (hasWinner)
        {
            Holdings.MoveEscrowed(ctx.State, batch!, auction.Seller, auction.BestBidder, auction.AmountGrams);
            ctx.State.PutTrade(new TradeRecord
            {
                TradeId = ctx.TransactionIdHex,
                Kind = TradeKind.Auction,
                Seller = auction.Seller,
                Buyer = auction.BestBidder,
                BatchId = auction.BatchId,
                AmountGrams = auction.AmountGrams,
                PriceMinorUnits = auction.BestPriceMinorUnits,
                Currency = auction.Currency,
                AttestedBy = ctx.Signer.ParticipantId,
                Height = ctx.Block.Height,
                AuctionId = auction.AuctionId,
            });
        }
        else
        {
            Holdings.ReleaseEscrow(ctx.State, batch!, auction.Seller, auction.AmountGrams);
        }

        ctx.State.PutAuction(Decided(ctx, auction, AuctionStatus.Settled, ""));
        return Outcome.Committed(("auction_id", auction.AuctionId), ("winner", auction.BestBidder), ("price_minor_units", TradingHandler.Text(auction.BestPriceMinorUnits)));
    }

    public static Outcome Cancel(TransactionContext ctx, CancelAuction tx)
    {
        if (!Limits.IsValidText(tx.Reason, Limits.TextLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"reason is required, at most {Limits.TextLengthMax} characters");
        }

        if (FindOpen(ctx, tx.AuctionId, "cancel an auction", out var auction) is { } refused)
        {
            return refused;
        }

        var batch = ctx.State.GetBatch(auction.BatchId);
        Invariant.Require(batch is not null, "an open auction names an existing batch");
        Holdings.ReleaseEscrow(ctx.State, batch!, auction.Seller, auction.AmountGrams);
        ctx.State.PutAuction(Decided(ctx, auction, AuctionStatus.Cancelled, tx.Reason));
        return Outcome.Committed(("auction_id", auction.AuctionId));
    }

    /// <summary>The reserve for the first bid; afterwards the best bid plus the increment.</summary>
    public static ulong MinimumBid(AuctionRecord auction) =>
        auction.BidCount == 0
            ? Math.Max(auction.ReservePriceMinorUnits, 1)
            : checked(auction.BestPriceMinorUnits + auction.MinIncrementMinorUnits);

    private static AuctionRecord Decided(TransactionContext ctx, AuctionRecord auction, AuctionStatus status, string reason)
    {
        var decided = auction.Clone();
        decided.Status = status;
        decided.DecidedBy = ctx.Signer.ParticipantId;
        decided.DecidedHeight = ctx.Block.Height;
        decided.CancelReason = reason;
        return decided;
    }

    private static Outcome? FindOpen(TransactionContext ctx, string auctionId, string action, out AuctionRecord auction)
    {
        auction = null!;
        if (ctx.RequireSignerRole(Role.Operator, action) is { } unauthorized)
        {
            return unauthorized;
        }

        if (FindAuction(ctx, auctionId, out auction) is { } missing)
        {
            return missing;
        }

        return auction.Status == AuctionStatus.Open
            ? null
            : Outcome.Reject(RejectionCode.AuctionSettled, $"auction {auctionId} is already {auction.Status}");
    }

    private static Outcome? FindAuction(TransactionContext ctx, string auctionId, out AuctionRecord auction)
    {
        auction = null!;
        if (!Limits.IsValidId(auctionId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "auction_id must be the OpenAuction's transaction id in hex");
        }

        var record = ctx.State.GetAuction(auctionId);
        if (record is null)
        {
            return Outcome.Reject(RejectionCode.UnknownAuction, $"auction {auctionId} does not exist");
        }

        auction = record;
        return null;
    }

    private static Outcome? Validate(TransactionContext ctx, OpenAuction tx)
    {
        if (!Limits.IsValidId(tx.Seller) || !Limits.IsValidId(tx.BatchId, Limits.BatchIdLengthMax))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "seller and batch_id must be ids of A-Z a-z 0-9 . _ : -");
        }

        if (TradingHandler.RequireCurrency(tx.Currency) is { } badCurrency)
        {
            return badCurrency;
        }

        if (tx.AmountGrams is 0 or > Limits.GramsPerBatchMax)
        {
            return Outcome.Reject(RejectionCode.InvalidAmount, $"amount_grams must be between 1 and {Limits.GramsPerBatchMax}");
        }

        if (tx.MinIncrementMinorUnits == 0 || tx.MinIncrementMinorUnits > Limits.PriceMinorUnitsMax || tx.ReservePriceMinorUnits > Limits.PriceMinorUnitsMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"min_increment_minor_units must be between 1 and {Limits.PriceMinorUnitsMax}, reserve_price_minor_units at most that");
        }

        if (tx.ClosesAtMs <= ctx.Block.TimeMs)
        {
            return Outcome.Reject(RejectionCode.ClosingTimePassed, $"closes_at_ms {tx.ClosesAtMs} is not after the block time {ctx.Block.TimeMs}");
        }

        return tx.ClosesAtMs - ctx.Block.TimeMs > Limits.AuctionDurationMsMax
            ? Outcome.Reject(RejectionCode.InvalidField, $"an auction closes at most {Limits.AuctionDurationMsMax} ms after it opens")
            : null;
    }
}

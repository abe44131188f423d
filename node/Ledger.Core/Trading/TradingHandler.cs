using System.Globalization;
using Ledger.Core.Execution;
using Ledger.Core.Participants;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Trading;

/// <summary>
/// Transfer: a negotiated agreement transfer (§21, D21) — the seller's offer (signer), the buyer's
/// acceptance and the operator's trade attestation (§20), with the price recorded for disclosure.
/// </summary>
public static class TradingHandler
{
    public static Outcome Transfer(TransactionContext ctx, Transfer tx)
    {
        if (Validate(tx) is { } invalid)
        {
            return invalid;
        }

        if (RequireTradingParty(ctx.Signer, "sell") is { } notSeller)
        {
            return notSeller;
        }

        if (Attestor(ctx) is not { } attestor)
        {
            return Outcome.Reject(RejectionCode.MissingSignature, "a transfer needs the OPERATOR's trade attestation: a co-signature by an OPERATOR (§20)");
        }

        if (tx.To == ctx.Signer.ParticipantId)
        {
            return Outcome.Reject(RejectionCode.SelfTransfer, "a transfer to oneself moves nothing");
        }

        if (RequireRecipient(ctx.State, tx.To) is { } badRecipient)
        {
            return badRecipient;
        }

        if (ctx.CoSigner(tx.To) is null)
        {
            return Outcome.Reject(RejectionCode.MissingSignature, $"a negotiated transfer needs the buyer's acceptance: a co-signature by {tx.To} (§21)");
        }

        if (ctx.State.GetBatch(tx.BatchId) is null)
        {
            return Outcome.Reject(RejectionCode.UnknownBatch, $"batch {tx.BatchId} does not exist");
        }

        var held = ctx.State.GetBalance(ctx.Signer.ParticipantId, tx.BatchId).TradableGrams;
        if (held < tx.AmountGrams)
        {
            return Outcome.Reject(RejectionCode.InsufficientBalance, $"{ctx.Signer.ParticipantId} holds {held} tradable grams of {tx.BatchId}, fewer than {tx.AmountGrams}");
        }

        Holdings.MoveTradable(ctx.State, tx.BatchId, ctx.Signer.ParticipantId, tx.To, tx.AmountGrams);
        ctx.State.PutTrade(new TradeRecord
        {
            TradeId = ctx.TransactionIdHex,
            Kind = TradeKind.Negotiated,
            Seller = ctx.Signer.ParticipantId,
            Buyer = tx.To,
            BatchId = tx.BatchId,
            AmountGrams = tx.AmountGrams,
            PriceMinorUnits = tx.PriceMinorUnits,
            Currency = tx.Currency,
            AttestedBy = attestor.ParticipantId,
            Height = ctx.Block.Height,
        });
        return Outcome.Committed(("batch_id", tx.BatchId), ("trade_id", ctx.TransactionIdHex));
    }

    /// <summary>§18: only trading parties (TRADER, PROJECT_OWNER, SCENARIO_COMPANY) sell, buy, bid and redeem.</summary>
    public static Outcome? RequireTradingParty(ParticipantRecord participant, string action) =>
        Roles.IsTradingParty(participant)
            ? null
            : Outcome.Reject(RejectionCode.UnauthorizedRole, $"{participant.ParticipantId} is not a trading party (TRADER, PROJECT_OWNER or SCENARIO_COMPANY) and may not {action} reductions (§18)");

    /// <summary>§23: trading parties and rights providers (who received units by redemption) may cancel what they hold.</summary>
    public static Outcome? RequireHolder(ParticipantRecord participant, string action) =>
        Roles.IsHolder(participant)
            ? null
            : Outcome.Reject(RejectionCode.UnauthorizedRole, $"{participant.ParticipantId} is neither a trading party nor a RIGHTS_PROVIDER and may not {action} reductions (§18 §23)");

    /// <summary>§20: the operator attests every trade by its own signature on the envelope; the attesting operator, or null.</summary>
    public static ParticipantRecord? Attestor(TransactionContext ctx) =>
        ctx.SignerHas(Role.Operator) ? ctx.Signer : ctx.CoSignerWith(Role.Operator);

    /// <summary>A registered, active trading party that may receive units.</summary>
    public static Outcome? RequireRecipient(LedgerState state, string recipientId)
    {
        var recipient = state.GetParticipant(recipientId);
        if (recipient is null)
        {
            return Outcome.Reject(RejectionCode.UnknownParticipant, $"recipient {recipientId} is not registered");
        }

        if (recipient.Status != ParticipantStatus.Active)
        {
            return Outcome.Reject(RejectionCode.RecipientSuspended, $"recipient {recipientId} is suspended");
        }

        return RequireTradingParty(recipient, "buy");
    }

    public static Outcome? RequireCurrency(string currency) =>
        Limits.IsValidCurrency(currency)
            ? null
            : Outcome.Reject(RejectionCode.InvalidField, "currency must be an ISO 4217 code of three capital letters (CNY)");

    private static Outcome? Validate(Transfer tx)
    {
        if (!Limits.IsValidId(tx.To) || !Limits.IsValidId(tx.BatchId, Limits.BatchIdLengthMax))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "to and batch_id must be ids of A-Z a-z 0-9 . _ : -");
        }

        if (RequireCurrency(tx.Currency) is { } badCurrency)
        {
            return badCurrency;
        }

        if (tx.PriceMinorUnits > Limits.PriceMinorUnitsMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"price_minor_units is at most {Limits.PriceMinorUnitsMax}");
        }

        return tx.AmountGrams is 0 or > Limits.GramsPerBatchMax ? Outcome.Reject(RejectionCode.InvalidAmount, $"amount_grams must be between 1 and {Limits.GramsPerBatchMax}") : null;
    }

    internal static string Text(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}

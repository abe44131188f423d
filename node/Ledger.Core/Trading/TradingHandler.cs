using Ledger.Core.Execution;
using Ledger.Core.Participants;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Trading;

/// <summary>Transfer: a negotiated agreement transfer (§21), signed by the holder and attested by the operator (§20).</summary>
public static class TradingHandler
{
    public static Outcome Transfer(TransactionContext ctx, Transfer tx)
    {
        if (Validate(tx) is { } invalid)
        {
            return invalid;
        }

        if (RequireTradingParty(ctx.Signer, "send") is { } notSender)
        {
            return notSender;
        }

        if (RequireAttestation(ctx) is { } notAttested)
        {
            return notAttested;
        }

        if (tx.To == ctx.Signer.ParticipantId)
        {
            return Outcome.Reject(RejectionCode.SelfTransfer, "a transfer to oneself moves nothing");
        }

        if (RequireRecipient(ctx, tx.To) is { } badRecipient)
        {
            return badRecipient;
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
        return Outcome.Committed(("batch_id", tx.BatchId));
    }

    /// <summary>§18: only trading parties hold and trade reductions.</summary>
    public static Outcome? RequireTradingParty(ParticipantRecord participant, string action) =>
        Roles.IsTradingParty(participant)
            ? null
            : Outcome.Reject(RejectionCode.UnauthorizedRole, $"{participant.ParticipantId} is not a trading party (PROJECT_OWNER, SCENARIO_COMPANY, TRADER or RIGHTS_PROVIDER) and may not {action} reductions (§18)");

    /// <summary>§20: the operator attests every trade, by its own signature on the envelope.</summary>
    private static Outcome? RequireAttestation(TransactionContext ctx) =>
        ctx.SignerHas(Role.Operator) || ctx.CoSignerWith(Role.Operator) is not null
            ? null
            : Outcome.Reject(RejectionCode.MissingSignature, "a transfer needs the OPERATOR's trade attestation: a co-signature by an OPERATOR (§20)");

    private static Outcome? RequireRecipient(TransactionContext ctx, string recipientId)
    {
        var recipient = ctx.State.GetParticipant(recipientId);
        if (recipient is null)
        {
            return Outcome.Reject(RejectionCode.UnknownParticipant, $"recipient {recipientId} is not registered");
        }

        if (recipient.Status != ParticipantStatus.Active)
        {
            return Outcome.Reject(RejectionCode.RecipientSuspended, $"recipient {recipientId} is suspended");
        }

        return RequireTradingParty(recipient, "receive");
    }

    private static Outcome? Validate(Transfer tx)
    {
        if (!Limits.IsValidId(tx.To) || !Limits.IsValidId(tx.BatchId, Limits.BatchIdLengthMax))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "to and batch_id must be ids of A-Z a-z 0-9 . _ : -");
        }

        return tx.AmountGrams == 0 ? Outcome.Reject(RejectionCode.InvalidAmount, "amount_grams must be positive") : null;
    }
}

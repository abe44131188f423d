using System.Globalization;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Scenarios;

/// <summary>
/// WithdrawCustody (§16, DESIGN §3): the scenario company moves a user's custody units to the user's own
/// TRADER account. By signing, the company vouches that the trader is that user; the ledger never sees
/// who the user is (§28).
/// </summary>
public static class CustodyHandler
{
    public static Outcome Withdraw(TransactionContext ctx, WithdrawCustody tx)
    {
        if (ctx.RequireSignerRole(Role.ScenarioCompany, "withdraw from custody") is { } unauthorized)
        {
            return unauthorized;
        }

        if (Validate(tx) is { } invalid)
        {
            return invalid;
        }

        if (ctx.State.GetBatch(tx.BatchId) is null)
        {
            return Outcome.Reject(RejectionCode.UnknownBatch, $"batch {tx.BatchId} does not exist (a scenario day's units exist once it is issued)");
        }

        var custody = ctx.State.GetCustody(ctx.Signer.ParticipantId, tx.UserId.Span, tx.BatchId);
        if (custody is null)
        {
            return Outcome.Reject(RejectionCode.UnknownCustody, $"{ctx.Signer.ParticipantId} holds nothing in custody for user {Convert.ToHexStringLower(tx.UserId.Span)} in batch {tx.BatchId}");
        }

        var available = Holdings.CustodyBalance(custody);
        if (available < tx.AmountGrams)
        {
            return Outcome.Reject(RejectionCode.InsufficientBalance, $"the user's custody balance in batch {tx.BatchId} is {available} g, less than {tx.AmountGrams} g");
        }

        if (RequireTrader(ctx, tx.TraderId) is { } noTrader)
        {
            return noTrader;
        }

        Holdings.WithdrawCustody(ctx.State, custody, tx.TraderId, tx.AmountGrams);
        return Outcome.Committed(("batch_id", tx.BatchId), ("trader_id", tx.TraderId), ("custody_grams", (available - tx.AmountGrams).ToString(CultureInfo.InvariantCulture)));
    }

    private static Outcome? RequireTrader(TransactionContext ctx, string traderId)
    {
        var trader = ctx.State.GetParticipant(traderId);
        if (trader is null)
        {
            return Outcome.Reject(RejectionCode.UnknownParticipant, $"trader {traderId} is not registered");
        }

        if (!Participants.Roles.Has(trader, Role.Trader))
        {
            return Outcome.Reject(RejectionCode.UnauthorizedRole, $"{traderId} is not a TRADER; custody units go only to the user's own TRADER account");
        }

        return trader.Status == ParticipantStatus.Active
            ? null
            : Outcome.Reject(RejectionCode.RecipientSuspended, $"trader {traderId} is suspended");
    }

    private static Outcome? Validate(WithdrawCustody tx)
    {
        if (tx.UserId.Length != Limits.BehaviourHashBytes)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"user_id must be a {Limits.BehaviourHashBytes}-byte salted hash");
        }

        if (!Limits.IsValidId(tx.BatchId, Limits.BatchIdLengthMax) || !Limits.IsValidId(tx.TraderId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "batch_id and trader_id must be valid ids");
        }

        return tx.AmountGrams is 0 or > Limits.GramsPerBatchMax
            ? Outcome.Reject(RejectionCode.InvalidAmount, $"amount_grams must be between 1 and {Limits.GramsPerBatchMax}")
            : null;
    }
}

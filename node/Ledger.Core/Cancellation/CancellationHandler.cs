using System.Globalization;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.Scenarios;
using Ledger.Core.State;
using Ledger.Core.Trading;

namespace Ledger.Core.Cancellation;

/// <summary>
/// Cancellation for carbon neutralisation (§23): the holder requests, the operator reviews and
/// approves. Approved units are retired for ever and take the batch's next serial range.
/// </summary>
public static class CancellationHandler
{
    public static Outcome Request(TransactionContext ctx, RequestCancellation tx)
    {
        if (Validate(tx) is { } invalid)
        {
            return invalid;
        }

        if (CustodyPath.Parse(tx.CustodyUserId, tx.ConsentRef, out var userId) is { } badCustody)
        {
            return badCustody;
        }

        if (userId.Length > 0)
        {
            return RequestForCustody(ctx, tx, userId);
        }

        if (TradingHandler.RequireHolder(ctx.Signer, "cancel") is { } notHolder)
        {
            return notHolder;
        }

        var batch = ctx.State.GetBatch(tx.BatchId);
        if (batch is null)
        {
            return Outcome.Reject(RejectionCode.UnknownBatch, $"batch {tx.BatchId} does not exist");
        }

        var holder = ctx.Signer.ParticipantId;
        var held = ctx.State.GetBalance(holder, tx.BatchId).TradableGrams;
        if (held < tx.AmountGrams)
        {
            return Outcome.Reject(RejectionCode.InsufficientBalance, $"{holder} holds {held} tradable grams of {tx.BatchId}, fewer than {tx.AmountGrams}");
        }

        // The cancellation id is the request's transaction id: unique, and known to the client before it submits.
        var cancellationId = ctx.TransactionIdHex;
        Holdings.Escrow(ctx.State, batch, holder, tx.AmountGrams);
        ctx.State.PutCancellation(new CancellationRecord
        {
            CancellationId = cancellationId,
            Holder = holder,
            BatchId = tx.BatchId,
            AmountGrams = tx.AmountGrams,
            Beneficiary = tx.Beneficiary,
            Purpose = tx.Purpose,
            UsingEntity = UsingEntity(tx, holder),
            Status = CancellationStatus.Pending,
            RequestedHeight = ctx.Block.Height,
        });
        return Outcome.Committed(("cancellation_id", cancellationId));
    }

    /// <summary>
    /// §23 for a scenario company's user: the batch's custodian requests, with the user's consent; the
    /// grams leave the user's custody balance into escrow. The record names the company as holder and
    /// keeps the user's pseudonymous id and consent reference.
    /// </summary>
    private static Outcome RequestForCustody(TransactionContext ctx, RequestCancellation tx, byte[] userId)
    {
        if (CustodyPath.Find(ctx, tx.BatchId, userId, "cancel", out var batch, out var custody) is { } refused)
        {
            return refused;
        }

        var available = Holdings.CustodyBalance(custody);
        if (available < tx.AmountGrams)
        {
            return Outcome.Reject(RejectionCode.InsufficientBalance, $"the user's custody balance in batch {tx.BatchId} is {available} g, less than {tx.AmountGrams} g");
        }

        var company = ctx.Signer.ParticipantId;
        var cancellationId = ctx.TransactionIdHex;
        Holdings.EscrowCustody(ctx.State, batch, custody, tx.AmountGrams);
        ctx.State.PutCancellation(new CancellationRecord
        {
            CancellationId = cancellationId,
            Holder = company,
            BatchId = tx.BatchId,
            AmountGrams = tx.AmountGrams,
            Beneficiary = tx.Beneficiary,
            Purpose = tx.Purpose,
            UsingEntity = UsingEntity(tx, company),
            Status = CancellationStatus.Pending,
            RequestedHeight = ctx.Block.Height,
            CustodyUserId = Google.Protobuf.ByteString.CopyFrom(userId),
            ConsentRef = tx.ConsentRef,
        });
        return Outcome.Committed(("cancellation_id", cancellationId), ("custody_grams", TradingHandler.Text(available - tx.AmountGrams)));
    }

    public static Outcome Approve(TransactionContext ctx, ApproveCancellation tx)
    {
        if (FindPending(ctx, tx.CancellationId, "approve a cancellation", out var pending) is { } refused)
        {
            return refused;
        }

        var batch = ctx.State.GetBatch(pending.BatchId);
        Invariant.Require(batch is not null, "a pending cancellation names an existing batch");
        var first = pending.CustodyUserId.IsEmpty
            ? Holdings.RetireEscrowed(ctx.State, batch!, pending.Holder, pending.AmountGrams)
            : Holdings.RetireCustodyEscrowed(ctx.State, batch!, CustodyOf(ctx, pending), pending.AmountGrams);
        var last = first + pending.AmountGrams - 1;

        var approved = pending.Clone();
        approved.Status = CancellationStatus.Approved;
        approved.DecidedHeight = ctx.Block.Height;
        approved.DecidedBy = ctx.Signer.ParticipantId;
        approved.SerialFirst = first;
        approved.SerialLast = last;
        approved.SerialRange = string.Create(CultureInfo.InvariantCulture, $"{pending.BatchId}:{first}-{last}");
        ctx.State.PutCancellation(approved);
        return Outcome.Committed(("cancellation_id", approved.CancellationId), ("serial_range", approved.SerialRange));
    }

    public static Outcome Decline(TransactionContext ctx, DeclineCancellation tx)
    {
        if (!Limits.IsValidText(tx.Reason, Limits.TextLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"reason is required, at most {Limits.TextLengthMax} characters");
        }

        if (FindPending(ctx, tx.CancellationId, "decline a cancellation", out var pending) is { } refused)
        {
            return refused;
        }

        var batch = ctx.State.GetBatch(pending.BatchId);
        Invariant.Require(batch is not null, "a pending cancellation names an existing batch");
        if (pending.CustodyUserId.IsEmpty)
        {
            Holdings.ReleaseEscrow(ctx.State, batch!, pending.Holder, pending.AmountGrams);
        }
        else
        {
            Holdings.ReleaseCustodyEscrow(ctx.State, batch!, CustodyOf(ctx, pending), pending.AmountGrams);
        }

        var declined = pending.Clone();
        declined.Status = CancellationStatus.Declined;
        declined.DecidedHeight = ctx.Block.Height;
        declined.DecidedBy = ctx.Signer.ParticipantId;
        declined.DeclineReason = tx.Reason;
        ctx.State.PutCancellation(declined);
        return Outcome.Committed(("cancellation_id", declined.CancellationId));
    }

    private static CustodyRecord CustodyOf(TransactionContext ctx, CancellationRecord pending)
    {
        var custody = ctx.State.GetCustody(pending.Holder, pending.CustodyUserId.Span, pending.BatchId);
        Invariant.Require(custody is not null, "a pending custody cancellation names an existing custody record");
        return custody!;
    }

    /// <summary>Finds the pending cancellation the operator may decide, or says why there is none.</summary>
    private static Outcome? FindPending(TransactionContext ctx, string cancellationId, string action, out CancellationRecord pending)
    {
        pending = null!;
        if (ctx.RequireSignerRole(Role.Operator, action) is { } unauthorized)
        {
            return unauthorized;
        }

        if (!Limits.IsValidId(cancellationId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "cancellation_id must be the request's transaction id in hex");
        }

        var record = ctx.State.GetCancellation(cancellationId);
        if (record is null)
        {
            return Outcome.Reject(RejectionCode.UnknownCancellation, $"cancellation {cancellationId} does not exist");
        }

        if (record.Status != CancellationStatus.Pending)
        {
            return Outcome.Reject(RejectionCode.CancellationNotPending, $"cancellation {cancellationId} is already {record.Status}");
        }

        pending = record;
        return null;
    }

    private static Outcome? Validate(RequestCancellation tx)
    {
        if (!Limits.IsValidId(tx.BatchId, Limits.BatchIdLengthMax))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "batch_id must be an id of A-Z a-z 0-9 . _ : -");
        }

        if (!Limits.IsValidText(tx.Beneficiary, Limits.NameLengthMax, required: true) || !Limits.IsValidText(tx.Purpose, Limits.TextLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "beneficiary and purpose are required (§23), without control characters");
        }

        if (!Limits.IsValidText(tx.UsingEntity, Limits.NameLengthMax, required: false))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"using_entity is at most {Limits.NameLengthMax} characters, without control characters");
        }

        return tx.AmountGrams == 0 ? Outcome.Reject(RejectionCode.InvalidAmount, "amount_grams must be positive") : null;
    }

    /// <summary>§23: who uses the reductions; the holder itself when the request names no one else.</summary>
    public static string UsingEntity(RequestCancellation request, string holder) =>
        request.UsingEntity.Length > 0 ? request.UsingEntity : holder;
}

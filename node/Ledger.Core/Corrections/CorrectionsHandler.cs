using System.Globalization;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Corrections;

/// <summary>
/// CorrectReductions and MakeGoodShortfall (§11): reductions obtained from abnormal data are voided
/// where still held; what was already cancelled becomes a shortfall of the batch's original owner,
/// who issues nothing until it is made good. No record is rewritten: voided units stay in the batch's
/// supply identity (issued = tradable + escrowed + retired + voided) and every correction is kept.
/// </summary>
public static class CorrectionsHandler
{
    public static Outcome Correct(TransactionContext ctx, CorrectReductions tx)
    {
        if (ctx.RequireSignerRole(Role.Bureau, "correct reductions") is { } unauthorized)
        {
            return unauthorized;
        }

        if (Validate(tx) is { } invalid)
        {
            return invalid;
        }

        var batch = ctx.State.GetBatch(tx.BatchId);
        if (batch is null)
        {
            return Outcome.Reject(RejectionCode.UnknownBatch, $"batch {tx.BatchId} does not exist");
        }

        var owner = OriginalOwner(ctx.State, batch);
        foreach (var deduction in tx.Deductions)
        {
            if (deduction.CustodyUserId.Length > 0)
            {
                if (RequireCustody(ctx.State, batch, deduction) is { } noCustody)
                {
                    return noCustody;
                }

                continue;
            }

            var held = ctx.State.GetBalance(deduction.Account, batch.BatchId).TradableGrams;
            if (held < deduction.AmountGrams)
            {
                return Outcome.Reject(
                    RejectionCode.InsufficientBalance,
                    $"{deduction.Account} holds {held} tradable grams of batch {batch.BatchId}, fewer than the {deduction.AmountGrams} to void (escrowed units wait for the cancellation decision; retired ones count in shortfall_grams)");
            }
        }

        var corrections = ctx.State.GetBatchCorrections(batch.BatchId) ?? new BatchCorrections { BatchId = batch.BatchId };
        // Only cancelled (retired) units can be a shortfall, each of them once. Escrowed units wait for
        // the operator's decision: declined, they are held again and voided by a later deduction.
        var uncounted = batch.RetiredGrams - Math.Min(batch.RetiredGrams, corrections.ShortfallGrams);
        if (tx.ShortfallGrams > uncounted)
        {
            return Outcome.Reject(
                RejectionCode.ShortfallExceedsCancelled,
                $"shortfall {tx.ShortfallGrams} exceeds the {uncounted} cancelled grams of batch {batch.BatchId} not yet in a shortfall (retired {batch.RetiredGrams}, already counted {corrections.ShortfallGrams})");
        }

        var deducted = 0UL;
        foreach (var deduction in tx.Deductions)
        {
            batch = deduction.CustodyUserId.Length > 0
                ? Holdings.VoidCustody(ctx.State, batch, ctx.State.GetCustody(deduction.Account, deduction.CustodyUserId.Span, batch.BatchId)!, deduction.AmountGrams)
                : Holdings.VoidTradable(ctx.State, batch, deduction.Account, deduction.AmountGrams);
            deducted = checked(deducted + deduction.AmountGrams);
        }

        if (tx.ShortfallGrams > 0)
        {
            var shortfall = ctx.State.GetShortfall(owner) ?? new ShortfallRecord { ParticipantId = owner };
            shortfall.AssignedGrams = checked(shortfall.AssignedGrams + tx.ShortfallGrams);
            shortfall.OutstandingGrams = checked(shortfall.OutstandingGrams + tx.ShortfallGrams);
            ctx.State.PutShortfall(shortfall);
        }

        corrections.DeductedGrams = checked(corrections.DeductedGrams + deducted);
        corrections.ShortfallGrams = checked(corrections.ShortfallGrams + tx.ShortfallGrams);
        corrections.CorrectionIds.Add(ctx.TransactionIdHex);
        ctx.State.PutBatchCorrections(corrections);
        ctx.State.PutCorrection(new CorrectionRecord
        {
            CorrectionId = ctx.TransactionIdHex,
            BatchId = batch.BatchId,
            Owner = owner,
            Deductions = { tx.Deductions },
            ShortfallGrams = tx.ShortfallGrams,
            Reason = tx.Reason,
            EvidenceHash = tx.EvidenceHash,
            CorrectedBy = ctx.Signer.ParticipantId,
            Height = ctx.Block.Height,
        });
        return Outcome.Committed(
            ("correction_id", ctx.TransactionIdHex),
            ("voided_grams", deducted.ToString(CultureInfo.InvariantCulture)),
            ("shortfall_grams", tx.ShortfallGrams.ToString(CultureInfo.InvariantCulture)),
            ("owner", owner));
    }

    public static Outcome MakeGood(TransactionContext ctx, MakeGoodShortfall tx)
    {
        if (!Limits.IsValidId(tx.BatchId, Limits.BatchIdLengthMax))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"batch_id must be 1-{Limits.BatchIdLengthMax} characters of A-Z a-z 0-9 . _ : -");
        }

        if (tx.AmountGrams is 0 or > Limits.GramsPerBatchMax)
        {
            return Outcome.Reject(RejectionCode.InvalidAmount, $"amount_grams must be between 1 and {Limits.GramsPerBatchMax}");
        }

        var signer = ctx.Signer.ParticipantId;
        var shortfall = ctx.State.GetShortfall(signer);
        var outstanding = shortfall?.OutstandingGrams ?? 0;
        if (tx.AmountGrams > outstanding)
        {
            return Outcome.Reject(RejectionCode.NoOutstandingShortfall, $"{signer} owes {outstanding} grams; surrender at most that");
        }

        var batch = ctx.State.GetBatch(tx.BatchId);
        if (batch is null)
        {
            return Outcome.Reject(RejectionCode.UnknownBatch, $"batch {tx.BatchId} does not exist");
        }

        var held = ctx.State.GetBalance(signer, batch.BatchId).TradableGrams;
        if (held < tx.AmountGrams)
        {
            return Outcome.Reject(RejectionCode.InsufficientBalance, $"{signer} holds {held} tradable grams of batch {batch.BatchId}, fewer than {tx.AmountGrams}");
        }

        Holdings.VoidTradable(ctx.State, batch, signer, tx.AmountGrams);
        var updated = shortfall!.Clone();
        updated.OutstandingGrams -= tx.AmountGrams;
        updated.MadeGoodGrams = checked(updated.MadeGoodGrams + tx.AmountGrams);
        ctx.State.PutShortfall(updated);
        return Outcome.Committed(("outstanding_grams", updated.OutstandingGrams.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>Null when participant may issue; OUTSTANDING_SHORTFALL while a correction is not made good.</summary>
    public static Outcome? RequireNoShortfall(LedgerState state, string participantId) =>
        state.GetShortfall(participantId) is { OutstandingGrams: > 0 } owed
            ? Outcome.Reject(RejectionCode.OutstandingShortfall, $"{participantId} owes {owed.OutstandingGrams} grams from corrections (§11); it issues nothing until MakeGoodShortfall covers them")
            : null;

    /// <summary>A custody deduction names the batch's custodian and a user who holds at least the amount in its custody.</summary>
    private static Outcome? RequireCustody(LedgerState state, BatchRecord batch, Deduction deduction)
    {
        if (batch.Custodian.Length == 0 || deduction.Account != batch.Custodian)
        {
            return Outcome.Reject(
                RejectionCode.UnknownCustody,
                batch.Custodian.Length == 0
                    ? $"batch {batch.BatchId} is not held in custody; name the holder's account without custody_user_id"
                    : $"batch {batch.BatchId} is held in custody by {batch.Custodian}, not {deduction.Account}");
        }

        var user = Convert.ToHexStringLower(deduction.CustodyUserId.Span);
        var custody = state.GetCustody(deduction.Account, deduction.CustodyUserId.Span, batch.BatchId);
        if (custody is null)
        {
            return Outcome.Reject(RejectionCode.UnknownCustody, $"{deduction.Account} holds nothing in custody for user {user} in batch {batch.BatchId}");
        }

        var held = Holdings.CustodyBalance(custody);
        return held >= deduction.AmountGrams
            ? null
            : Outcome.Reject(RejectionCode.InsufficientBalance, $"user {user} holds {held} grams of batch {batch.BatchId} in custody at {deduction.Account}, fewer than the {deduction.AmountGrams} to void");
    }

    /// <summary>The project's (or scenario's) applicant: who was issued the batch.</summary>
    private static string OriginalOwner(LedgerState state, BatchRecord batch)
    {
        var project = state.GetProject(batch.ProjectId);
        Invariant.Require(project is not null, $"batch {batch.BatchId} comes from a recorded project");
        return project!.Applicant;
    }

    private static Outcome? Validate(CorrectReductions tx)
    {
        if (!Limits.IsValidId(tx.BatchId, Limits.BatchIdLengthMax))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"batch_id must be 1-{Limits.BatchIdLengthMax} characters of A-Z a-z 0-9 . _ : -");
        }

        if (!Limits.IsValidText(tx.Reason, Limits.TextLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"reason is required (the abnormal data found), at most {Limits.TextLengthMax} characters");
        }

        if (tx.EvidenceHash.Length is not (0 or Limits.ReportHashBytes))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"evidence_hash is empty or {Limits.ReportHashBytes} bytes");
        }

        if (tx.Deductions.Count > Limits.DeductionsPerCorrectionMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"at most {Limits.DeductionsPerCorrectionMax} deductions per correction; split it");
        }

        if (tx.Deductions.Count == 0 && tx.ShortfallGrams == 0)
        {
            return Outcome.Reject(RejectionCode.InvalidAmount, "a correction voids units (deductions) or records a shortfall, or both");
        }

        if (tx.ShortfallGrams > Limits.GramsPerBatchMax)
        {
            return Outcome.Reject(RejectionCode.InvalidAmount, $"shortfall_grams is at most {Limits.GramsPerBatchMax}");
        }

        var accounts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var deduction in tx.Deductions)
        {
            if (!Limits.IsValidId(deduction.Account))
            {
                return Outcome.Reject(RejectionCode.InvalidField, "a deduction's account must be 1-64 characters of A-Z a-z 0-9 . _ : -");
            }

            if (deduction.AmountGrams is 0 or > Limits.GramsPerBatchMax)
            {
                return Outcome.Reject(RejectionCode.InvalidAmount, $"deduction from {deduction.Account}: amount_grams must be between 1 and {Limits.GramsPerBatchMax}");
            }

            if (deduction.CustodyUserId.Length is not (0 or Limits.BehaviourHashBytes))
            {
                return Outcome.Reject(RejectionCode.InvalidField, $"a deduction's custody_user_id is empty or the {Limits.BehaviourHashBytes}-byte pseudonymous user id");
            }

            if (!accounts.Add(deduction.Account + "/" + Convert.ToHexStringLower(deduction.CustodyUserId.Span)))
            {
                return Outcome.Reject(RejectionCode.InvalidField, $"{deduction.Account} is named in two deductions for the same holder; give one with the total");
            }
        }

        return null;
    }
}

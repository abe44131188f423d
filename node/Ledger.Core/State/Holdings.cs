using Ledger.Core.Protocol;

namespace Ledger.Core.State;

/// <summary>
/// The only code that changes balances and batch supply. Each move keeps
/// issued = tradable + escrowed + retired + voided for the batch, and checks it.
/// Callers check sufficiency first and refuse with a typed code; here a shortfall is a bug.
/// </summary>
public static class Holdings
{
    public static void Issue(LedgerState state, BatchRecord batch, string owner)
    {
        var balance = state.GetBalance(owner, batch.BatchId);
        balance.TradableGrams = checked(balance.TradableGrams + batch.IssuedGrams);
        state.PutBalance(balance);
        PutCheckedBatch(state, batch);
    }

    /// <summary>
    /// A scenario day's batch (§16): its units are the users' custody records, written as the chunks
    /// arrived; they count as tradable, held by the scenario company for its users.
    /// </summary>
    public static void IssueIntoCustody(LedgerState state, BatchRecord batch)
    {
        Invariant.Require(batch.TradableGrams == batch.IssuedGrams && batch.Custodian.Length > 0, "a scenario batch starts wholly tradable, in custody");
        PutCheckedBatch(state, batch);
    }

    /// <summary>
    /// What a user holds in custody in a batch: earned, less withdrawn, voided, escrowed in a pending
    /// cancellation, retired and redeemed (D24). The batch counts this balance as tradable.
    /// </summary>
    public static ulong CustodyBalance(CustodyRecord custody) =>
        custody.Grams - custody.WithdrawnGrams - custody.VoidedGrams - custody.EscrowedGrams - custody.RetiredGrams - custody.RedeemedGrams;

    /// <summary>A custody cancellation request (§23): grams of the user's custody balance go into the batch's escrow.</summary>
    public static void EscrowCustody(LedgerState state, BatchRecord batch, CustodyRecord custody, ulong grams)
    {
        Invariant.Require(CustodyBalance(custody) >= grams && batch.TradableGrams >= grams, "escrow never exceeds the custody balance");
        var updated = custody.Clone();
        updated.EscrowedGrams = checked(updated.EscrowedGrams + grams);
        state.PutCustody(updated);

        var supply = batch.Clone();
        supply.TradableGrams -= grams;
        supply.EscrowedGrams = checked(supply.EscrowedGrams + grams);
        PutCheckedBatch(state, supply);
    }

    /// <summary>A declined custody cancellation: the escrowed grams return to the user's custody balance.</summary>
    public static void ReleaseCustodyEscrow(LedgerState state, BatchRecord batch, CustodyRecord custody, ulong grams)
    {
        Invariant.Require(custody.EscrowedGrams >= grams && batch.EscrowedGrams >= grams, "a release never exceeds the custody escrow");
        var updated = custody.Clone();
        updated.EscrowedGrams -= grams;
        state.PutCustody(updated);

        var supply = batch.Clone();
        supply.EscrowedGrams -= grams;
        supply.TradableGrams = checked(supply.TradableGrams + grams);
        PutCheckedBatch(state, supply);
    }

    /// <summary>An approved custody cancellation: the escrowed grams are retired and take the batch's next serials. Returns the first serial.</summary>
    public static ulong RetireCustodyEscrowed(LedgerState state, BatchRecord batch, CustodyRecord custody, ulong grams)
    {
        Invariant.Require(custody.EscrowedGrams >= grams && batch.EscrowedGrams >= grams, "retirement never exceeds the custody escrow");
        var updated = custody.Clone();
        updated.EscrowedGrams -= grams;
        updated.RetiredGrams = checked(updated.RetiredGrams + grams);
        state.PutCustody(updated);
        return TakeSerials(state, batch, grams);
    }

    /// <summary>A custody redemption (§25): grams of the user's custody balance become the provider's tradable units; the batch's tradable supply is unchanged.</summary>
    public static void RedeemCustody(LedgerState state, CustodyRecord custody, string provider, ulong grams)
    {
        Invariant.Require(CustodyBalance(custody) >= grams, "a redemption never exceeds the custody balance");
        var updated = custody.Clone();
        updated.RedeemedGrams = checked(updated.RedeemedGrams + grams);
        state.PutCustody(updated);

        var target = state.GetBalance(provider, custody.BatchId);
        target.TradableGrams = checked(target.TradableGrams + grams);
        state.PutBalance(target);
    }

    /// <summary>Voids grams of a user's custody balance (a correction, §11); returns the batch as updated.</summary>
    public static BatchRecord VoidCustody(LedgerState state, BatchRecord batch, CustodyRecord custody, ulong grams)
    {
        Invariant.Require(CustodyBalance(custody) >= grams && batch.TradableGrams >= grams, "voiding never exceeds the custody balance");
        var updated = custody.Clone();
        updated.VoidedGrams = checked(updated.VoidedGrams + grams);
        state.PutCustody(updated);

        var supply = batch.Clone();
        supply.TradableGrams -= grams;
        supply.VoidedGrams = checked(supply.VoidedGrams + grams);
        PutCheckedBatch(state, supply);
        return supply;
    }

    /// <summary>Moves grams of a user's custody balance to the user's own account; the batch's tradable supply is unchanged.</summary>
    public static void WithdrawCustody(LedgerState state, CustodyRecord custody, string to, ulong grams)
    {
        Invariant.Require(CustodyBalance(custody) >= grams, "a withdrawal never exceeds the custody balance");
        var updated = custody.Clone();
        updated.WithdrawnGrams = checked(updated.WithdrawnGrams + grams);
        state.PutCustody(updated);

        var target = state.GetBalance(to, custody.BatchId);
        target.TradableGrams = checked(target.TradableGrams + grams);
        state.PutBalance(target);
    }

    public static void MoveTradable(LedgerState state, string batchId, string from, string to, ulong grams)
    {
        var source = state.GetBalance(from, batchId);
        Invariant.Require(source.TradableGrams >= grams, "a transfer never exceeds the tradable balance");
        source.TradableGrams -= grams;
        state.PutBalance(source);

        var target = state.GetBalance(to, batchId);
        target.TradableGrams = checked(target.TradableGrams + grams);
        state.PutBalance(target);
    }

    public static void Escrow(LedgerState state, BatchRecord batch, string holder, ulong grams)
    {
        var balance = state.GetBalance(holder, batch.BatchId);
        Invariant.Require(balance.TradableGrams >= grams && batch.TradableGrams >= grams, "escrow never exceeds the tradable balance");
        balance.TradableGrams -= grams;
        balance.EscrowedGrams = checked(balance.EscrowedGrams + grams);
        state.PutBalance(balance);

        var updated = batch.Clone();
        updated.TradableGrams -= grams;
        updated.EscrowedGrams = checked(updated.EscrowedGrams + grams);
        PutCheckedBatch(state, updated);
    }

    public static void ReleaseEscrow(LedgerState state, BatchRecord batch, string holder, ulong grams)
    {
        var balance = state.GetBalance(holder, batch.BatchId);
        Invariant.Require(balance.EscrowedGrams >= grams && batch.EscrowedGrams >= grams, "a release never exceeds the escrow");
        balance.EscrowedGrams -= grams;
        balance.TradableGrams = checked(balance.TradableGrams + grams);
        state.PutBalance(balance);

        var updated = batch.Clone();
        updated.EscrowedGrams -= grams;
        updated.TradableGrams = checked(updated.TradableGrams + grams);
        PutCheckedBatch(state, updated);
    }

    /// <summary>A settled auction: escrowed units of from become tradable units of to; the batch's escrow shrinks by as much.</summary>
    public static void MoveEscrowed(LedgerState state, BatchRecord batch, string from, string to, ulong grams)
    {
        Invariant.Require(from != to, "escrow moves to another holder");
        var source = state.GetBalance(from, batch.BatchId);
        Invariant.Require(source.EscrowedGrams >= grams && batch.EscrowedGrams >= grams, "a settlement never exceeds the escrow");
        source.EscrowedGrams -= grams;
        state.PutBalance(source);

        var target = state.GetBalance(to, batch.BatchId);
        target.TradableGrams = checked(target.TradableGrams + grams);
        state.PutBalance(target);

        var updated = batch.Clone();
        updated.EscrowedGrams -= grams;
        updated.TradableGrams = checked(updated.TradableGrams + grams);
        PutCheckedBatch(state, updated);
    }

    /// <summary>Escrowed units become retired and take the batch's next serials. Returns the first serial.</summary>
    public static ulong RetireEscrowed(LedgerState state, BatchRecord batch, string holder, ulong grams)
    {
        var balance = state.GetBalance(holder, batch.BatchId);
        Invariant.Require(balance.EscrowedGrams >= grams && batch.EscrowedGrams >= grams, "retirement never exceeds the escrow");
        balance.EscrowedGrams -= grams;
        balance.RetiredGrams = checked(balance.RetiredGrams + grams);
        state.PutBalance(balance);
        return TakeSerials(state, batch, grams);
    }

    /// <summary>Escrowed grams of the batch become retired with its next serial range; returns the first serial.</summary>
    private static ulong TakeSerials(LedgerState state, BatchRecord batch, ulong grams)
    {
        var updated = batch.Clone();
        var firstSerial = updated.NextSerial;
        updated.EscrowedGrams -= grams;
        updated.RetiredGrams = checked(updated.RetiredGrams + grams);
        updated.NextSerial = checked(firstSerial + grams);
        // Serials are handed out once each: the range taken never passes the units issued.
        Invariant.Require(updated.NextSerial - 1 <= updated.IssuedGrams, "serial ranges stay within the batch");
        PutCheckedBatch(state, updated);
        return firstSerial;
    }

    /// <summary>Tradable units of holder are voided (a correction, §11, or a shortfall made good); returns the batch as updated.</summary>
    public static BatchRecord VoidTradable(LedgerState state, BatchRecord batch, string holder, ulong grams)
    {
        var balance = state.GetBalance(holder, batch.BatchId);
        Invariant.Require(balance.TradableGrams >= grams && batch.TradableGrams >= grams, "voiding never exceeds the tradable balance");
        balance.TradableGrams -= grams;
        state.PutBalance(balance);

        var updated = batch.Clone();
        updated.TradableGrams -= grams;
        updated.VoidedGrams = checked(updated.VoidedGrams + grams);
        PutCheckedBatch(state, updated);
        return updated;
    }

    private static void PutCheckedBatch(LedgerState state, BatchRecord batch)
    {
        var accounted = checked(batch.TradableGrams + batch.EscrowedGrams + batch.RetiredGrams + batch.VoidedGrams);
        Invariant.Require(accounted == batch.IssuedGrams, $"supply identity of batch {batch.BatchId}");
        state.PutBatch(batch);
    }
}

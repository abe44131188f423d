using Ledger.Core.Protocol;

namespace Ledger.Core.Tests.Properties;

/// <summary>
/// The reference model the properties compare the ledger with: what every account should hold,
/// which periods and reports are spent, which cancellations are pending. Deliberately simple.
/// </summary>
public sealed class LedgerModel
{
    public sealed record Holding(ulong Tradable, ulong Escrowed, ulong Retired);

    public sealed record PendingCancellation(string Id, string Holder, string BatchId, ulong Grams);

    public Dictionary<string, List<DayRange>> IssuedPeriods { get; } = [];

    public HashSet<string> UsedReports { get; } = [];

    public List<string> Batches { get; } = [];

    public Dictionary<(string Account, string BatchId), Holding> Holdings { get; } = [];

    public List<PendingCancellation> Pending { get; } = [];

    public List<string> Decided { get; } = [];

    public Holding HoldingOf(string account, string batchId) =>
        Holdings.GetValueOrDefault((account, batchId), new Holding(0, 0, 0));

    public bool Overlaps(string projectId, uint first, uint last) =>
        IssuedPeriods.TryGetValue(projectId, out var periods) && periods.Any(p => p.FirstDay <= last && first <= p.LastDay);

    public void Issue(string projectId, string batchId, string owner, uint first, uint last, string reportHex, ulong grams)
    {
        if (!IssuedPeriods.TryGetValue(projectId, out var periods))
        {
            IssuedPeriods[projectId] = periods = [];
        }

        periods.Add(new DayRange { FirstDay = first, LastDay = last });
        UsedReports.Add(reportHex);
        Batches.Add(batchId);
        Change(owner, batchId, h => h with { Tradable = h.Tradable + grams });
    }

    public void Transfer(string from, string to, string batchId, ulong grams)
    {
        Change(from, batchId, h => h with { Tradable = h.Tradable - grams });
        Change(to, batchId, h => h with { Tradable = h.Tradable + grams });
    }

    public void RequestCancellation(string id, string holder, string batchId, ulong grams)
    {
        Change(holder, batchId, h => h with { Tradable = h.Tradable - grams, Escrowed = h.Escrowed + grams });
        Pending.Add(new PendingCancellation(id, holder, batchId, grams));
    }

    public void Decide(PendingCancellation cancellation, bool approve)
    {
        Pending.Remove(cancellation);
        Decided.Add(cancellation.Id);
        Change(cancellation.Holder, cancellation.BatchId, h => approve
            ? h with { Escrowed = h.Escrowed - cancellation.Grams, Retired = h.Retired + cancellation.Grams }
            : h with { Escrowed = h.Escrowed - cancellation.Grams, Tradable = h.Tradable + cancellation.Grams });
    }

    private void Change(string account, string batchId, Func<Holding, Holding> change) =>
        Holdings[(account, batchId)] = change(HoldingOf(account, batchId));
}

using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Tests.Properties;

/// <summary>Reads the whole stored state and names every broken rule of DESIGN §5 it finds.</summary>
public static class StateInvariants
{
    public static IReadOnlyList<string> Problems(InMemoryState store, LedgerModel model)
    {
        var batches = Table(store, StateKeys.BatchTable, BatchRecord.Parser);
        var balances = Table(store, StateKeys.BalanceTable, BalanceRecord.Parser);
        var projects = Table(store, StateKeys.ProjectTable, ProjectRecord.Parser);
        var cancellations = Table(store, StateKeys.CancellationTable, CancellationRecord.Parser);
        return [
            .. SupplyIdentity(batches, balances),
            .. NoDoubleIssuance(batches, projects),
            .. CancelledUnitsStayRetired(batches, cancellations),
            .. MatchesModel(balances, model),
        ];
    }

    /// <summary>Rules 3 and 4: issued = tradable + escrowed + retired + voided, and the balances add up to the batch.</summary>
    private static IEnumerable<string> SupplyIdentity(List<BatchRecord> batches, List<BalanceRecord> balances)
    {
        foreach (var batch in batches)
        {
            var held = balances.Where(b => b.BatchId == batch.BatchId).ToList();
            var tradable = held.Aggregate(0UL, (sum, b) => checked(sum + b.TradableGrams));
            var escrowed = held.Aggregate(0UL, (sum, b) => checked(sum + b.EscrowedGrams));
            var retired = held.Aggregate(0UL, (sum, b) => checked(sum + b.RetiredGrams));
            if (batch.IssuedGrams != checked(batch.TradableGrams + batch.EscrowedGrams + batch.RetiredGrams + batch.VoidedGrams))
            {
                yield return $"batch {batch.BatchId}: issued {batch.IssuedGrams} != tradable + escrowed + retired + voided";
            }

            if (tradable != batch.TradableGrams || escrowed != batch.EscrowedGrams || retired != batch.RetiredGrams)
            {
                yield return $"batch {batch.BatchId}: balances ({tradable}, {escrowed}, {retired}) do not add up to the batch ({batch.TradableGrams}, {batch.EscrowedGrams}, {batch.RetiredGrams})";
            }
        }
    }

    /// <summary>Rule 1: no two issued periods of a project overlap, and no report hash backs two batches.</summary>
    private static IEnumerable<string> NoDoubleIssuance(List<BatchRecord> batches, List<ProjectRecord> projects)
    {
        foreach (var project in projects)
        {
            var periods = project.IssuedPeriods.OrderBy(p => p.FirstDay).ToList();
            for (var i = 1; i < periods.Count; i++)
            {
                if (periods[i].FirstDay <= periods[i - 1].LastDay)
                {
                    yield return $"project {project.ProjectId}: issued periods overlap";
                }
            }

            if (project.IssuedPeriods.Count != batches.Count(b => b.ProjectId == project.ProjectId))
            {
                yield return $"project {project.ProjectId}: {project.IssuedPeriods.Count} periods but a different number of batches";
            }

            if (project.Status != ProjectStatus.Approved && project.IssuedPeriods.Count > 0)
            {
                yield return $"project {project.ProjectId} is {project.Status} but has issued";
            }
        }

        var reused = batches.GroupBy(b => Convert.ToHexString(b.ReportHash.Span)).FirstOrDefault(g => g.Count() > 1);
        if (reused is not null)
        {
            yield return $"report {reused.Key} backs {reused.Count()} batches";
        }
    }

    /// <summary>Rule 3: approved cancellations are retired for good, with serial ranges that never overlap.</summary>
    private static IEnumerable<string> CancelledUnitsStayRetired(List<BatchRecord> batches, List<CancellationRecord> cancellations)
    {
        foreach (var batch in batches)
        {
            var approved = cancellations.Where(c => c.BatchId == batch.BatchId && c.Status == CancellationStatus.Approved).OrderBy(c => c.SerialFirst).ToList();
            var retired = approved.Aggregate(0UL, (sum, c) => sum + c.AmountGrams);
            if (retired != batch.RetiredGrams)
            {
                yield return $"batch {batch.BatchId}: retired {batch.RetiredGrams} but approved cancellations total {retired}";
            }

            var expectedFirst = 1UL;
            foreach (var cancellation in approved)
            {
                if (cancellation.SerialFirst != expectedFirst || cancellation.SerialLast != cancellation.SerialFirst + cancellation.AmountGrams - 1)
                {
                    yield return $"cancellation {cancellation.CancellationId}: serials {cancellation.SerialFirst}-{cancellation.SerialLast} are not the next free range";
                }

                expectedFirst = cancellation.SerialLast + 1;
            }

            if (batch.NextSerial != expectedFirst)
            {
                yield return $"batch {batch.BatchId}: next serial {batch.NextSerial}, expected {expectedFirst}";
            }
        }
    }

    /// <summary>No gram lost or made: every balance equals the reference model's.</summary>
    private static IEnumerable<string> MatchesModel(List<BalanceRecord> balances, LedgerModel model)
    {
        var stored = balances.ToDictionary(b => (b.Account, b.BatchId), b => new LedgerModel.Holding(b.TradableGrams, b.EscrowedGrams, b.RetiredGrams));
        foreach (var ((account, batchId), expected) in model.Holdings)
        {
            var actual = stored.GetValueOrDefault((account, batchId), new LedgerModel.Holding(0, 0, 0));
            if (actual != expected)
            {
                yield return $"{account} in {batchId}: ledger holds {actual}, model {expected}";
            }
        }

        foreach (var key in stored.Keys.Where(k => !model.Holdings.ContainsKey(k) && stored[k] != new LedgerModel.Holding(0, 0, 0)))
        {
            yield return $"{key.Account} in {key.BatchId}: ledger holds {stored[key]}, model nothing";
        }
    }

    private static List<T> Table<T>(InMemoryState store, byte table, Google.Protobuf.MessageParser<T> parser)
        where T : Google.Protobuf.IMessage<T> =>
        store.WithPrefix([table]).Select(entry => parser.ParseFrom(entry.Value)).ToList();
}

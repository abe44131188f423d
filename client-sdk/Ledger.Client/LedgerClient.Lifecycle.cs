using Ledger.Client.Builders;
using Ledger.Core.Calendar;
using Ledger.Core.Protocol;

namespace Ledger.Client;

/// <summary>Queries of the lifecycle (§9–§11), the working-day calendar and exclusions (§17).</summary>
public sealed partial class LedgerClient
{
    /// <summary>
    /// A project's or scenario's lifecycle: its record, objections and evaluations, methodology exception
    /// and public notice window; null when no such subject exists.
    /// </summary>
    public async Task<GetLifecycleReply?> GetLifecycleAsync(string subjectId, CancellationToken cancellationToken = default)
    {
        var request = new GetLifecycleRequest { SubjectId = Require.Id(subjectId, nameof(subjectId)) };
        return await FindAsync(o => _stub.GetLifecycleAsync(request, o), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A year's calendar filed by the bureau, or null when none is (the year's working days are then Monday to Friday).</summary>
    public async Task<CalendarRecord?> GetCalendarAsync(int year, CancellationToken cancellationToken = default)
    {
        if (year is < (int)CalendarHandler.YearMin or > (int)CalendarHandler.YearMax)
        {
            throw new ArgumentOutOfRangeException(nameof(year), year, $"year must be between {CalendarHandler.YearMin} and {CalendarHandler.YearMax}");
        }

        var request = new GetCalendarRequest { Year = (uint)year };
        return (await FindAsync(o => _stub.GetCalendarAsync(request, o), cancellationToken).ConfigureAwait(false))?.Calendar;
    }

    /// <summary>The bureau's record of a registration elsewhere (§17), or null when there is none.</summary>
    public async Task<ExclusionRecord?> GetExclusionAsync(string registry, string externalId, CancellationToken cancellationToken = default)
    {
        var request = new GetExclusionRequest { Registry = Require.Id(registry, nameof(registry)), ExternalId = Require.Id(externalId, nameof(externalId)) };
        return (await FindAsync(o => _stub.GetExclusionAsync(request, o), cancellationToken).ConfigureAwait(false))?.Exclusion;
    }
}

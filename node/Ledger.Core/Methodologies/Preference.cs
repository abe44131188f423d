using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Methodologies;

/// <summary>
/// §5: published methodologies are preferred in the order national > local > group. The index
/// (table 0x0A) lists, per activity type, the ACTIVE methodologies covering it, so an application
/// can see whether a higher-level one of its kind exists without scanning every methodology.
/// </summary>
public static class Preference
{
    /// <summary>Adds an active methodology to the index of each activity type it covers; refuses when an index is full.</summary>
    public static Outcome? Index(LedgerState state, MethodologyRecord methodology)
    {
        var updates = new List<(string Activity, ActivityMethodologies Entries)>();
        foreach (var activity in methodology.ActivityTypes)
        {
            var entries = state.GetActivity(activity);
            if (entries.Entries.Count >= Limits.MethodologiesPerActivityMax)
            {
                return Outcome.Reject(RejectionCode.InvalidField, $"activity type {activity} already has {Limits.MethodologiesPerActivityMax} active methodologies; withdraw one first");
            }

            var updated = new ActivityMethodologies
            {
                Entries =
                {
                    entries.Entries
                        .Append(new ActivityMethodology { MethodologyId = methodology.MethodologyId, Level = methodology.Level, Kind = methodology.Kind })
                        .OrderBy(e => e.MethodologyId, StringComparer.Ordinal),
                },
            };
            updates.Add((activity, updated));
        }

        foreach (var (activity, entries) in updates)
        {
            state.PutActivity(activity, entries);
        }

        return null;
    }

    /// <summary>Removes a methodology that is no longer active from the index.</summary>
    public static void Unindex(LedgerState state, MethodologyRecord methodology)
    {
        foreach (var activity in methodology.ActivityTypes)
        {
            var entries = state.GetActivity(activity);
            var kept = new ActivityMethodologies { Entries = { entries.Entries.Where(e => e.MethodologyId != methodology.MethodologyId) } };
            state.PutActivity(activity, kept);
        }
    }

    /// <summary>
    /// Refuses (METHODOLOGY_NOT_PREFERRED) when an active methodology of the same kind and a higher
    /// level covers one of the methodology's activity types, unless the bureau has excepted this
    /// subject for this methodology.
    /// </summary>
    public static Outcome? Check(LedgerState state, MethodologyRecord methodology, string subjectId)
    {
        var preferred = methodology.ActivityTypes
            .SelectMany(activity => state.GetActivity(activity).Entries.Select(entry => (Activity: activity, Entry: entry)))
            .FirstOrDefault(e => e.Entry.Kind == methodology.Kind && IsHigher(e.Entry.Level, methodology.Level));
        if (preferred.Entry is null)
        {
            return null;
        }

        var exception = state.GetMethodologyException(subjectId);
        if (exception is not null && exception.MethodologyId == methodology.MethodologyId)
        {
            return null;
        }

        return Outcome.Reject(
            RejectionCode.MethodologyNotPreferred,
            $"§5: {preferred.Entry.MethodologyId} ({preferred.Entry.Level}) covers {preferred.Activity} and is preferred to {methodology.MethodologyId} ({methodology.Level}); apply under it or obtain the bureau's exception for {subjectId}");
    }

    /// <summary>NATIONAL (1) > LOCAL (2) > GROUP (3).</summary>
    public static bool IsHigher(MethodologyLevel level, MethodologyLevel than) => level < than;
}

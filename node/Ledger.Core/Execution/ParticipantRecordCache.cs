using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Execution;

/// <summary>
/// Participant records parsed once per stored encoding, for a replay that checks many signatures by the same few
/// participants (`ledger verify`, D54). Each read still goes to the state; a hit is a stored encoding byte-equal to
/// the one parsed before, and the caller gets its own copy (<c>Clone</c>: strings and key bytes are immutable and
/// shared, roles and the key message are new), so a handler that changes its record cannot change the cache, and a
/// rotated key or a suspension is seen at once (the stored bytes differ). Bounded: when full it is emptied and
/// refilled. Not thread-safe: one replay thread uses it.
/// </summary>
internal sealed class ParticipantRecordCache
{
    /// <summary>Far more than the participants that sign in one stretch of blocks; about 0.5 KB each.</summary>
    internal const int CapacityDefault = 4096;

    private readonly Dictionary<string, (byte[] Encoding, ParticipantRecord Record)> _records = new(StringComparer.Ordinal);
    private readonly int _capacity;

    internal ParticipantRecordCache(int capacity = CapacityDefault)
    {
        Invariant.Require(capacity > 0, "a cache holds at least one record");
        _capacity = capacity;
    }

    /// <summary>What <see cref="LedgerState.GetParticipant"/> gives for id: an equal record, never one shared with another caller.</summary>
    internal ParticipantRecord? Get(LedgerState state, string id)
    {
        var encoding = state.GetParticipantEncoding(id);
        if (encoding is null)
        {
            return null;
        }

        if (_records.TryGetValue(id, out var cached) && cached.Encoding.AsSpan().SequenceEqual(encoding))
        {
            return cached.Record.Clone();
        }

        var record = ParticipantRecord.Parser.ParseFrom(new ReadOnlySpan<byte>(encoding));
        if (_records.Count >= _capacity && !_records.ContainsKey(id))
        {
            _records.Clear();
        }

        // Kept as a copy of the bytes: whoever holds the state's array cannot change what a hit compares against.
        _records[id] = ((byte[])encoding.Clone(), record.Clone());
        return record;
    }
}

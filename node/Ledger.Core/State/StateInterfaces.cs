namespace Ledger.Core.State;

/// <summary>
/// Read access to committed state: a flat, ordered key-value space of canonical bytes.
/// This is the whole contract the rules need, so a RocksDB store can stand in for the
/// in-memory one without touching them.
/// </summary>
public interface IStateView
{
    /// <summary>The value stored under key, or null when there is none.</summary>
    byte[]? Get(ReadOnlySpan<byte> key);
}

/// <summary>A store that takes the changes of a block. Writers apply a whole WriteSet or nothing.</summary>
public interface IStateStore : IStateView
{
    void Apply(WriteSet changes);
}

namespace Ledger.Storage;

/// <summary>The data directory cannot be used: missing, not a ledger, locked, unreadable. Names the directory.</summary>
public sealed class StorageException(string directory, string message, Exception? inner = null)
    : IOException($"{message} (data directory {directory})", inner)
{
    public string Directory { get; } = directory;
}

/// <summary>Stored bytes do not have the shape this version wrote: a broken disk or a foreign directory.</summary>
public sealed class StorageCorruptionException(string what) : IOException("Stored data is corrupt: " + what);

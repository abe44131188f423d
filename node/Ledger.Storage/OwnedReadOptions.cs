using RocksDbSharp;

namespace Ledger.Storage;

/// <summary>
/// RocksDbSharp's ReadOptions with a Dispose: the library frees its native handle only in a finalizer, so a
/// snapshot opened per committed head (D43) left one native ReadOptions per block to the garbage collector.
/// Dispose only after the last read through it (its owner's rule: a snapshot or a store is disposed after its readers).
/// </summary>
internal sealed class OwnedReadOptions : ReadOptions, IDisposable
{
    public void Dispose()
    {
        if (Handle != IntPtr.Zero)
        {
            Native.Instance.rocksdb_readoptions_destroy(Handle);
            // The base finalizer skips a zero handle; no lower or upper bound was ever set on these.
            Handle = IntPtr.Zero;
            GC.SuppressFinalize(this);
        }
    }
}

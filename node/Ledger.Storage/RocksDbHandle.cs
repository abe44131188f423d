using RocksDbSharp;
using RocksColumnFamilies = RocksDbSharp.ColumnFamilies;

namespace Ledger.Storage;

/// <summary>
/// An open RocksDB directory with its column families: the one place that talks to RocksDB's open
/// calls and turns their failures into a <see cref="StorageException"/> that names the directory.
/// </summary>
internal sealed class RocksDbHandle : IDisposable
{
    /// <summary>fsync before Write returns (DESIGN §7 rule 3): a committed block survives power loss.</summary>
    public static readonly WriteOptions Synced = new WriteOptions().SetSync(true);

    /// <summary>For writes whose caller accepts losing the last few on power loss (never a block).</summary>
    public static readonly WriteOptions Unsynced = new WriteOptions().SetSync(false);

    private readonly Dictionary<string, ColumnFamilyHandle> _families;
    private readonly string? _secondaryDirectory;

    /// <summary>
    /// The column families' table factories hold their own reference to the native cache; this one keeps the
    /// wrapper (whose finalizer drops its reference) alive until the database is closed.
    /// </summary>
    private readonly Cache _blockCache;

    /// <summary>The row cache's wrapper, kept alive as the block cache's is (the options hold the native reference).</summary>
    private readonly Cache _rowCache;

    private RocksDbHandle(RocksDb db, Cache blockCache, Cache rowCache, string directory, IEnumerable<string> families, string? secondaryDirectory)
    {
        Db = db;
        _blockCache = blockCache;
        _rowCache = rowCache;
        Directory = directory;
        _families = families.ToDictionary(name => name, db.GetColumnFamily, StringComparer.Ordinal);
        _secondaryDirectory = secondaryDirectory;
    }

    public RocksDb Db { get; }

    public string Directory { get; }

    /// <summary>True for a secondary instance: it reads the directory and never writes to it.</summary>
    public bool IsReadOnly => _secondaryDirectory is not null;

    public static RocksDbHandle OpenPrimary(string directory, IReadOnlyList<string> families)
    {
        var path = FullPath(directory);
        Attempt(path, "cannot create the data directory", () => System.IO.Directory.CreateDirectory(path));
        var cache = BlockCache();
        var rows = RowCache();
        var options = Options(rows).SetCreateIfMissing(true).SetCreateMissingColumnFamilies(true);
        var db = Attempt(path, "cannot open the data directory for writing (is another node using it?)", () => RocksDb.Open(options, path, Families(families, cache)));
        return new RocksDbHandle(db, cache, rows, path, families, null);
    }

    /// <summary>
    /// A RocksDB secondary instance: it takes no lock, so it opens while a node holds the directory,
    /// and it can catch up with that node's later writes. RocksDB wants a directory of its own for
    /// the secondary's info log; that is a fresh temporary directory, deleted on Dispose.
    /// A plain RocksDB read-only open also takes no lock, but in a two-process test beside a writer
    /// that flushed often, 8 of 200 opens failed ("No such file": a log deleted under it) and it
    /// cannot catch up; the secondary mode opened every time (see RocksDbChainStore.ReadCommitted
    /// for the one gap it can show while opening).
    /// </summary>
    public static RocksDbHandle OpenSecondary(string directory, IReadOnlyList<string> families)
    {
        var path = FullPath(directory);
        if (!File.Exists(Path.Combine(path, "CURRENT")))
        {
            throw new StorageException(path, "no ledger data here (no RocksDB CURRENT file)");
        }

        var secondary = Path.Combine(Path.GetTempPath(), "ledger-secondary-" + Guid.NewGuid().ToString("N"));
        Attempt(path, "cannot create a temporary directory for the read-only view", () => System.IO.Directory.CreateDirectory(secondary));
        try
        {
            // The secondary must keep every table file open, or the primary's compactions would unlink them under it.
            var cache = BlockCache();
            var rows = RowCache();
            var options = Options(rows).SetMaxOpenFiles(-1);
            var db = Attempt(path, "cannot open the data directory read-only", () => RocksDb.OpenAsSecondary(options, path, secondary, Families(families, cache)));
            return new RocksDbHandle(db, cache, rows, path, families, secondary);
        }
        catch
        {
            DeleteQuietly(secondary);
            throw;
        }
    }

    public ColumnFamilyHandle Family(string name) => _families[name];

    /// <summary>Secondary only: applies what the primary has written since open or the last call.</summary>
    public void CatchUp()
    {
        if (IsReadOnly)
        {
            Attempt(Directory, "cannot catch up with the node writing this directory", Db.TryCatchUpWithPrimary);
        }
    }

    public void Dispose()
    {
        Db.Dispose();
        GC.KeepAlive(_blockCache);
        GC.KeepAlive(_rowCache);
        if (_secondaryDirectory is not null)
        {
            DeleteQuietly(_secondaryDirectory);
        }
    }

    /// <summary>
    /// The row cache (D51): a point read answered from a table file — a participant or a batch record written long
    /// ago, read for every transfer — is kept whole, and the next read of that key costs a hash lookup instead of a
    /// filter probe, an index search and a data block search per level. RocksDB keys its entries by table file (and
    /// by snapshot where the file is newer than the snapshot), so an entry never answers for a later write or an
    /// older snapshot. It is a cache of its own, not the block cache: RocksDB does not document the two sharing one
    /// key space (facebook/rocksdb#13939 asks and is unanswered), and a collision there would break memory safety,
    /// not just an answer. D43's bound is the sum of the two.
    /// </summary>
    private static DbOptions Options(Cache rowCache)
    {
        var options = new DbOptions().SetParanoidChecks(true);
        Native.Instance.rocksdb_options_set_row_cache(options.Handle, rowCache.Handle);
        return options;
    }

    private static Cache RowCache() => Cache.CreateLru(StorageLimits.RowCacheBytesMax);

    /// <summary>
    /// One LRU block cache of <see cref="StorageLimits.BlockCacheBytesMax"/> for every column family of the
    /// directory (D43). RocksDB's default is a cache of its own per column family, with index and filter blocks
    /// held outside any cache for as long as their table file is open — which, with max_open_files at -1, is
    /// always, so that memory grew with the data (≈ 1.25 bytes a key for the filters alone).
    /// </summary>
    private static Cache BlockCache() => Cache.CreateLru(StorageLimits.BlockCacheBytesMax);

    /// <summary>
    /// A full Bloom filter (10 bits a key, ≈ 1 % false positives) in every table file: most reads that find
    /// nothing — a record's dedup key, an unused nonce, a transaction id not yet committed — are answered
    /// without reading a data block. Older table files without filters are read as before.
    /// Index and filter blocks are charged to the shared block cache (D43), in its high-priority part (RocksDB's
    /// default), so data blocks are evicted before them; level 0's, read on every lookup, stay pinned there.
    /// </summary>
    private static ColumnFamilyOptions FamilyOptions(Cache blockCache, string name)
    {
        var options = new ColumnFamilyOptions().SetBlockBasedTableFactory(
            new BlockBasedTableOptions()
                .SetFilterPolicy(BloomFilterPolicy.Create(10, false))
                .SetWholeKeyFiltering(true)
                .SetBlockCache(blockCache)
                .SetCacheIndexAndFilterBlocks(true)
                .SetPinL0FilterAndIndexBlocksInCache(true));
        if (name is ColumnFamilies.State or ColumnFamilies.Transactions)
        {
            WithSmallFilteredMemtables(options);
        }

        return options;
    }

    /// <summary>
    /// The two families read by key on every transfer (D51). A read or a write walks a memtable's skip list, and
    /// the walk grows with the memtable: at RocksDB's 64 MiB, hundreds of thousands of entries, most steps missed
    /// the CPU caches late in a run. Memtables of <see cref="StorageLimits.ReadMemtableBytes"/> keep it short;
    /// what they flush sooner is read from table files through the row cache. A Bloom filter over each memtable's
    /// whole keys (<see cref="StorageLimits.MemtableFilterShare"/> of its size) answers a key it does not hold — an
    /// unused nonce, a transaction id not yet committed, a record in a table file — without the walk; a false
    /// positive only walks the list as before.
    /// </summary>
    private static void WithSmallFilteredMemtables(ColumnFamilyOptions options)
    {
        options.SetWriteBufferSize(StorageLimits.ReadMemtableBytes);
        options.SetMemtablePrefixBloomSizeRatio(StorageLimits.MemtableFilterShare);
        Native.Instance.rocksdb_options_set_memtable_whole_key_filtering(options.Handle, 1);
    }

    private static RocksColumnFamilies Families(IEnumerable<string> names, Cache blockCache)
    {
        var families = new RocksColumnFamilies();
        foreach (var name in names)
        {
            families.Add(name, FamilyOptions(blockCache, name));
        }

        return families;
    }

    private static string FullPath(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return Path.GetFullPath(directory);
    }

    private static void Attempt(string path, string what, Action action) =>
        Attempt(path, what, () =>
        {
            action();
            return true;
        });

    private static T Attempt<T>(string path, string what, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is RocksDbException or IOException or UnauthorizedAccessException)
        {
            throw new StorageException(path, $"{what}: {e.Message}", e);
        }
    }

    /// <summary>The temporary directory holds only RocksDB's info log; failing to delete it loses nothing.</summary>
    private static void DeleteQuietly(string directory)
    {
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Checks the length of a value read before anything parses it.</summary>
internal static class Bounds
{
    public static void Check(byte[]? value, long lengthMax, string what)
    {
        if (value is not null && value.Length > lengthMax)
        {
            throw new StorageCorruptionException($"{what} of {value.Length} bytes is over the bound of {lengthMax}");
        }
    }
}

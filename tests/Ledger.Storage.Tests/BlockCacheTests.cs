using System.Globalization;
using RocksDbSharp;

namespace Ledger.Storage.Tests;

/// <summary>
/// D43: RocksDB's index and filter blocks are charged to one bounded block cache per directory instead of
/// growing with the table files. Compared in the same run with RocksDB's defaults on the same files.
/// </summary>
public sealed class BlockCacheTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private const int Keys = 200_000;
    private const string TableReadersMemory = "rocksdb.estimate-table-readers-mem";

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Index_and_filter_blocks_live_in_the_bounded_shared_cache_not_beside_it()
    {
        ulong bounded;
        using (var handle = RocksDbHandle.OpenPrimary(_directory.Path, [ColumnFamilies.State, ColumnFamilies.Meta]))
        {
            var state = handle.Family(ColumnFamilies.State);
            WriteAndFlush(handle.Db, state);
            ReadSome(handle.Db, state);
            bounded = Property(handle.Db, state, TableReadersMemory);
            Assert.Equal(StorageLimits.BlockCacheBytesMax, Property(handle.Db, state, "rocksdb.block-cache-capacity"));
            Assert.Equal(StorageLimits.BlockCacheBytesMax, Property(handle.Db, handle.Family(ColumnFamilies.Meta), "rocksdb.block-cache-capacity"));
            Assert.True(Property(handle.Db, state, "rocksdb.block-cache-usage") > 0, "index and filter blocks are in the cache");
        }

        // The control: the same files opened with RocksDB's defaults keep their index and filter blocks outside any cache.
        var defaults = new RocksDbSharp.ColumnFamilies();
        defaults.Add(ColumnFamilies.State, new ColumnFamilyOptions().SetBlockBasedTableFactory(new BlockBasedTableOptions().SetFilterPolicy(BloomFilterPolicy.Create(10, false))));
        defaults.Add(ColumnFamilies.Meta, new ColumnFamilyOptions());
        using var unbounded = RocksDb.Open(new DbOptions(), _directory.Path, defaults);
        var family = unbounded.GetColumnFamily(ColumnFamilies.State);
        ReadSome(unbounded, family);
        var outside = Property(unbounded, family, TableReadersMemory);
        output.WriteLine($"table readers outside the cache: {bounded} bytes bounded, {outside} bytes with RocksDB's defaults, for {Keys} keys");
        Assert.True(outside > 2 * bounded, $"with the defaults {outside} bytes sit outside the cache, bounded {bounded}");
        Assert.True(outside >= Keys, "the control holds at least a byte a key of filters outside the cache");
    }

    private static void WriteAndFlush(RocksDb db, ColumnFamilyHandle family)
    {
        for (var start = 0; start < Keys; start += 10_000)
        {
            using var batch = new WriteBatch();
            for (var i = start; i < start + 10_000; i++)
            {
                batch.Put(BitConverter.GetBytes(i * 2_654_435_761L), BitConverter.GetBytes(i), family);
            }

            db.Write(batch);
        }

        db.Flush(new FlushOptions().SetWaitForFlush(true));
    }

    /// <summary>Lookups, found and not, so every table's index and filter are loaded.</summary>
    private static void ReadSome(RocksDb db, ColumnFamilyHandle family)
    {
        for (var i = 0; i < 1_000; i++)
        {
            _ = db.Get(BitConverter.GetBytes(i * 2_654_435_761L), family);
            _ = db.Get(BitConverter.GetBytes(-1L - i), family);
        }
    }

    private static ulong Property(RocksDb db, ColumnFamilyHandle family, string name) =>
        ulong.Parse(db.GetProperty(name, family), CultureInfo.InvariantCulture);
}

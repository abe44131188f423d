using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Ledger.Core.State;
using RocksDbSharp;

namespace Ledger.Storage.Tests;

/// <summary>
/// D51: the row cache and the memtable Bloom filters change where a read is answered, never what it answers.
/// Reads of every key (present, deleted, never written), live and through snapshots, match the reference state
/// as of that moment, with flushes and compactions in between so that reads go to memtables, level 0 and below.
/// </summary>
public sealed class ReadCacheProperties
{
    private static readonly byte[][] Absent = [[0x03], [0x00, 0x03], [0xff, 0xff, 0xff, 0xff, 0x00]];

    [Property(MaxTest = 40, Arbitrary = [typeof(WriteSetRuns)])]
    public Property Reads_through_the_caches_match_the_reference_live_and_at_every_snapshot(WriteSetRun run)
    {
        using var directory = new TempDirectory();
        using var handle = RocksDbHandle.OpenPrimary(directory.Path, [ColumnFamilies.State]);
        var family = handle.Family(ColumnFamilies.State);
        using var liveReads = new OwnedReadOptions();
        var live = new RocksDbState(handle.Db, family, liveReads);
        var memory = new InMemoryState();
        var snapshots = new List<(Snapshot Snapshot, OwnedReadOptions Reads, InMemoryState Expected)>();
        var problems = new List<string>();
        try
        {
            for (var step = 0; step < run.WriteSets.Count && problems.Count == 0; step++)
            {
                var set = WriteSetRun.ToWriteSet(run.WriteSets[step]);
                live.Apply(set);
                memory.Apply(set);
                Reshape(handle, family, step);
                if (step % 2 == 0)
                {
                    snapshots.Add(TakeSnapshot(handle, memory));
                }

                problems.AddRange(Differences(live, memory, run, $"live after step {step}"));
                foreach (var (_, reads, expected) in snapshots)
                {
                    problems.AddRange(Differences(new RocksDbState(handle.Db, family, reads), expected, run, $"snapshot, read after step {step}"));
                }
            }
        }
        finally
        {
            foreach (var (snapshot, reads, _) in snapshots)
            {
                reads.Dispose();
                snapshot.Dispose();
            }
        }

        return (problems.Count == 0).Label(string.Join(Environment.NewLine, problems.Take(5)));
    }

    [Fact]
    public void The_state_and_transaction_index_have_small_filtered_memtables_and_the_directory_a_row_cache()
    {
        using var directory = new TempDirectory();
        using (RocksDbHandle.OpenPrimary(directory.Path, ColumnFamilies.All))
        {
        }

        // RocksDB leaves the row cache out of its OPTIONS file; its LOG names it by capacity: its own, not the block cache's.
        Assert.Contains($"Options.row_cache: {StorageLimits.RowCacheBytesMax}", File.ReadAllText(Path.Combine(directory.Path, "LOG")), StringComparison.Ordinal);
        var options = File.ReadAllText(Directory.GetFiles(directory.Path, "OPTIONS-*").Max()!);
        Assert.Equal("true", FamilyOption(options, ColumnFamilies.State, "memtable_whole_key_filtering"));
        Assert.Equal("true", FamilyOption(options, ColumnFamilies.Transactions, "memtable_whole_key_filtering"));
        Assert.Equal("0.100000", FamilyOption(options, ColumnFamilies.State, "memtable_prefix_bloom_size_ratio"));
        Assert.Equal(StorageLimits.ReadMemtableBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), FamilyOption(options, ColumnFamilies.State, "write_buffer_size"));
        Assert.Equal(StorageLimits.ReadMemtableBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), FamilyOption(options, ColumnFamilies.Transactions, "write_buffer_size"));
        Assert.Equal("false", FamilyOption(options, ColumnFamilies.Blocks, "memtable_whole_key_filtering"));
        Assert.Equal("67108864", FamilyOption(options, ColumnFamilies.Blocks, "write_buffer_size"));
    }

    /// <summary>Flush after every third step and compact after every fifth, so values sit in memtables and table files of several levels.</summary>
    private static void Reshape(RocksDbHandle handle, ColumnFamilyHandle family, int step)
    {
        if (step % 3 == 2)
        {
            var flush = new FlushOptions().SetWaitForFlush(true);
            Native.Instance.rocksdb_flush_cf(handle.Db.Handle, flush.Handle, family.Handle);
        }

        if (step % 5 == 4)
        {
            handle.Db.CompactRange((byte[]?)null, null, family);
        }
    }

    private static (Snapshot, OwnedReadOptions, InMemoryState) TakeSnapshot(RocksDbHandle handle, InMemoryState memory)
    {
        var snapshot = handle.Db.CreateSnapshot();
        var reads = new OwnedReadOptions();
        reads.SetSnapshot(snapshot);
        var copy = new InMemoryState();
        var all = new WriteSet();
        foreach (var (key, value) in memory.Entries)
        {
            all.Put(key, value);
        }

        copy.Apply(all);
        return (snapshot, reads, copy);
    }

    /// <summary>Every key the run writes, plus keys it never writes; each read twice, so the second can come from the row cache.</summary>
    private static IEnumerable<string> Differences(RocksDbState state, InMemoryState expected, WriteSetRun run, string where)
    {
        var keys = run.WriteSets.SelectMany(set => set.Select(change => change.Key)).Concat(Absent);
        foreach (var key in keys)
        {
            var want = expected.Get(key);
            for (var read = 0; read < 2; read++)
            {
                var got = state.Get(key);
                if (!(want is null ? got is null : got is not null && got.AsSpan().SequenceEqual(want)))
                {
                    yield return $"{where}: key {Convert.ToHexString(key)} read {(got is null ? "nothing" : Convert.ToHexString(got))}, expected {(want is null ? "nothing" : Convert.ToHexString(want))}";
                }
            }
        }
    }

    /// <summary>The value of name in the [CFOptions "family"] section of a RocksDB OPTIONS file.</summary>
    private static string? FamilyOption(string options, string family, string name)
    {
        var section = options[(options.IndexOf($"[CFOptions \"{family}\"]", StringComparison.Ordinal) + 1)..];
        var end = section.IndexOf("[TableOptions", StringComparison.Ordinal);
        return section[..end].Split('\n').Select(line => line.Trim()).FirstOrDefault(line => line.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];
    }
}

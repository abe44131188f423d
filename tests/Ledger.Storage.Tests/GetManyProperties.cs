using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Ledger.Core.State;

namespace Ledger.Storage.Tests;

/// <summary>D44: GetMany (RocksDB's batched MultiGet, and an overlay over it) answers exactly as Get does, key by key.</summary>
public sealed class GetManyProperties
{
    [Property(MaxTest = 50, Arbitrary = [typeof(WriteSetRuns)])]
    public Property GetMany_answers_as_Get_for_every_key(WriteSetRun run)
    {
        using var directory = new TempDirectory();
        using var rocks = RocksDbState.Open(directory.Path);
        var sets = run.WriteSets.Select(ToWriteSet).ToList();
        foreach (var set in sets.Take(Math.Max(0, sets.Count - 1)))
        {
            rocks.Apply(set);
        }

        // The last write set stays pending in an overlay, as a block's earlier transactions do.
        var overlay = new StateOverlay(rocks);
        foreach (var (key, value) in sets.LastOrDefault()?.Entries ?? [])
        {
            if (value is null)
            {
                overlay.Delete(key);
            }
            else
            {
                overlay.Put(key, value);
            }
        }

        // Every key written or deleted, repeated and reversed, and some never written.
        var written = run.WriteSets.SelectMany(w => w.Select(e => e.Key)).ToList();
        List<byte[]> keys = [.. written, .. Enumerable.Reverse(written), [0x03], [0x00, 0x00, 0x00, 0x00, 0x00], [0xfe, 0x01]];

        var fromRocks = new byte[]?[keys.Count];
        rocks.GetMany(keys, fromRocks);
        var fromOverlay = new byte[]?[keys.Count];
        overlay.GetMany(keys, fromOverlay);
        var problems = new List<string>();
        for (var i = 0; i < keys.Count; i++)
        {
            if (!Same(fromRocks[i], rocks.Get(keys[i])))
            {
                problems.Add($"store, key {Convert.ToHexString(keys[i])}");
            }

            if (!Same(fromOverlay[i], overlay.Get(keys[i])))
            {
                problems.Add($"overlay, key {Convert.ToHexString(keys[i])}");
            }
        }

        return (problems.Count == 0).Label(string.Join("; ", problems));
    }

    [Fact]
    public void GetMany_of_no_keys_reads_nothing()
    {
        using var directory = new TempDirectory();
        using var rocks = RocksDbState.Open(directory.Path);
        rocks.GetMany([], []);
    }

    private static bool Same(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    private static WriteSet ToWriteSet(IReadOnlyList<(byte[] Key, byte[]? Value)> changes)
    {
        var set = new WriteSet();
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                set.Delete(key);
            }
            else
            {
                set.Put(key, value);
            }
        }

        return set;
    }
}

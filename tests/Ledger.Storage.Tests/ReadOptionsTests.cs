using Ledger.Core.State;
using Ledger.Testing;

namespace Ledger.Storage.Tests;

/// <summary>
/// D48: RocksDbSharp frees a ReadOptions' native handle only in its finalizer. A snapshot taken per committed head
/// (D43) releases its read options with itself, as a store and a state store release theirs when closed.
/// </summary>
public sealed class ReadOptionsTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestChain _chain = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_snapshot_releases_its_read_options_when_disposed()
    {
        using var store = _chain.OpenStore(_directory.Path);
        var snapshot = store.OpenSnapshot();
        Assert.Equal(0UL, snapshot.Head!.Height);
        Assert.NotEqual(IntPtr.Zero, snapshot.Reads.Handle);

        snapshot.Dispose();

        Assert.Equal(IntPtr.Zero, snapshot.Reads.Handle);
    }

    [Fact]
    public void A_head_snapshot_replaced_by_the_next_head_releases_its_read_options_with_its_last_lease()
    {
        using var store = _chain.OpenStore(_directory.Path);
        using var heads = new HeadSnapshots(store);
        var lease = heads.Acquire();
        var reads = ((ChainSnapshot)lease.State).Reads;
        var (block, certificate) = _chain.Setup().First();
        store.CommitBlock(block, certificate);
        heads.Advance();
        Assert.NotEqual(IntPtr.Zero, reads.Handle);

        lease.Dispose();

        Assert.Equal(IntPtr.Zero, reads.Handle);
    }

    [Fact]
    public void A_store_and_a_state_store_release_their_read_options_when_closed()
    {
        var store = _chain.OpenStore(_directory.Path);
        var live = store.LiveReads;
        store.Dispose();
        Assert.Equal(IntPtr.Zero, live.Handle);

        var state = RocksDbState.Open(System.IO.Path.Combine(_directory.Path, "state"));
        state.Apply(WriteSetOf("k", "v"));
        Assert.Equal("v"u8.ToArray(), state.Get("k"u8));
        var reads = state.Reads;
        state.Dispose();
        Assert.Equal(IntPtr.Zero, reads.Handle);
    }

    private static WriteSet WriteSetOf(string key, string value)
    {
        var changes = new WriteSet();
        changes.Put(System.Text.Encoding.UTF8.GetBytes(key), System.Text.Encoding.UTF8.GetBytes(value));
        return changes;
    }
}

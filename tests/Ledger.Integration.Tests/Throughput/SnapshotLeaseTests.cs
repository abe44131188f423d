using Ledger.Core.Execution;
using Ledger.Core.State;
using Ledger.Node.Chain;
using Ledger.Node.Mempool;
using Ledger.Storage;
using Ledger.Testing;

namespace Ledger.Integration.Tests.Throughput;

/// <summary>
/// The mempool's re-check runs on a worker thread against a leased snapshot (D40): the chain must not
/// close its RocksDB store under a reader, and must lease nothing once it is closing.
/// </summary>
public sealed class SnapshotLeaseTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ledger-lease-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly TestLedger _ledger = new();

    [Fact]
    public async Task Disposing_the_chain_waits_for_a_leased_snapshot_and_leases_no_more()
    {
        var chain = new NodeChain(RocksDbChainStore.Open(_directory), _ledger.Genesis, new SignatureCache(capacity: 16));
        var lease = chain.LeaseSnapshot();
        Assert.NotNull(lease);
        Assert.Equal(chain.Head.Height, lease!.Head.Height);

        var disposing = Task.Factory.StartNew(chain.Dispose, TaskCreationOptions.LongRunning);
        Assert.NotSame(disposing, await Task.WhenAny(disposing, Task.Delay(TimeSpan.FromMilliseconds(300))));

        // The store is still open for the lease's reader, and no new lease is given.
        Assert.NotNull(lease.State.Get(StateKeys.StateRoot));
        Assert.Null(chain.LeaseSnapshot());

        lease.Dispose();
        lease.Dispose();
        await disposing.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Disposing_the_chain_waits_for_an_admission_view_and_gives_none_while_closing()
    {
        var chain = new NodeChain(RocksDbChainStore.Open(_directory), _ledger.Genesis, new SignatureCache(capacity: 16));
        var view = chain.AdmissionView();

        var disposing = Task.Factory.StartNew(chain.Dispose, TaskCreationOptions.LongRunning);
        Assert.NotSame(disposing, await Task.WhenAny(disposing, Task.Delay(TimeSpan.FromMilliseconds(300))));

        // An admission still running when the node stops reads an open store; a new one is refused, not a crash in RocksDB.
        Assert.NotNull(view.State.Get(StateKeys.StateRoot));
        Assert.Throws<ObjectDisposedException>(chain.AdmissionView);

        view.Dispose();
        await disposing.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

using Ledger.Core;
using Ledger.Core.Chain;
using Ledger.Core.State;

namespace Ledger.Storage;

/// <summary>
/// One <see cref="ChainSnapshot"/> per committed head, shared by readers whose several state reads must all
/// come from one head (the mempool's Check, D43): a live read could see a block's write half-way through a
/// Check. The committer calls <see cref="Advance"/> after each commit; a reader takes a lease with
/// <see cref="Acquire"/> and disposes it when done. A head's RocksDB snapshot is released once a later head
/// has replaced it and its last lease is gone, so only heads still being read stay pinned. <see cref="Dispose"/>
/// waits for every open lease and gives none while it closes, so the store may be closed right after it.
/// </summary>
public sealed class HeadSnapshots : IDisposable
{
    private readonly RocksDbChainStore _store;
    private readonly object _leasesGate = new(); // Monitor.Wait needs a monitor, not a Lock
    private Shared? _current;
    private int _pinned;
    private int _leases;
    private bool _closing;

    /// <summary>Starts at the store's current head; the store must hold a genesis.</summary>
    public HeadSnapshots(RocksDbChainStore store)
    {
        _store = store;
        _current = new Shared(this, store.OpenSnapshot());
    }

    /// <summary>Test seam: RocksDB snapshots taken here and not yet released (the current head's and any still leased).</summary>
    internal int PinnedCount => Volatile.Read(ref _pinned);

    /// <summary>A lease on the latest head's snapshot; dispose it promptly. ObjectDisposedException once closing.</summary>
    public HeadSnapshot Acquire() => TryAcquire() ?? throw new ObjectDisposedException(nameof(HeadSnapshots));

    /// <summary>A lease on the latest head's snapshot, or null once closing; dispose it promptly.</summary>
    public HeadSnapshot? TryAcquire()
    {
        lock (_leasesGate)
        {
            if (_closing)
            {
                return null;
            }

            _leases++;
        }

        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (current is null)
            {
                LeaseEnded();
                return null;
            }

            // Fails only when Advance retired this one after the read above and its last lease went: take the next.
            if (current.TryHold())
            {
                return new HeadSnapshot(this, current);
            }
        }
    }

    /// <summary>After a commit: new leases see the new head; leases already taken keep the head they had.</summary>
    public void Advance()
    {
        var next = new Shared(this, _store.OpenSnapshot());
        var previous = Interlocked.Exchange(ref _current, next);
        if (previous is null)
        {
            // Disposed meanwhile: nobody will release the new one.
            next.Release();
            throw new ObjectDisposedException(nameof(HeadSnapshots));
        }

        previous.Release();
    }

    /// <summary>Waits for every open lease, then releases the current head's snapshot.</summary>
    public void Dispose()
    {
        lock (_leasesGate)
        {
            _closing = true;
            while (_leases > 0)
            {
                Monitor.Wait(_leasesGate);
            }
        }

        Interlocked.Exchange(ref _current, null)?.Release();
    }

    internal void LeaseEnded()
    {
        lock (_leasesGate)
        {
            _leases--;
            Monitor.PulseAll(_leasesGate);
        }
    }

    /// <summary>A snapshot with a count of holds: one for being the current head, one per lease.</summary>
    internal sealed class Shared
    {
        private readonly HeadSnapshots _owner;
        private int _holds = 1;

        public Shared(HeadSnapshots owner, ChainSnapshot snapshot)
        {
            _owner = owner;
            Snapshot = snapshot;
            Head = snapshot.Head ?? throw new InvalidOperationException("the store holds no genesis yet");
            Interlocked.Increment(ref owner._pinned);
        }

        public ChainSnapshot Snapshot { get; }

        public ChainHead Head { get; }

        /// <summary>True while somebody else still holds it (it is then not yet released).</summary>
        public bool TryHold()
        {
            var holds = Volatile.Read(ref _holds);
            while (holds > 0)
            {
                var seen = Interlocked.CompareExchange(ref _holds, holds + 1, holds);
                if (seen == holds)
                {
                    return true;
                }

                holds = seen;
            }

            return false;
        }

        public void Release()
        {
            var left = Interlocked.Decrement(ref _holds);
            Invariant.Require(left >= 0, "a head snapshot is released once per hold");
            if (left == 0)
            {
                Snapshot.Dispose();
                Interlocked.Decrement(ref _owner._pinned);
            }
        }
    }
}

/// <summary>A lease on one committed head: its height and time, and the state exactly as that block left it.</summary>
public sealed class HeadSnapshot : IDisposable
{
    private readonly HeadSnapshots _owner;
    private HeadSnapshots.Shared? _shared;

    internal HeadSnapshot(HeadSnapshots owner, HeadSnapshots.Shared shared)
    {
        _owner = owner;
        _shared = shared;
        Head = shared.Head;
        State = shared.Snapshot;
    }

    public ChainHead Head { get; }

    public IStateView State { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _shared, null) is { } shared)
        {
            shared.Release();
            _owner.LeaseEnded();
        }
    }
}

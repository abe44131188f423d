using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Storage;

namespace Ledger.Node.Chain;

/// <summary>
/// The node's chain: the store, the state machine, the validators and the head. Commits go
/// through here, one at a time, and wake whoever waits for the next block.
/// </summary>
public sealed class NodeChain : IDisposable
{
    private readonly RocksDbChainStore _store;
    private readonly HeadSnapshots _heads;
    private readonly Lock _commitGate = new();
    private TaskCompletionSource _nextCommit = NewSignal();
    private volatile Tip _tip;

    public NodeChain(RocksDbChainStore store, Genesis genesis, ISignatureCache signatureCache)
    {
        _store = store;
        Genesis = genesis;
        SignatureCache = signatureCache;
        Machine = new LedgerStateMachine(ChainParameters.FromGenesis(genesis), signatureCache);
        EnsureGenesis();
        _heads = new HeadSnapshots(store);
        var head = store.Head ?? ChainHead.Genesis(genesis);
        _tip = new Tip(head, head.Height == 0 ? ByteString.CopyFrom(State.Get(StateKeys.StateRoot) ?? []) : store.GetBlock(head.Height)!.Header.StateRoot);
    }

    public Genesis Genesis { get; }

    /// <summary>The signatures this node verified; shared by admission and block execution.</summary>
    public ISignatureCache SignatureCache { get; }

    public LedgerStateMachine Machine { get; }

    /// <summary>The validators of height, from the committed state's schedule.</summary>
    public ValidatorSet ValidatorsAt(ulong height) => ValidatorSchedules.At(State, height);

    /// <summary>The validators of the next height.</summary>
    public ValidatorSet CurrentValidators => ValidatorsAt(Head.Height + 1);

    public RocksDbChainStore Store => _store;

    public IStateView State => _store.State;

    /// <summary>The last committed block (height 0 before the first).</summary>
    public ChainHead Head => _tip.Head;

    /// <summary>The head and the state root its block certifies, read together (one reference), without reading the block back.</summary>
    public Tip Current => _tip;

    /// <summary>The last committed block and the state root it certifies (at height 0, the genesis state's root).</summary>
    public sealed record Tip(ChainHead Head, ByteString StateRoot);

    public event Action<ExecutedBlock>? Committed;

    /// <summary>Completes when the next block commits.</summary>
    public Task NextCommit => Volatile.Read(ref _nextCommit).Task;

    /// <summary>The context the next block's transactions are checked in: admission uses it too.</summary>
    public BlockContext NextBlockContext(long nowMs) => NextBlockContext(Head, nowMs);

    /// <summary>The context of the block after head.</summary>
    public static BlockContext NextBlockContext(ChainHead head, long nowMs) => new(head.Height + 1, Math.Max(nowMs, head.TimeMs + 1));

    /// <summary>
    /// The last committed head and its state as one snapshot, for admission (D43): a Check's several reads
    /// all see that head, never a block's write half-way. Dispose the lease when the Check is done; disposing
    /// the chain waits for it. Once the chain is closing there is no store to read: ObjectDisposedException.
    /// </summary>
    public HeadSnapshot AdmissionView() => _heads.Acquire();

    public void Commit(ExecutedBlock block, CommitCertificate certificate)
    {
        lock (_commitGate)
        {
            _store.CommitBlock(block, certificate);
            _tip = new Tip(new ChainHead(block.Block.Header.Height, block.HeaderHash, block.Block.Header.TimeMs), block.Block.Header.StateRoot);
            _heads.Advance();
        }

        Committed?.Invoke(block);
        Interlocked.Exchange(ref _nextCommit, NewSignal()).TrySetResult();
    }

    /// <summary>
    /// Runs decide with the committed head while no block can commit (under the commit gate), so what it decides holds
    /// at that head until it returns. For the mempool's removal of a transaction it found refused (D52): no block holding
    /// the transaction can be written between its test of the head and the removal. Keep decide short and rare: the next
    /// commit waits for it.
    /// </summary>
    public T AtHead<T>(Func<ChainHead, T> decide)
    {
        lock (_commitGate)
        {
            return decide(_tip.Head);
        }
    }

    /// <summary>
    /// The committed head's shared snapshot (as <see cref="AdmissionView"/>) for a reader on a background thread
    /// (the mempool's re-check, D40), or null once the chain is being disposed. Dispose the lease promptly;
    /// disposing the chain waits for every open lease before it closes the store.
    /// </summary>
    public HeadSnapshot? LeaseSnapshot() => _heads.TryAcquire();

    /// <summary>Waits for every open lease on a head (admission, re-check), then closes the store.</summary>
    public void Dispose()
    {
        _heads.Dispose();
        _store.Dispose();
    }

    private void EnsureGenesis()
    {
        var stored = _store.Genesis;
        if (stored is null)
        {
            _store.InitializeGenesis(Genesis, Machine.ApplyGenesis(Genesis));
        }
        else if (!stored.ToByteString().Equals(Genesis.ToByteString()))
        {
            throw new InvalidOperationException($"the data directory holds a chain of another genesis (chain '{stored.ChainId}'); refusing to start on it with genesis of chain '{Genesis.ChainId}'");
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

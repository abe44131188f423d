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
    private readonly Lock _commitGate = new();
    private TaskCompletionSource _nextCommit = NewSignal();

    public NodeChain(RocksDbChainStore store, Genesis genesis, ISignatureCache signatureCache)
    {
        _store = store;
        Genesis = genesis;
        SignatureCache = signatureCache;
        Machine = new LedgerStateMachine(ChainParameters.FromGenesis(genesis), signatureCache);
        EnsureGenesis();
        Head = store.Head ?? ChainHead.Genesis(genesis);
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
    public ChainHead Head { get; private set; }

    public event Action<ExecutedBlock>? Committed;

    /// <summary>Completes when the next block commits.</summary>
    public Task NextCommit => Volatile.Read(ref _nextCommit).Task;

    /// <summary>The context the next block's transactions are checked in: admission uses it too.</summary>
    public BlockContext NextBlockContext(long nowMs) => new(Head.Height + 1, Math.Max(nowMs, Head.TimeMs + 1));

    public void Commit(ExecutedBlock block, CommitCertificate certificate)
    {
        lock (_commitGate)
        {
            _store.CommitBlock(block, certificate);
            Head = new ChainHead(block.Block.Header.Height, block.HeaderHash, block.Block.Header.TimeMs);
        }

        Committed?.Invoke(block);
        Interlocked.Exchange(ref _nextCommit, NewSignal()).TrySetResult();
    }

    public void Dispose() => _store.Dispose();

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

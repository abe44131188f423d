using Ledger.Core;
using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Consensus.Tests.Simulation;

/// <summary>The signer's store: Save is durable (it survives a crash), as the Signer requires.</summary>
public sealed class DurableSignerStore : ISignerStateStore
{
    public SignerState? Saved { get; private set; }

    /// <summary>Called after each durable write; the crash injector throws from here.</summary>
    public Action? AfterWrite { get; set; }

    public SignerState? Load() => Saved;

    public void Save(SignerState state)
    {
        Saved = state;
        AfterWrite?.Invoke();
    }
}

/// <summary>A committed block as the node stores it in one synced batch: block, certificate, and the state changes.</summary>
public sealed record StoredBlock(Block Block, byte[] HeaderHash, CommitCertificate Certificate, WriteSet Changes, byte[] StateRoot);

/// <summary>Thrown at a crash point; the simulator catches it and takes the node down with everything volatile.</summary>
public sealed class NodeCrashed : Exception;

/// <summary>A bounded mempool in arrival order, deduplicated by transaction id.</summary>
public sealed class Mempool(Func<Envelope, string> transactionId)
{
    public const int TransactionsMax = 2_000;

    private readonly List<(string Id, Envelope Envelope)> _pending = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

    public int Count => _pending.Count;

    public IEnumerable<Envelope> Candidates => _pending.Select(p => p.Envelope);

    public void Add(Envelope envelope)
    {
        var id = transactionId(envelope);
        if (_pending.Count < TransactionsMax && _ids.Add(id))
        {
            _pending.Add((id, envelope));
        }
    }

    public void Remove(IEnumerable<Envelope> envelopes)
    {
        var gone = envelopes.Select(transactionId).ToHashSet(StringComparer.Ordinal);
        _pending.RemoveAll(p => gone.Contains(p.Id));
        _ids.ExceptWith(gone);
    }
}

/// <summary>getValue() and valid(v) over the node's committed state (Blocks.Propose / Blocks.Validate), validity cached by block hash.</summary>
public sealed class NodeApplication(SimNode node) : IConsensusApplication
{
    /// <summary>Entries for blocks of the height being decided; cleared at every commit.</summary>
    private readonly Dictionary<string, ExecutedBlock?> _validated = new(StringComparer.Ordinal);

    public Block ProposeBlock(ulong height, uint round)
    {
        Invariant.Require(height == node.Head.Height + 1, "proposals build on the committed head");
        var (executed, leftOut) = Blocks.Propose(node.Machine, node.State, node.Head, node.Mempool.Candidates, node.ClockMs, node.ValidatorId, node.LastCertificate);
        node.Mempool.Remove(leftOut.Select(l => l.Envelope));
        _validated[Convert.ToHexString(executed.HeaderHash)] = executed;
        return executed.Block;
    }

    public bool IsValid(Block block) => Validated(block) is not null;

    public ExecutedBlock? Validated(Block block)
    {
        if (block.Header is null || !HeaderHashable(block.Header))
        {
            return null;
        }

        var key = Convert.ToHexString(BlockHashing.HeaderHash(node.Machine.Parameters.Hash, block.Header));
        if (!_validated.TryGetValue(key, out var executed))
        {
            executed = Blocks.Validate(node.Machine, node.State, node.Head, block).Block;
            _validated[key] = executed;
        }

        return executed;
    }

    public void Committed() => _validated.Clear();

    public static bool HeaderHashable(BlockHeader header) =>
        new[] { header.PreviousHeaderHash, header.TransactionsRoot, header.ReceiptsRoot, header.StateRoot, header.ValidatorSetHash }.All(h => h.Length == BlockHashing.HashBytes);
}

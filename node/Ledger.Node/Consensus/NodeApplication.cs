using Ledger.Consensus;
using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Node.Chain;

namespace Ledger.Node.Consensus;

/// <summary>
/// The ledger as Tendermint sees it: blocks built from the mempool, and validity by re-execution on the
/// committed state. A block is validated once per node and head (D34): the block this node last validated is
/// remembered, so the prevote's check and the commit reuse that execution; and the signatures
/// of a block's transactions not already verified here (not gossiped to this node) are verified in parallel first.
/// </summary>
/// <remarks>
/// A proposer stops adding transactions once building has taken <c>buildBudget</c> (D39): the other
/// validators must receive the proposal within their propose timeout, and they take about as long again
/// to execute it. Without the budget a deep mempool on a slow or busy machine made blocks that no round's
/// timeout could fit, and the network stopped committing under load. Which transactions a proposer
/// offers is its own choice, so a wall-clock bound here changes no one's validity check.
/// </remarks>
public sealed class NodeApplication(NodeChain chain, Mempool.Mempool mempool, TimeProvider clock, string validatorId, TimeSpan buildBudget) : IConsensusApplication
{
    private readonly Lock _gate = new();
    private (ChainHead Head, ExecutedBlock Block)? _last;

    public Block ProposeBlock(ulong height, uint round)
    {
        var head = chain.Head;
        var building = clock.GetTimestamp();
        var (block, leftOut) = Blocks.Propose(
            chain.Machine,
            chain.State,
            head,
            mempool.BlockCandidates().Select(c => c.Envelope).TakeWhile(_ => clock.GetElapsedTime(building) < buildBudget),
            clock.GetUtcNow().ToUnixTimeMilliseconds(),
            validatorId,
            head.Height == 0 ? null : chain.Store.GetCertificate(head.Height));
        foreach (var (_, receipt) in leftOut)
        {
            mempool.Drop(receipt.TransactionId.ToByteArray(), receipt);
        }

        // The proposer's own proposal comes back to it for the prevote's validity check: it was just executed.
        Remember(head, block);
        return block.Block;
    }

    /// <summary>valid(v): follows the head, carries a valid certificate of the parent, every transaction commits, roots match.</summary>
    public bool IsValid(Block block) => Validate(block).Block is not null;

    public (ExecutedBlock? Block, string? Problem) Validate(Block block)
    {
        var head = chain.Head;
        lock (_gate)
        {
            // The same block on the same head executes to the same result; equality is of the whole block.
            if (_last is { } last && last.Head.Height == head.Height && last.Head.HeaderHash.AsSpan().SequenceEqual(head.HeaderHash) && last.Block.Block.Equals(block))
            {
                return (last.Block, null);
            }
        }

        var state = chain.State;
        var hash = chain.Machine.Parameters.Hash;
        // Each signer's key is read once for the block (D55), not once per signature: the cache only ever holds what verified.
        var participants = new Ledger.Core.State.LedgerState(new Ledger.Core.State.StateOverlay(state));
        var keys = new System.Collections.Concurrent.ConcurrentDictionary<string, PublicKey?>();
        Parallel.ForEach(block.Transactions, envelope => EnvelopeVerifier.Warm(id => keys.GetOrAdd(id, signer => participants.GetParticipant(signer)?.PublicKey), hash, envelope, chain.SignatureCache));
        var result = Blocks.Validate(chain.Machine, state, head, block);
        if (result.Block is { } executed)
        {
            Remember(head, executed);
        }

        return result;
    }

    private void Remember(ChainHead head, ExecutedBlock block)
    {
        lock (_gate)
        {
            _last = (head, block);
        }
    }
}

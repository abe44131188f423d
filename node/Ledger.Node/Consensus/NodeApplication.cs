using Ledger.Consensus;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Node.Chain;

namespace Ledger.Node.Consensus;

/// <summary>The ledger as Tendermint sees it: blocks built from the mempool, and validity by re-execution on the committed state.</summary>
public sealed class NodeApplication(NodeChain chain, Mempool.Mempool mempool, TimeProvider clock, string validatorId) : IConsensusApplication
{
    public Block ProposeBlock(ulong height, uint round)
    {
        var head = chain.Head;
        var (block, leftOut) = Blocks.Propose(
            chain.Machine,
            chain.State,
            head,
            mempool.BlockCandidates().Select(c => c.Envelope),
            clock.GetUtcNow().ToUnixTimeMilliseconds(),
            validatorId,
            head.Height == 0 ? null : chain.Store.GetCertificate(head.Height));
        foreach (var (_, receipt) in leftOut)
        {
            mempool.Drop(receipt.TransactionId.ToByteArray(), receipt);
        }

        return block.Block;
    }

    /// <summary>valid(v): follows the head, carries a valid certificate of the parent, every transaction commits, roots match.</summary>
    public bool IsValid(Block block) => Validate(block).Block is not null;

    public (ExecutedBlock? Block, string? Problem) Validate(Block block) =>
        Blocks.Validate(chain.Machine, chain.State, chain.Head, block);
}

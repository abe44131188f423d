using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Node.Consensus;

/// <summary>
/// A proposal as its header and transaction ids (D53), and back. The proposal's signature is over the header hash,
/// which binds the transactions root (RFC 6962 over whole envelopes): a rebuilt block whose root is the header's is
/// the signed block, byte for byte, whichever copies of the envelopes a validator found.
/// </summary>
public static class CompactProposals
{
    /// <summary>The compact form of a proposal message with transactions; null for anything else (nothing to save).</summary>
    public static ConsensusMessage? Of(ConsensusMessage message, INetworkHash hash)
    {
        if (message.KindCase != ConsensusMessage.KindOneofCase.Proposal || message.Proposal.Block is not { Transactions.Count: > 0 } block)
        {
            return null;
        }

        var proposal = message.Proposal;
        var compact = new CompactProposal
        {
            Proposal = new Proposal
            {
                Height = proposal.Height,
                Round = proposal.Round,
                ValidRound = proposal.ValidRound,
                Block = new Block { Header = block.Header, LastCommit = block.LastCommit },
                Proposer = proposal.Proposer,
                Signature = proposal.Signature,
            },
        };
        foreach (var envelope in block.Transactions)
        {
            compact.TransactionIds.Add(UnsafeByteOperations.UnsafeWrap(SignBytes.TransactionId(hash, envelope)));
        }

        return new ConsensusMessage { CompactProposal = compact };
    }

    /// <summary>What is wrong with a compact proposal's shape before anything is looked up; null when nothing is.</summary>
    public static string? Malformed(CompactProposal compact)
    {
        if (compact.Proposal is not { Block.Header: { } header } proposal)
        {
            return "no proposal, block or header";
        }

        if (proposal.Block.Transactions.Count > 0)
        {
            return "its block carries transactions beside the ids";
        }

        if (compact.TransactionIds.Count > Blocks.TransactionsPerBlockMax)
        {
            return $"it names {compact.TransactionIds.Count} transactions; a block holds at most {Blocks.TransactionsPerBlockMax}";
        }

        if (compact.TransactionIds.Any(id => id.Length != BlockHashing.HashBytes))
        {
            return "a transaction id is not 32 bytes";
        }

        return new[] { header.PreviousHeaderHash, header.TransactionsRoot, header.ReceiptsRoot, header.StateRoot, header.ValidatorSetHash }.All(h => h.Length == BlockHashing.HashBytes)
            ? null
            : "a header hash field is not 32 bytes";
    }

    /// <summary>The proposal the compact one names: its block (header and last commit as sent) with these envelopes, in order.</summary>
    public static Proposal WithTransactions(Proposal compact, IEnumerable<Envelope> envelopes)
    {
        var proposal = compact.Clone();
        proposal.Block.Transactions.AddRange(envelopes);
        return proposal;
    }

    /// <summary>Whether the block's envelopes give its header's transactions root: the only test that it is the signed block.</summary>
    public static bool RootMatches(INetworkHash hash, Block block) =>
        BlockHashing.TransactionsRoot(hash, block.Transactions).AsSpan().SequenceEqual(block.Header.TransactionsRoot.Span);
}

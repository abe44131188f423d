using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Consensus.Tests.Simulation;

/// <summary>
/// How a node instance acts on what its state machine asks. The honest default broadcasts what the
/// Signer signed; the Byzantine ones wrap the same honest driver and state machine (CometBFT's
/// e2e "misbehaviours", Twins' unmodified code with a duplicated key).
/// </summary>
public class Behaviour
{
    public static Behaviour Honest { get; } = new();

    /// <summary>Honest nodes are the ones every checker holds to the rules.</summary>
    public virtual bool IsHonest => true;

    public virtual string Name => "honest";

    public virtual Vote ChooseVote(SimNode node, Vote vote) => vote;

    public virtual Proposal ChooseProposal(SimNode node, Proposal proposal) => proposal;

    public virtual void SendProposal(SimNode node, Proposal signed) => node.Broadcast(new ProposalMessage(signed));

    public virtual void SendVote(SimNode node, Vote signed) => node.Broadcast(new VoteMessage(signed));

    /// <summary>Signs with the raw validator key, past the Signer: only Byzantine behaviours do this.</summary>
    protected static Proposal SignRaw(SimNode node, Proposal proposal)
    {
        var hash = BlockHashing.HeaderHash(node.Machine.Parameters.Hash, proposal.Block.Header);
        var signed = proposal.Clone();
        signed.Proposer = node.ValidatorId;
        signed.Signature = ByteString.CopyFrom(node.Key.Sign(ConsensusSigning.ProposalSignBytes(node.Machine.Parameters.ChainId, signed, hash)));
        return signed;
    }

    protected static Vote SignRaw(SimNode node, Vote vote)
    {
        var signed = vote.Clone();
        signed.ValidatorId = node.ValidatorId;
        signed.Signature = ByteString.Empty;
        signed.Signature = ByteString.CopyFrom(node.Key.Sign(ConsensusSigning.VoteSignBytes(node.Machine.Parameters.ChainId, signed)));
        return signed;
    }
}

/// <summary>One of two instances with the same key, each with its own Signer store: together they equivocate and forget locks.</summary>
public sealed class Twin : Behaviour
{
    public override bool IsHonest => false;

    public override string Name => "twin";
}

/// <summary>(b) Sends a different block to each peer half at the same (h, r).</summary>
public sealed class EquivocatingProposer(SimRandom random) : Behaviour
{
    public override bool IsHonest => false;

    public override string Name => "equivocating-proposer";

    public override void SendProposal(SimNode node, Proposal signed)
    {
        var (other, _) = Blocks.Propose(node.Machine, node.State, node.Head, node.Mempool.Candidates.Reverse().Take(random.Int(4)), node.ClockMs + 1 + random.Int(500), node.ValidatorId, node.Validators, node.LastCertificate);
        var conflicting = signed.Clone();
        conflicting.Block = other.Block;
        conflicting = SignRaw(node, conflicting);
        foreach (var peer in node.Sim.Nodes)
        {
            node.SendTo(peer.Index, random.Percent(50) ? new ProposalMessage(signed) : new ProposalMessage(conflicting));
        }
    }
}

/// <summary>(c) Sends conflicting prevotes/precommits to different peers, and now and then votes rounds ahead.</summary>
public sealed class DoubleSigningVoter(SimRandom random) : Behaviour
{
    public override bool IsHonest => false;

    public override string Name => "double-signing-voter";

    public override void SendVote(SimNode node, Vote signed)
    {
        var conflicting = signed.Clone();
        conflicting.BlockHash = signed.BlockHash.IsEmpty
            ? ByteString.CopyFrom(node.SeenProposals.TryGetValue(signed.Round, out var seen) ? BlockHashing.HeaderHash(node.Machine.Parameters.Hash, seen.Block.Header) : random.Bytes(BlockHashing.HashBytes))
            : ByteString.Empty;
        conflicting = SignRaw(node, conflicting);
        foreach (var peer in node.Sim.Nodes)
        {
            node.SendTo(peer.Index, new VoteMessage(random.Percent(50) ? signed : conflicting));
        }

        if (random.Percent(20))
        {
            var ahead = signed.Clone();
            ahead.Round += (uint)random.Range(1, 3);
            ahead.BlockHash = ByteString.Empty;
            node.Broadcast(new VoteMessage(SignRaw(node, ahead)));
        }
    }
}

/// <summary>(d) Proposes blocks that break a rule of §5 or §6: honest nodes must prevote nil on every one.</summary>
public sealed class InvalidBlockProposer(SimRandom random) : Behaviour
{
    public override bool IsHonest => false;

    public override string Name => "invalid-block-proposer";

    public override void SendProposal(SimNode node, Proposal signed)
    {
        var block = signed.Block.Clone();
        var hash = node.Machine.Parameters.Hash;
        switch (random.Int(3))
        {
            case 0:
                block.Header.StateRoot = ByteString.CopyFrom(random.Bytes(BlockHashing.HashBytes));
                break;
            case 1:
                block.Transactions.Add(node.Sim.Workload.RefusedTransaction());
                block.Header.TransactionsRoot = ByteString.CopyFrom(BlockHashing.TransactionsRoot(hash, block.Transactions));
                break;
            default:
                block.Header.TimeMs = node.Head.TimeMs;
                break;
        }

        var tampered = signed.Clone();
        tampered.Block = block;
        node.Sim.Checkers.InvalidBlockHashes.Add(Convert.ToHexString(BlockHashing.HeaderHash(hash, block.Header)));
        node.Broadcast(new ProposalMessage(SignRaw(node, tampered)));
    }
}

/// <summary>
/// A deliberately broken honest node (positive control): it ignores its lock and prevotes every
/// valid proposal it has seen instead of nil, and proposes a new block instead of its valid value.
/// A network of them must be caught forking.
/// </summary>
public sealed class LockIgnoring : Behaviour
{
    public override string Name => "lock-ignoring";

    public override Proposal ChooseProposal(SimNode node, Proposal proposal)
    {
        if (proposal.ValidRound < 0)
        {
            return proposal;
        }

        var fresh = proposal.Clone();
        fresh.ValidRound = -1;
        fresh.Block = node.Application.ProposeBlock(proposal.Height, proposal.Round);
        return fresh;
    }

    public override Vote ChooseVote(SimNode node, Vote vote)
    {
        if (vote.Kind != VoteKind.Prevote || !vote.BlockHash.IsEmpty || !node.SeenProposals.TryGetValue(vote.Round, out var seen) || !node.Application.IsValid(seen.Block))
        {
            return vote;
        }

        var changed = vote.Clone();
        changed.BlockHash = ByteString.CopyFrom(BlockHashing.HeaderHash(node.Machine.Parameters.Hash, seen.Block.Header));
        return changed;
    }
}

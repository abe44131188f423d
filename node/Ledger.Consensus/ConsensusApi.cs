using Ledger.Core.Chain;
using Ledger.Core.Protocol;

namespace Ledger.Consensus;

/// <summary>What the state machine asks of the ledger. Both answers must be deterministic functions of the committed state.</summary>
public interface IConsensusApplication
{
    /// <summary>getValue() (paper l.18): a new block for height, built on the committed head, carrying the previous block's certificate.</summary>
    Block ProposeBlock(ulong height, uint round);

    /// <summary>valid(v) (l.23, l.29, l.36, l.50): the block follows the head and every transaction in it commits (Blocks.Validate).</summary>
    bool IsValid(Block block);
}

public enum Step
{
    Propose,
    Prevote,
    Precommit,
}

public enum TimeoutKind
{
    Propose,
    Prevote,
    Precommit,
}

/// <summary>Timeouts grow per round: initial + round × delta (paper, "timeoutX(r)").</summary>
public sealed record TimeoutSettings(TimeSpan Propose, TimeSpan Prevote, TimeSpan Precommit, TimeSpan DeltaPerRound)
{
    public static TimeoutSettings Default { get; } = new(TimeSpan.FromMilliseconds(1000), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(250));

    public TimeSpan For(TimeoutKind kind, uint round) =>
        (kind switch { TimeoutKind.Propose => Propose, TimeoutKind.Prevote => Prevote, _ => Precommit }) + (DeltaPerRound * round);
}

/// <summary>Inputs to the state machine.</summary>
public abstract record ConsensusEvent;

public sealed record ProposalArrived(Proposal Proposal) : ConsensusEvent;

public sealed record VoteArrived(Vote Vote) : ConsensusEvent;

/// <summary>A decided block with its certificate, from a peer (or block sync).</summary>
public sealed record DecisionArrived(Decision Decision) : ConsensusEvent;

public sealed record TimeoutElapsed(TimeoutKind Kind, ulong Height, uint Round) : ConsensusEvent;

/// <summary>Outputs the driver carries out, in order.</summary>
public abstract record ConsensusAction;

/// <summary>Sign (through the Signer, which persists before it releases), broadcast, and feed back as ProposalArrived.</summary>
public sealed record SignAndBroadcastProposal(Proposal Proposal) : ConsensusAction;

/// <summary>Sign (through the Signer), broadcast, and feed back as VoteArrived.</summary>
public sealed record SignAndBroadcastVote(Vote Vote) : ConsensusAction;

public sealed record ScheduleTimeout(TimeoutKind Kind, ulong Height, uint Round, TimeSpan After) : ConsensusAction;

/// <summary>
/// decision_p[h] = v (l.51): commit block with certificate durably, then call StartHeight(h + 1).
/// Until then the state machine ignores everything of the next height.
/// </summary>
public sealed record Commit(Block Block, byte[] BlockHash, CommitCertificate Certificate) : ConsensusAction;

/// <summary>Two conflicting signed votes of one validator were seen; keep them as evidence.</summary>
public sealed record EvidenceFound(DoubleSignEvidence Evidence) : ConsensusAction;

/// <summary>What the state machine is configured with for its whole life; the validator set comes per height.</summary>
public sealed record ConsensusConfig(string ChainId, string ValidatorId, TimeoutSettings Timeouts)
{
    /// <summary>The network hash (genesis), for block hashes.</summary>
    public Ledger.Core.Crypto.INetworkHash Hash { get; init; } = Ledger.Core.Crypto.NetworkHashes.For(HashAlgorithm.Sha256);
}

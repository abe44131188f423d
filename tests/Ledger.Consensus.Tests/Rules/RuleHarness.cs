using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Consensus.Tests.Rules;

/// <summary>Answers getValue() and valid(v) from a list the test controls.</summary>
public sealed class ScriptedApplication : IConsensusApplication
{
    public Block? NextBlock { get; set; }

    public HashSet<string> Invalid { get; } = new(StringComparer.Ordinal);

    public Block ProposeBlock(ulong height, uint round) => NextBlock ?? RuleHarness.MakeBlock(height, 999, RuleHarness.Me);

    public bool IsValid(Block block) => !Invalid.Contains(Convert.ToHexString(RuleHarness.HashOf(block)));
}

/// <summary>
/// One fresh Tendermint for validator Me ("node-bureau") among the four TestLedger validators, fed
/// messages signed with the other validators' TestKeys. Proposers at height 1: round 0 operator,
/// 1 verifier-1, 2 verifier-2, 3 bureau (Me).
/// </summary>
public sealed class RuleHarness
{
    public const string Me = "node-bureau";
    public const string Operator = "node-operator";
    public const string Verifier1 = "node-verifier-1";
    public const string Verifier2 = "node-verifier-2";
    public const ulong Height = 1;

    public static readonly string[] Others = [Operator, Verifier1, Verifier2];

    public RuleHarness(string validatorId = Me)
    {
        Validators = new ValidatorSet(new TestLedger().Genesis.Validators);
        Consensus = new Tendermint(new ConsensusConfig(TestLedger.ChainId, validatorId, Timeouts), Application);
    }

    public static TimeoutSettings Timeouts => TimeoutSettings.Default;

    public ValidatorSet Validators { get; }

    public ScriptedApplication Application { get; } = new();

    public Tendermint Consensus { get; }

    public static byte[] HashOf(Block block) => BlockHashing.HeaderHash(Sha256Hash.Instance, block.Header);

    /// <summary>A block whose header hashes (distinct per tag); valid(v) is the ScriptedApplication's answer.</summary>
    public static Block MakeBlock(ulong height, long tag, string proposer) => new()
    {
        Header = new BlockHeader
        {
            ChainId = TestLedger.ChainId,
            Height = height,
            TimeMs = 1_735_660_800_000 + tag,
            PreviousHeaderHash = Zeros(),
            TransactionsRoot = Zeros(),
            ReceiptsRoot = Zeros(),
            StateRoot = Zeros(),
            ValidatorSetHash = Zeros(),
            Proposer = proposer,
        },
    };

    public IReadOnlyList<ConsensusAction> Start() => Consensus.StartHeight(Height, Validators);

    public IReadOnlyList<ConsensusAction> Propose(uint round, Block block, int validRound = -1, string? proposer = null) =>
        Consensus.Handle(new ProposalArrived(SignedProposal(round, block, validRound, proposer ?? Validators.Proposer(Height, round).ValidatorId)));

    public static Proposal SignedProposal(uint round, Block block, int validRound, string proposer)
    {
        var proposal = new Proposal { Height = block.Header.Height, Round = round, ValidRound = validRound, Block = block, Proposer = proposer };
        proposal.Signature = ByteString.CopyFrom(TestKeys.For(proposer).Sign(ConsensusSigning.ProposalSignBytes(TestLedger.ChainId, proposal, HashOf(block))));
        return proposal;
    }

    public static Vote SignedVote(VoteKind kind, uint round, Block? block, string validator, ulong height = Height)
    {
        var vote = new Vote { Kind = kind, Height = height, Round = round, BlockHash = block is null ? ByteString.Empty : ByteString.CopyFrom(HashOf(block)), ValidatorId = validator };
        vote.Signature = ByteString.CopyFrom(TestKeys.For(validator).Sign(ConsensusSigning.VoteSignBytes(TestLedger.ChainId, vote)));
        return vote;
    }

    /// <summary>Votes of kind for block (null = nil) from each validator; the actions of all of them.</summary>
    public List<ConsensusAction> Votes(VoteKind kind, uint round, Block? block, params string[] validators) =>
        validators.SelectMany(v => Consensus.Handle(new VoteArrived(SignedVote(kind, round, block, v)))).ToList();

    public IReadOnlyList<ConsensusAction> Timeout(TimeoutKind kind, uint round) => Consensus.Handle(new TimeoutElapsed(kind, Height, round));

    /// <summary>From the current round to the next through l.47 and l.65: 2f+1 nil precommits, then the precommit timeout.</summary>
    public void NextRound()
    {
        var round = Consensus.Round;
        Votes(VoteKind.Precommit, round, null, Others);
        Timeout(TimeoutKind.Precommit, round);
        Assert.Equal(round + 1, Consensus.Round);
    }

    /// <summary>Locks Me on block in the current round (l.22 then l.36) with a proposal and the others' prevotes.</summary>
    public void LockOn(Block block)
    {
        var round = Consensus.Round;
        Propose(round, block);
        Votes(VoteKind.Prevote, round, block, Others);
        Assert.Equal((int)round, Consensus.LockedRound);
    }

    public static ByteString Zeros() => ByteString.CopyFrom(new byte[BlockHashing.HashBytes]);
}

public static class ActionAssert
{
    /// <summary>The one vote of kind among actions: its block hash, or null for nil; fails when there is none or several.</summary>
    public static byte[]? SingleVote(IEnumerable<ConsensusAction> actions, VoteKind kind)
    {
        var votes = actions.OfType<SignAndBroadcastVote>().Where(v => v.Vote.Kind == kind).ToList();
        Assert.True(votes.Count == 1, $"expected one {kind}, got {votes.Count}");
        return votes[0].Vote.BlockHash.IsEmpty ? null : votes[0].Vote.BlockHash.ToByteArray();
    }

    public static void NoVote(IEnumerable<ConsensusAction> actions, VoteKind kind) =>
        Assert.DoesNotContain(actions.OfType<SignAndBroadcastVote>(), v => v.Vote.Kind == kind);
}

using Google.Protobuf;
using Ledger.Core;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;

namespace Ledger.Consensus;

/// <summary>
/// Tendermint consensus (Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus",
/// arXiv 1807.04938, Algorithm 1) as a pure state machine: events in, actions out. Comments
/// give the pseudo-code line of each rule. One instance per validator; it never logs, never
/// signs (the driver's Signer does), and never touches the clock, the network or the disk.
/// </summary>
public sealed class Tendermint(ConsensusConfig config, IConsensusApplication application)
{
    /// <summary>Messages further ahead than this many rounds are dropped, which bounds what a Byzantine peer can make us store.</summary>
    public const uint RoundsAheadMax = 1_000;

    /// <summary>Different proposals kept per round: one is honest; more are an equivocating proposer, bounded.</summary>
    public const int ProposalsPerRoundMax = 4;

    private readonly List<ConsensusAction> _actions = [];
    /// <summary>Verified proposals per round, first first. An equivocating proposer may have several; each block stays known by its hash (l.49).</summary>
    private readonly Dictionary<uint, List<(Proposal Proposal, byte[] Hash)>> _proposals = [];
    private readonly Dictionary<string, Block> _blocks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _validity = new(StringComparer.Ordinal);
    private readonly Dictionary<(uint Round, VoteKind Kind), VoteSet> _votes = [];
    private readonly Dictionary<uint, HashSet<string>> _senders = [];
    private readonly HashSet<(uint Round, int Rule)> _firedOnce = [];
    private readonly List<DoubleSignEvidence> _evidence = [];
    private ValidatorSet? _validators;
    private Block? _lockedValue;
    private Block? _validValue;
    private bool _decided;

    public ulong Height { get; private set; }

    public uint Round { get; private set; }

    public Step Step { get; private set; }

    public int LockedRound { get; private set; } = -1;

    public int ValidRound { get; private set; } = -1;

    public IReadOnlyList<DoubleSignEvidence> Evidence => _evidence;

    /// <summary>l.1–10: a new height with its validators (after the previous decision is durable), then StartRound(0).</summary>
    public IReadOnlyList<ConsensusAction> StartHeight(ulong height, ValidatorSet validators)
    {
        Invariant.Require(height > Height, "heights only go up");
        Height = height;
        _validators = validators;
        _proposals.Clear();
        _blocks.Clear();
        _validity.Clear();
        _votes.Clear();
        _senders.Clear();
        _firedOnce.Clear();
        _lockedValue = null;
        _validValue = null;
        LockedRound = -1;
        ValidRound = -1;
        _decided = false;
        return Run(() => StartRound(0));
    }

    public IReadOnlyList<ConsensusAction> Handle(ConsensusEvent consensusEvent)
    {
        if (_validators is null || _decided)
        {
            return [];
        }

        return Run(() =>
        {
            switch (consensusEvent)
            {
                case ProposalArrived arrived: Receive(arrived.Proposal); break;
                case VoteArrived arrived: Receive(arrived.Vote); break;
                case DecisionArrived arrived: Receive(arrived.Decision); break;
                case TimeoutElapsed timeout: OnTimeout(timeout); break;
            }
        });
    }

    private IReadOnlyList<ConsensusAction> Run(Action step)
    {
        _actions.Clear();
        step();
        while (!_decided && ApplyRules())
        {
        }

        return _actions.ToList();
    }

    /// <summary>l.11–21.</summary>
    private void StartRound(uint round)
    {
        Round = round;
        Step = Step.Propose;
        if (_validators!.Proposer(Height, round).ValidatorId != config.ValidatorId)
        {
            Schedule(TimeoutKind.Propose); // l.21
            return;
        }

        // l.14–18: re-propose the valid value with its round, else a new block.
        var block = _validValue ?? application.ProposeBlock(Height, round);
        _actions.Add(new SignAndBroadcastProposal(new Proposal { Height = Height, Round = round, ValidRound = ValidRound, Block = block, Proposer = config.ValidatorId })); // l.19
    }

    private void Receive(Proposal proposal)
    {
        if (proposal.Height != Height || proposal.Block?.Header is not { } header || header.Height != Height || !WithinWindow(proposal.Round)
            || _validators!.Proposer(Height, proposal.Round).ValidatorId != proposal.Proposer || !HasWellFormedHashes(header))
        {
            return;
        }

        if (!_proposals.TryGetValue(proposal.Round, out var proposals))
        {
            _proposals[proposal.Round] = proposals = [];
        }

        var hash = BlockHashing.HeaderHash(config.Hash, header);
        if (proposals.Count >= ProposalsPerRoundMax || proposals.Any(p => p.Hash.AsSpan().SequenceEqual(hash))
            || !ConsensusSigning.VerifyProposal(config.ChainId, proposal, hash, _validators))
        {
            return;
        }

        proposals.Add((proposal, hash));
        _blocks[Hex(hash)] = proposal.Block;
        Heard(proposal.Round, proposal.Proposer);
    }

    private void Receive(Vote vote)
    {
        if (vote.Height != Height || !WithinWindow(vote.Round) || !ConsensusSigning.VerifyVote(config.ChainId, vote, _validators!))
        {
            return;
        }

        var key = (vote.Round, vote.Kind);
        if (!_votes.TryGetValue(key, out var set))
        {
            _votes[key] = set = new VoteSet(_validators!);
        }

        if (set.Add(vote) is { } earlier)
        {
            var evidence = new DoubleSignEvidence { First = earlier, Second = vote };
            if (!_evidence.Any(e => e.First.ValidatorId == vote.ValidatorId && e.First.Round == vote.Round && e.First.Kind == vote.Kind))
            {
                _evidence.Add(evidence);
                _actions.Add(new EvidenceFound(evidence));
            }

            return;
        }

        Heard(vote.Round, vote.ValidatorId);
    }

    /// <summary>A certificate is 2f+1 precommits for the block (l.49) gathered by someone else: decide on it if the block is valid.</summary>
    private void Receive(Decision decision)
    {
        var header = decision.Block?.Header;
        if (header is null || header.Height != Height || decision.Certificate is null || !HasWellFormedHashes(header))
        {
            return;
        }

        var hash = BlockHashing.HeaderHash(config.Hash, header);
        if (CommitCertificates.Problem(decision.Certificate, config.ChainId, Height, hash, _validators!) is null && IsValid(decision.Block!, hash))
        {
            Decide(decision.Block!, hash, decision.Certificate);
        }
    }

    private void OnTimeout(TimeoutElapsed timeout)
    {
        if (timeout.Height != Height || timeout.Round != Round)
        {
            return;
        }

        switch (timeout.Kind)
        {
            case TimeoutKind.Propose when Step == Step.Propose: // l.57–60
                Vote(VoteKind.Prevote, null);
                Step = Step.Prevote;
                break;
            case TimeoutKind.Prevote when Step == Step.Prevote: // l.61–64
                Vote(VoteKind.Precommit, null);
                Step = Step.Precommit;
                break;
            case TimeoutKind.Precommit: // l.65–67
                StartRound(Round + 1);
                break;
        }
    }

    /// <summary>Applies the first upon-rule that fires; the caller repeats until none does.</summary>
    private bool ApplyRules() =>
        ProposalWithoutPolka() || ProposalWithPolka() || PrevoteTimeout() || LockOnPolka() || PrecommitNil()
        || PrecommitTimeout() || DecideOnCommit() || SkipRound();

    /// <summary>l.22–27.</summary>
    private bool ProposalWithoutPolka()
    {
        if (Step != Step.Propose || FirstProposal(Round) is not { } p || p.Proposal.ValidRound != -1)
        {
            return false;
        }

        var acceptable = IsValid(p.Proposal.Block, p.Hash) && (LockedRound == -1 || IsLocked(p.Hash));
        Vote(VoteKind.Prevote, acceptable ? p.Hash : null);
        Step = Step.Prevote;
        return true;
    }

    /// <summary>l.28–33, the unlock rule: a re-proposal of a value with a polka in round vr.</summary>
    private bool ProposalWithPolka()
    {
        if (Step != Step.Propose || FirstProposal(Round) is not { } p)
        {
            return false;
        }

        var vr = p.Proposal.ValidRound;
        if (vr < 0 || vr >= Round || !IsQuorum((uint)vr, VoteKind.Prevote, p.Hash))
        {
            return false;
        }

        var acceptable = IsValid(p.Proposal.Block, p.Hash) && (LockedRound <= vr || IsLocked(p.Hash));
        Vote(VoteKind.Prevote, acceptable ? p.Hash : null);
        Step = Step.Prevote;
        return true;
    }

    /// <summary>l.34–35.</summary>
    private bool PrevoteTimeout()
    {
        if (Step != Step.Prevote || !AnyQuorum(Round, VoteKind.Prevote) || !FirstTime(Round, 34))
        {
            return false;
        }

        Schedule(TimeoutKind.Prevote);
        return true;
    }

    /// <summary>l.36–43: lock on a polka for the proposal of this round; in every case remember it as the valid value.</summary>
    private bool LockOnPolka()
    {
        if (Step == Step.Propose || !_proposals.TryGetValue(Round, out var proposals))
        {
            return false;
        }

        var polka = proposals.FirstOrDefault(c => IsQuorum(Round, VoteKind.Prevote, c.Hash));
        if (polka.Proposal is null || !IsValid(polka.Proposal.Block, polka.Hash) || !FirstTime(Round, 36))
        {
            return false;
        }

        var p = polka;

        if (Step == Step.Prevote)
        {
            _lockedValue = p.Proposal.Block; // l.38–39
            LockedRound = (int)Round;
            Vote(VoteKind.Precommit, p.Hash); // l.40
            Step = Step.Precommit;
        }

        _validValue = p.Proposal.Block; // l.42–43
        ValidRound = (int)Round;
        return true;
    }

    /// <summary>l.44–46.</summary>
    private bool PrecommitNil()
    {
        if (Step != Step.Prevote || !IsQuorum(Round, VoteKind.Prevote, null))
        {
            return false;
        }

        Vote(VoteKind.Precommit, null);
        Step = Step.Precommit;
        return true;
    }

    /// <summary>l.47–48.</summary>
    private bool PrecommitTimeout()
    {
        if (!AnyQuorum(Round, VoteKind.Precommit) || !FirstTime(Round, 47))
        {
            return false;
        }

        Schedule(TimeoutKind.Precommit);
        return true;
    }

    /// <summary>l.49–54, in any round: a known, valid block with 2f+1 precommits is decided.</summary>
    private bool DecideOnCommit()
    {
        foreach (var ((round, kind), set) in _votes.OrderBy(v => v.Key.Round))
        {
            if (kind != VoteKind.Precommit)
            {
                continue;
            }

            foreach (var hash in set.QuorumHashes())
            {
                if (_blocks.TryGetValue(Hex(hash), out var block) && IsValid(block, hash))
                {
                    Decide(block, hash, ConsensusSigning.Certificate(Height, round, hash, set.For(hash)));
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>l.55–56: f+1 of the power has been heard from at a higher round.</summary>
    private bool SkipRound()
    {
        var ahead = _senders.Where(s => s.Key > Round && IsMoreThanThird(s.Value)).Select(s => (uint?)s.Key).Max();
        if (ahead is not { } round)
        {
            return false;
        }

        StartRound(round);
        return true;
    }

    private void Decide(Block block, byte[] hash, CommitCertificate certificate)
    {
        _decided = true; // l.51; the driver commits, then StartHeight(h+1) (l.52–54)
        _actions.Add(new Commit(block, hash, certificate));
    }

    private void Vote(VoteKind kind, byte[]? hash) =>
        _actions.Add(new SignAndBroadcastVote(new Vote
        {
            Kind = kind,
            Height = Height,
            Round = Round,
            BlockHash = hash is null ? ByteString.Empty : ByteString.CopyFrom(hash),
            ValidatorId = config.ValidatorId,
        }));

    private void Schedule(TimeoutKind kind) =>
        _actions.Add(new ScheduleTimeout(kind, Height, Round, config.Timeouts.For(kind, Round)));

    private bool IsValid(Block block, byte[] hash)
    {
        var key = Hex(hash);
        if (!_validity.TryGetValue(key, out var valid))
        {
            valid = application.IsValid(block);
            _validity[key] = valid;
        }

        return valid;
    }

    private (Proposal Proposal, byte[] Hash)? FirstProposal(uint round) =>
        _proposals.TryGetValue(round, out var proposals) && proposals.Count > 0 ? proposals[0] : null;

    /// <summary>Checked before a header is hashed: a malformed header from any peer is ignored, never thrown on.</summary>
    private static bool HasWellFormedHashes(BlockHeader header) =>
        header.PreviousHeaderHash.Length == BlockHashing.HashBytes && header.TransactionsRoot.Length == BlockHashing.HashBytes
        && header.ReceiptsRoot.Length == BlockHashing.HashBytes && header.StateRoot.Length == BlockHashing.HashBytes
        && header.ValidatorSetHash.Length == BlockHashing.HashBytes;

    private bool IsLocked(byte[] hash) =>
        _lockedValue is not null && BlockHashing.HeaderHash(config.Hash, _lockedValue.Header).AsSpan().SequenceEqual(hash);

    private bool IsQuorum(uint round, VoteKind kind, byte[]? hash) =>
        _votes.TryGetValue((round, kind), out var set) && _validators!.IsQuorum(set.PowerFor(hash ?? []));

    private bool AnyQuorum(uint round, VoteKind kind) =>
        _votes.TryGetValue((round, kind), out var set) && _validators!.IsQuorum(set.TotalPower);

    private bool IsMoreThanThird(HashSet<string> senders)
    {
        var power = senders.Aggregate(0UL, (sum, id) => sum + _validators!.Find(id)!.Power);
        return power * 3 > _validators!.TotalPower;
    }

    private void Heard(uint round, string validatorId)
    {
        if (!_senders.TryGetValue(round, out var senders))
        {
            _senders[round] = senders = new HashSet<string>(StringComparer.Ordinal);
        }

        senders.Add(validatorId);
    }

    private bool FirstTime(uint round, int rule) => _firedOnce.Add((round, rule));

    private bool WithinWindow(uint round) => round <= (ulong)Round + RoundsAheadMax;

    private static string Hex(byte[] hash) => Convert.ToHexString(hash);
}

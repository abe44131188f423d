using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Consensus.Tests.Simulation;

/// <summary>
/// One simulated validator instance: the driver around a Tendermint state machine. Durable: the
/// signer's store and the committed blocks. Volatile (lost at a crash): the state machine, the
/// mempool, buffered decisions and its own latest messages.
/// </summary>
public sealed class SimNode
{
    /// <summary>Block sync answers at most this many decisions per request.</summary>
    public const int SyncBatchMax = 16;

    /// <summary>A node asks for sync at most this often.</summary>
    public const long SyncRequestIntervalMs = 250;

    /// <summary>Decisions further ahead than this are not buffered.</summary>
    public const ulong PendingDecisionsAheadMax = 64;

    private readonly Simulation _sim;
    private readonly Queue<ConsensusEvent> _ownEvents = new();
    private readonly Dictionary<ulong, Decision> _pendingDecisions = [];
    private Tendermint? _consensus;
    private Signer? _signer;
    private NodeApplication? _application;
    private long _lastSyncRequestMs = -SyncRequestIntervalMs;
    private int? _writesUntilCrash;

    public SimNode(Simulation sim, int index, string validatorId, Behaviour behaviour, long clockOffsetMs)
    {
        _sim = sim;
        Index = index;
        ValidatorId = validatorId;
        Behaviour = behaviour;
        ClockOffsetMs = clockOffsetMs;
        SignerStore.AfterWrite = DurableWrite;
        Machine = new LedgerStateMachine(ChainParameters.FromGenesis(sim.Genesis));
        Mempool = new Mempool(sim.TransactionId);
        State = new InMemoryState();
        Head = ChainHead.Genesis(sim.Genesis);
    }

    public int Index { get; }

    public Simulation Sim => _sim;

    public Ledger.Core.Crypto.SigningKey Key => _sim.KeyOf(ValidatorId);

    public string ValidatorId { get; }

    public Behaviour Behaviour { get; }

    public bool IsHonest => Behaviour.IsHonest;

    public long ClockOffsetMs { get; }

    public string Name => $"{ValidatorId}#{Index}";

    public DurableSignerStore SignerStore { get; } = new();

    public List<StoredBlock> Chain { get; } = [];

    /// <summary>
    /// The durable consensus log of DESIGN §7 rule 2, reduced to what this driver needs: its own signed
    /// messages of the current height, synced before they are broadcast, dropped at the commit
    /// (end-of-height). A restarted node re-sends them and feeds them to its fresh state machine.
    /// </summary>
    public List<SimMessage> ConsensusLog { get; } = [];

    public bool Up { get; private set; }

    /// <summary>Changes at every crash, so timers of an earlier life do nothing.</summary>
    public int Incarnation { get; private set; }

    public LedgerStateMachine Machine { get; }

    public Mempool Mempool { get; private set; }

    public InMemoryState State { get; private set; }

    public ChainHead Head { get; private set; }

    /// <summary>The validators of the height being decided, as this node's committed state schedules them (a ChangeValidators takes effect at h + 2).</summary>
    public ValidatorSet Validators => ValidatorSchedules.At(State, CommittedHeight + 1);

    public CommitCertificate? LastCertificate => Chain.Count == 0 ? null : Chain[^1].Certificate;

    public ulong CommittedHeight => (ulong)Chain.Count;

    public Tendermint Consensus => _consensus!;

    public NodeApplication Application => _application!;

    public long ClockMs => _sim.Genesis.GenesisTimeMs + _sim.Queue.NowMs + ClockOffsetMs;

    /// <summary>
    /// Own signed messages of the current height (all rounds), re-broadcast at every timeout and gossip
    /// tick so loss is survivable: a re-proposal with valid round vr needs round vr's prevotes again.
    /// </summary>
    private readonly List<SimMessage> _ownMessages = [];

    /// <summary>Prevotes received at the current height by (round, validator): the polka of ValidRound is relayed (CometBFT's POL gossip).</summary>
    private readonly Dictionary<(uint Round, string Validator), Vote> _prevotes = [];

    public Proposal? LastProposal { get; private set; }

    public Vote? LastPrevote { get; private set; }

    public Vote? LastPrecommit { get; private set; }

    /// <summary>Every proposal this node received for its current height, by round: what a Byzantine wrapper may use.</summary>
    public Dictionary<uint, Proposal> SeenProposals { get; } = [];

    /// <summary>(Re)starts from durable state: committed blocks replayed onto genesis, a fresh Tendermint, the stored signer state.</summary>
    public void Start()
    {
        State = new InMemoryState();
        State.Apply(_sim.GenesisExecution.Changes);
        Head = ChainHead.Genesis(_sim.Genesis);
        foreach (var stored in Chain)
        {
            State.Apply(stored.Changes);
            Head = new ChainHead(stored.Block.Header.Height, stored.HeaderHash, stored.Block.Header.TimeMs);
        }

        Mempool = new Mempool(_sim.TransactionId);
        _pendingDecisions.Clear();
        _ownEvents.Clear();
        _application = new NodeApplication(this);
        _signer = new Signer(_sim.KeysOf(ValidatorId), ValidatorId, _sim.Genesis.ChainId, SignerStore);
        _consensus = new Tendermint(new ConsensusConfig(_sim.Genesis.ChainId, ValidatorId, _sim.Timeouts) { Hash = Machine.Parameters.Hash }, _application);
        Up = true;
        Guarded(() =>
        {
            BeginHeight(CommittedHeight + 1);
            ReplayOwnMessages();
        });
    }

    public void Crash()
    {
        Up = false;
        Incarnation++;
        _writesUntilCrash = null;
    }

    /// <summary>Loses the chain data, keeps the signer's state.</summary>
    public void WipeChain()
    {
        Chain.Clear();
        ConsensusLog.Clear();
    }

    /// <summary>Crash right after the k-th durable write from now (a signer save or a block commit).</summary>
    public void CrashAtWrite(int writes) => _writesUntilCrash = writes;

    public void Receive(int from, SimMessage message) => Guarded(() => Dispatch(from, message));

    public void Submit(Envelope envelope)
    {
        if (Up)
        {
            Mempool.Add(envelope);
        }
    }

    public void Timeout(int incarnation, TimeoutElapsed timeout)
    {
        if (!Up || incarnation != Incarnation)
        {
            return;
        }

        Guarded(() =>
        {
            RebroadcastOwn();
            Handle(timeout);
        });
    }

    /// <summary>An optional gossip timer, independent of the state machine's timeouts.</summary>
    public void GossipTick(int incarnation)
    {
        if (Up && incarnation == Incarnation)
        {
            Guarded(RebroadcastOwn);
        }
    }

    public void Broadcast(SimMessage message)
    {
        foreach (var peer in _sim.Nodes)
        {
            _sim.Network.Send(Index, peer.Index, message);
        }
    }

    public void SendTo(int peer, SimMessage message) => _sim.Network.Send(Index, peer, message);

    /// <summary>The stored signer's (h, r, step) and bytes of the last signature, for checkers.</summary>
    public SignerState? LastSigned => SignerStore.Saved;

    private void Guarded(Action action)
    {
        if (!Up)
        {
            return;
        }

        try
        {
            action();
        }
        catch (NodeCrashed)
        {
            _sim.OnCrashPoint(this);
        }
    }

    private void DurableWrite()
    {
        if (_writesUntilCrash is { } left)
        {
            _writesUntilCrash = left - 1;
            if (left - 1 == 0)
            {
                throw new NodeCrashed();
            }
        }
    }

    private void Dispatch(int from, SimMessage message)
    {
        var height = CommittedHeight + 1;
        if (message is SyncRequest request)
        {
            AnswerSync(from, request.FromHeight);
            return;
        }

        if (message.Height > height)
        {
            if (message is DecisionMessage early && message.Height <= height + PendingDecisionsAheadMax)
            {
                _pendingDecisions.TryAdd(message.Height, early.Decision);
            }

            RequestSync(from);
            return;
        }

        if (message.Height < height)
        {
            return;
        }

        switch (message)
        {
            case ProposalMessage p:
                SeenProposals.TryAdd(p.Proposal.Round, p.Proposal);
                Handle(new ProposalArrived(p.Proposal));
                break;
            case VoteMessage v:
                if (v.Vote.Kind == VoteKind.Prevote)
                {
                    _prevotes.TryAdd((v.Vote.Round, v.Vote.ValidatorId), v.Vote);
                }

                Handle(new VoteArrived(v.Vote));
                break;
            case DecisionMessage d:
                Handle(new DecisionArrived(d.Decision));
                break;
            case AnnouncementMessage a:
                Announced(from, a.Certificate);
                break;
        }
    }

    /// <summary>As BftConsensus does (D49): the certificate's precommits as votes; block sync from the sender if that did not decide the height.</summary>
    private void Announced(int from, CommitCertificate certificate)
    {
        foreach (var vote in ConsensusSigning.Precommits(certificate))
        {
            _ownEvents.Enqueue(new VoteArrived(vote));
        }

        Drain();
        if (CommittedHeight < certificate.Height)
        {
            RequestSync(from);
        }
    }

    /// <summary>After a restart: the logged own messages of this height, and the signer's last vote if the crash came between sign and log.</summary>
    private void ReplayOwnMessages()
    {
        var height = CommittedHeight + 1;
        var logged = ConsensusLog.Where(m => m.Height == height).ToList();
        if (_sim.Options.OwnMessageLog && ReconstructLastVote() is { } last && last.Height == height && !logged.OfType<VoteMessage>().Any(v => v.Vote.Equals(last)))
        {
            logged.Add(new VoteMessage(last));
        }

        foreach (var message in logged)
        {
            _ownMessages.Add(message);
            Broadcast(message);
            _ownEvents.Enqueue(message is ProposalMessage p ? new ProposalArrived(p.Proposal) : new VoteArrived(((VoteMessage)message).Vote));
        }

        Drain();
    }

    /// <summary>The vote whose sign bytes and signature the signer stored: nil, or the block hash that ends the sign bytes.</summary>
    private Vote? ReconstructLastVote()
    {
        if (SignerStore.Saved is not { Step: SignStep.Prevote or SignStep.Precommit } saved)
        {
            return null;
        }

        foreach (var hash in new[] { ByteString.Empty, ByteString.CopyFrom(saved.SignBytes.AsSpan(Math.Max(0, saved.SignBytes.Length - BlockHashing.HashBytes))) })
        {
            var vote = new Vote
            {
                Kind = saved.Step == SignStep.Prevote ? VoteKind.Prevote : VoteKind.Precommit,
                Height = saved.Height,
                Round = saved.Round,
                BlockHash = hash,
                ValidatorId = ValidatorId,
            };
            if (ConsensusSigning.VoteSignBytes(_sim.Genesis.ChainId, vote).AsSpan().SequenceEqual(saved.SignBytes))
            {
                vote.Signature = ByteString.CopyFrom(saved.Signature);
                return vote;
            }
        }

        return null;
    }

    private void RequestSync(int peer)
    {
        if (_sim.Queue.NowMs - _lastSyncRequestMs >= SyncRequestIntervalMs)
        {
            _lastSyncRequestMs = _sim.Queue.NowMs;
            SendTo(peer, new SyncRequest(CommittedHeight + 1));
        }
    }

    private void AnswerSync(int peer, ulong fromHeight)
    {
        for (var h = fromHeight; h <= CommittedHeight && h < fromHeight + SyncBatchMax; h++)
        {
            var stored = Chain[(int)(h - 1)];
            SendTo(peer, new DecisionMessage(new Decision { Block = stored.Block, Certificate = stored.Certificate }));
        }
    }

    private void BeginHeight(ulong height)
    {
        LastProposal = null;
        LastPrevote = null;
        LastPrecommit = null;
        SeenProposals.Clear();
        _ownMessages.Clear();
        _prevotes.Clear();
        var validators = Validators;
        _signer!.UseKeyFor(validators);
        Execute(_consensus!.StartHeight(height, validators));
        if (_pendingDecisions.Remove(height, out var decision))
        {
            _ownEvents.Enqueue(new DecisionArrived(decision));
        }

        foreach (var stale in _pendingDecisions.Keys.Where(h => h < height).ToList())
        {
            _pendingDecisions.Remove(stale);
        }

        Drain();
    }

    private void Handle(ConsensusEvent consensusEvent)
    {
        _ownEvents.Enqueue(consensusEvent);
        Drain();
    }

    private void Drain()
    {
        while (Up && _ownEvents.TryDequeue(out var next))
        {
            Execute(_consensus!.Handle(next));
        }
    }

    private void Execute(IReadOnlyList<ConsensusAction> actions)
    {
        foreach (var action in actions)
        {
            switch (action)
            {
                case SignAndBroadcastProposal p: SignProposal(Behaviour.ChooseProposal(this, p.Proposal)); break;
                case SignAndBroadcastVote v: SignVote(Behaviour.ChooseVote(this, v.Vote)); break;
                case ScheduleTimeout t: ScheduleTimeout(t); break;
                case Commit c: CommitBlock(c); break;
                case EvidenceFound e: _sim.Checkers.OnEvidence(this, e.Evidence); break;
            }
        }
    }

    private void SignProposal(Proposal proposal)
    {
        var hash = BlockHashing.HeaderHash(Machine.Parameters.Hash, proposal.Block.Header);
        var signed = _signer!.Sign(proposal, hash);
        if (signed is null)
        {
            // The signer refuses (a restart re-proposing other bytes at the same round). The proposer has
            // no propose timeout (l.21 is for the others), so without one it would wait in step propose
            // for a proposal that never comes; CometBFT's enterPropose schedules it for the proposer too.
            ScheduleTimeout(new ScheduleTimeout(TimeoutKind.Propose, proposal.Height, proposal.Round, _sim.Timeouts.For(TimeoutKind.Propose, proposal.Round)));
            return;
        }

        _sim.Checkers.OnSigned(this, SignStep.Proposal, proposal.Height, proposal.Round, _signer.Last!.SignBytes);
        LastProposal = signed;
        Log(new ProposalMessage(signed));
        Behaviour.SendProposal(this, signed);
        _ownEvents.Enqueue(new ProposalArrived(signed));
    }

    private void SignVote(Vote vote)
    {
        var signed = _signer!.Sign(vote);
        if (signed is null)
        {
            return;
        }

        var step = vote.Kind == VoteKind.Prevote ? SignStep.Prevote : SignStep.Precommit;
        _sim.Checkers.OnSigned(this, step, vote.Height, vote.Round, _signer.Last!.SignBytes);
        _sim.Checkers.OnVote(this, signed);
        Log(new VoteMessage(signed));
        if (vote.Kind == VoteKind.Prevote)
        {
            LastPrevote = signed;
        }
        else
        {
            LastPrecommit = signed;
        }

        Behaviour.SendVote(this, signed);
        _ownEvents.Enqueue(new VoteArrived(signed));
    }

    private void Log(SimMessage message)
    {
        _ownMessages.Add(message);
        if (_sim.Options.OwnMessageLog)
        {
            ConsensusLog.Add(message);
            DurableWrite();
        }
    }

    private void ScheduleTimeout(ScheduleTimeout t)
    {
        var incarnation = Incarnation;
        var timeout = new TimeoutElapsed(t.Kind, t.Height, t.Round);
        _sim.Queue.After((long)t.After.TotalMilliseconds, () => Timeout(incarnation, timeout));
    }

    private void RebroadcastOwn()
    {
        foreach (var message in _ownMessages)
        {
            Broadcast(message);
        }

        if (_consensus!.ValidRound >= 0)
        {
            foreach (var ((round, _), vote) in _prevotes.Where(p => p.Key.Round == (uint)_consensus.ValidRound))
            {
                Broadcast(new VoteMessage(vote));
            }
        }
    }

    /// <summary>Commit: validate against the committed state, store block + certificate + changes in one write, announce the certificate, next height.</summary>
    private void CommitBlock(Commit commit)
    {
        var height = commit.Block.Header.Height;
        if (height != CommittedHeight + 1)
        {
            throw new SimulationFailure($"{Name} was asked to commit height {height} at committed height {CommittedHeight}");
        }

        var executed = _application!.Validated(commit.Block)
            ?? throw new SimulationFailure($"{Name} was asked to commit an invalid block at height {height}: {Blocks.Validate(Machine, State, Head, commit.Block).Problem}");
        if (!executed.HeaderHash.AsSpan().SequenceEqual(commit.BlockHash))
        {
            throw new SimulationFailure($"{Name}: the Commit action's hash is not the block's header hash at height {height}");
        }

        var stored = new StoredBlock(commit.Block, executed.HeaderHash, commit.Certificate, executed.Execution.Changes, executed.Execution.StateRoot);
        Chain.Add(stored);
        ConsensusLog.Clear();
        State.Apply(executed.Execution.Changes);
        Head = new ChainHead(height, executed.HeaderHash, commit.Block.Header.TimeMs);
        Mempool.Remove(commit.Block.Transactions);
        _application.Committed();
        _sim.Checkers.OnCommit(this, stored);
        DurableWrite();
        Broadcast(_sim.Options.AnnounceCertificates ? new AnnouncementMessage(commit.Certificate) : new DecisionMessage(new Decision { Block = commit.Block, Certificate = commit.Certificate }));
        BeginHeight(height + 1);
    }
}

using System.Threading.Channels;
using Ledger.Consensus;
using Ledger.Core;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Ledger.Node.Chain;
using Ledger.Node.Observability;
using Ledger.Node.Options;
using Ledger.Node.Peers;
using Microsoft.Extensions.Options;

namespace Ledger.Node.Consensus;

/// <summary>
/// Drives the Tendermint state machine for a validator among several: one loop takes events
/// (peer messages, timeouts) from a bounded inbox, hands them to the state machine, and carries
/// out its actions — signing through the Signer (durable before release), broadcasting, timers,
/// and committing decided blocks. It logs what the state machine decides; the machine never logs.
/// Before it starts a height it catches up with its peers, so it never votes on a stale head.
/// </summary>
public sealed partial class BftConsensus : IConsensusEngine
{
    public const int InboxMax = 100_000;

    /// <summary>While a height is open, own messages are sent again this often: a lost message must not stall the height.</summary>
    public static readonly TimeSpan RebroadcastInterval = TimeSpan.FromMilliseconds(500);
    public const uint SyncBatchMax = 100;

    private readonly NodeChain _chain;
    private readonly Mempool.Mempool _mempool;
    private readonly PeerNetwork _network;
    private readonly TimeProvider _clock;
    private readonly ILogger<BftConsensus> _logger;
    private readonly NodeOptions _options;
    private readonly Signer _signer;
    private readonly NodeApplication _application;
    private readonly Tendermint _machine;
    private readonly Channel<ConsensusEvent> _inbox = Channel.CreateBounded<ConsensusEvent>(new BoundedChannelOptions(InboxMax) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly List<ConsensusMessage> _ownMessages = [];
    private readonly List<ITimer> _timers = [];
    private readonly FileConsensusLog _log;
    private readonly TimeoutSettings _timeouts;
    private readonly NodeMetrics _metrics;
    private DateTimeOffset _heightStartedAt;
    private bool _replaying;
    private bool _heightStarted;
    private DateTimeOffset _idleSince;
    private ulong _syncWanted;
    private ITimer? _intervalTimer;
    private int _intervalGeneration;
    private bool _intervalOver;

    public BftConsensus(NodeChain chain, Mempool.Mempool mempool, PeerNetwork network, SigningKey validatorKey, TimeProvider clock, NodeMetrics metrics, IOptions<NodeOptions> options, ILogger<BftConsensus> logger)
    {
        _metrics = metrics;
        _chain = chain;
        _mempool = mempool;
        _network = network;
        _clock = clock;
        _logger = logger;
        _options = options.Value;
        var keys = _options.NextKeyFile.Length == 0 ? [validatorKey] : new[] { validatorKey, NodeFile.LoadKey(_options.NextKeyFile) };
        _signer = new Signer(keys, _options.NodeId, chain.Genesis.ChainId, new RocksDbSignerStore(chain.Store));
        _application = new NodeApplication(chain, mempool, clock, _options.NodeId, TimeSpan.FromMilliseconds(_options.BlockBuildMsMax));
        var timeouts = new TimeoutSettings(
            TimeSpan.FromMilliseconds(_options.TimeoutProposeMs),
            TimeSpan.FromMilliseconds(_options.TimeoutPrevoteMs),
            TimeSpan.FromMilliseconds(_options.TimeoutPrecommitMs),
            TimeSpan.FromMilliseconds(_options.TimeoutDeltaMs));
        _log = new FileConsensusLog(Path.Combine(_options.DataDirectory, "LEDGER-CONSENSUS.wal"));
        _timeouts = timeouts;
        _idleSince = clock.GetUtcNow();
        _machine = new Tendermint(new ConsensusConfig(chain.Genesis.ChainId, _options.NodeId, timeouts) { Hash = chain.Machine.Parameters.Hash }, _application);
        CheckValidatorKeys(keys);
        mempool.AdmittedFromClient += network.Gossip;
        mempool.Arrived += () => _inbox.Writer.TryWrite(new Wake());
    }

    /// <summary>A message from a peer (PeerService). Never blocks: a full inbox drops its oldest event.</summary>
    public void Deliver(PeerConsensusMessage message) => _inbox.Writer.TryWrite(new FromPeer(message));

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Run(cancellationToken);
        }
        finally
        {
            // Timers would otherwise post to the inbox of a stopped node until they are collected.
            _intervalTimer?.Dispose();
            foreach (var timer in _timers)
            {
                timer.Dispose();
            }

            _timers.Clear();
        }
    }

    private async Task Run(CancellationToken cancellationToken)
    {
        _running = cancellationToken;
        _network.Start();
        if (_log.TornBytes > 0)
        {
            _logger.LogWarning("Cut a torn record of {Bytes} bytes off the consensus log", _log.TornBytes);
        }

        await FollowAfterRestore(cancellationToken);
        Replay();
        await CatchUp(cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            var next = await NextEvent(cancellationToken);
            if (next is IntervalOver over && over.Generation == _intervalGeneration)
            {
                _intervalOver = true;
            }

            if (!_heightStarted && ShouldStartHeight(next))
            {
                _heightStarted = true;
                _heightStartedAt = _clock.GetUtcNow();
                _logger.LogDebug("Starting height {Height} ({Reason})", _chain.Head.Height + 1, next?.GetType().Name ?? "idle");
                _timers.Add(_clock.CreateTimer(_ => _inbox.Writer.TryWrite(new Rebroadcast()), null, RebroadcastInterval, RebroadcastInterval));
                Execute(_machine.StartHeight(_chain.Head.Height + 1, ValidatorsSigningWith(_chain.Head.Height + 1)));
            }

            if (next is FromPeer { Message.Message.KindCase: ConsensusMessage.KindOneofCase.Announcement } announced)
            {
                Announced(announced.Message);
            }
            else
            {
                if (_syncWanted > _chain.Head.Height)
                {
                    await CatchUp(cancellationToken);
                    continue;
                }

                if (_heightStarted && next is not null)
                {
                    Execute(Handle(next));
                }
            }

            // An announcement may ask for block sync; the next event may be a minute away on an idle network.
            if (_syncWanted > _chain.Head.Height)
            {
                await CatchUp(cancellationToken);
            }
        }
    }

    /// <summary>
    /// A height starts when there is something to decide: a transaction waits here, a peer is already
    /// proposing or voting at it, or the heartbeat interval has passed. So an idle network makes no blocks.
    /// </summary>
    private bool ShouldStartHeight(ConsensusEvent? next) =>
        (_mempool.Count > 0 && BlockDue())
        || (next is FromPeer { Message.Message: var message } && HeightOf(message) == _chain.Head.Height + 1
            && message.KindCase is ConsensusMessage.KindOneofCase.Proposal or ConsensusMessage.KindOneofCase.Vote or ConsensusMessage.KindOneofCase.CompactProposal)
        || _clock.GetUtcNow() - _idleSince > TimeSpan.FromMilliseconds(_options.EmptyBlockIntervalMs);

    /// <summary>
    /// BftBlockIntervalMs has passed since the last commit, or BlockTransactionsTarget transactions wait (D56). The
    /// interval's own timer decides, not a second reading of the clock: a timer that fires a millisecond before the
    /// clock agrees would otherwise leave a lone transaction waiting for the next event (EmptyBlockIntervalMs on an idle network).
    /// </summary>
    private bool BlockDue() =>
        _options.BftBlockIntervalMs == 0
        || _intervalOver
        || _mempool.Count >= _options.BlockTransactionsTarget
        || _clock.GetUtcNow() - _idleSince >= TimeSpan.FromMilliseconds(_options.BftBlockIntervalMs);

    private static ulong HeightOf(ConsensusMessage? message) => message?.KindCase switch
    {
        ConsensusMessage.KindOneofCase.Proposal => message.Proposal.Height,
        ConsensusMessage.KindOneofCase.Vote => message.Vote.Height,
        ConsensusMessage.KindOneofCase.Decision => message.Decision.Block?.Header?.Height ?? 0,
        ConsensusMessage.KindOneofCase.Announcement => message.Announcement.Certificate?.Height ?? 0,
        ConsensusMessage.KindOneofCase.CompactProposal => message.CompactProposal.Proposal?.Height ?? 0,
        _ => 0UL,
    };

    private async Task<ConsensusEvent?> NextEvent(CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(TimeSpan.FromMilliseconds(_options.EmptyBlockIntervalMs));
        try
        {
            return await _inbox.Reader.ReadAsync(idle.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private IReadOnlyList<ConsensusAction> Handle(ConsensusEvent next)
    {
        switch (next)
        {
            case FromPeer { Message: var peer }:
                return HandlePeer(peer);
            case Rebroadcast:
                // Peers may have missed our messages (a link was down): say them again.
                foreach (var message in _ownMessages)
                {
                    Broadcast(message);
                }

                return [];
            default:
                return _machine.Handle(next);
        }
    }

    private IReadOnlyList<ConsensusAction> HandlePeer(PeerConsensusMessage peer)
    {
        var message = peer.Message;
        var height = HeightOf(message);
        if (height > _chain.Head.Height + 1)
        {
            _syncWanted = Math.Max(_syncWanted, height - 1);
            return [];
        }

        if (message!.KindCase == ConsensusMessage.KindOneofCase.CompactProposal)
        {
            // Logged as the proposal it rebuilds to, if it does (D53): the log replays whole proposals only.
            return height == _chain.Head.Height + 1 ? Rebuild(peer) : [];
        }

        if (height == _chain.Head.Height + 1)
        {
            _log.Append(message, own: false);
        }

        return HandleLogged(message);
    }

    /// <summary>Carries out actions in order; own signed messages go back into the state machine like a peer's.</summary>
    private void Execute(IReadOnlyList<ConsensusAction> actions)
    {
        var pending = new Queue<ConsensusAction>(actions);
        while (pending.TryDequeue(out var action))
        {
            foreach (var follow in Execute(action))
            {
                pending.Enqueue(follow);
            }
        }

        _metrics.Round = _machine.Round;
    }

    private IReadOnlyList<ConsensusAction> Execute(ConsensusAction action)
    {
        switch (action)
        {
            case SignAndBroadcastProposal { Proposal: var proposal }:
                var headerHash = BlockHashing.HeaderHash(_chain.Machine.Parameters.Hash, proposal.Block.Header);
                var signedProposal = _signer.Sign(proposal, headerHash);
                if (signedProposal is null)
                {
                    // After a restart the signer refuses a different proposal at the same (h, r): wait out the
                    // round as a non-proposer would (l.21), or this round would never end.
                    Schedule(new ScheduleTimeout(TimeoutKind.Propose, proposal.Height, proposal.Round, _timeouts.For(TimeoutKind.Propose, proposal.Round)));
                    return [];
                }

                Serve(signedProposal, headerHash);
                return Send(new ConsensusMessage { Proposal = signedProposal }, new ProposalArrived(signedProposal));
            case SignAndBroadcastVote { Vote: var vote }:
                var signedVote = _signer.Sign(vote);
                return signedVote is null ? [] : Send(new ConsensusMessage { Vote = signedVote }, new VoteArrived(signedVote));
            case ScheduleTimeout timeout:
                _logger.LogDebug("Height {Height} round {Round}: {Kind} timeout in {After} ms (step {Step})", timeout.Height, timeout.Round, timeout.Kind, timeout.After.TotalMilliseconds, _machine.Step);
                Schedule(timeout);
                return [];
            case Commit commit:
                CommitDecided(commit.Block, commit.Certificate);
                return [];
            case EvidenceFound { Evidence: var evidence }:
                EvidenceStore.Add(_chain.Store, evidence);
                _logger.LogWarning("Validator {Validator} signed two {Kind}s at height {Height} round {Round}", evidence.First.ValidatorId, evidence.First.Kind, evidence.First.Height, evidence.First.Round);
                return [];
            default:
                return [];
        }
    }

    /// <summary>Rule 2 of DESIGN §7: logged and synced before it leaves; nothing leaves during replay.</summary>
    private IReadOnlyList<ConsensusAction> Send(ConsensusMessage message, ConsensusEvent own)
    {
        if (!_ownMessages.Any(m => m.Equals(message)))
        {
            _log.Append(message, own: true);
            _ownMessages.Add(message);
        }

        if (!_replaying)
        {
            Broadcast(message);
        }

        return _machine.Handle(own);
    }

    /// <summary>
    /// After a restart, the open height is replayed from the log (own and peers' messages) so the
    /// state machine gets back its lock and valid value; the Signer hands back the same signatures
    /// for the same bytes. Nothing is sent during replay.
    /// </summary>
    private void Replay()
    {
        var records = _log.Recovered;
        var marker = records.Select((r, i) => (r, i)).LastOrDefault(x => x.r.KindCase == ConsensusLogRecord.KindOneofCase.EndHeight);
        var height = _chain.Head.Height + 1;
        if (marker.r is null || marker.r.EndHeight != _chain.Head.Height)
        {
            // An empty log, or one from before the last commit: nothing of the open height to replay.
            _log.EndHeight(_chain.Head.Height);
            return;
        }

        var messages = records.Skip(marker.i + 1).Where(r => r.Message is not null && HeightOf(r.Message) == height).ToList();
        if (messages.Count == 0)
        {
            return;
        }

        _replaying = true;
        _heightStarted = true;
        _heightStartedAt = _clock.GetUtcNow();
        Execute(_machine.StartHeight(height, ValidatorsSigningWith(height)));
        foreach (var record in messages)
        {
            if (record.Own && !_ownMessages.Any(m => m.Equals(record.Message)))
            {
                _ownMessages.Add(record.Message);
            }

            if (record.Own && record.Message.Proposal is { Block.Header: { } header } own)
            {
                Serve(own, BlockHashing.HeaderHash(_chain.Machine.Parameters.Hash, header));
            }

            Execute(HandleLogged(record.Message));
        }

        _replaying = false;
        _logger.LogInformation("Replayed {Messages} logged messages of height {Height}; round {Round}, locked round {LockedRound}", messages.Count, height, _machine.Round, _machine.LockedRound);
        _timers.Add(_clock.CreateTimer(_ => _inbox.Writer.TryWrite(new Rebroadcast()), null, RebroadcastInterval, RebroadcastInterval));
    }

    private IReadOnlyList<ConsensusAction> HandleLogged(ConsensusMessage message) => message.KindCase switch
    {
        ConsensusMessage.KindOneofCase.Proposal => _machine.Handle(new ProposalArrived(message.Proposal)),
        ConsensusMessage.KindOneofCase.Vote => _machine.Handle(new VoteArrived(message.Vote)),
        ConsensusMessage.KindOneofCase.Decision => _machine.Handle(new DecisionArrived(message.Decision)),
        ConsensusMessage.KindOneofCase.Announcement => Precommits(message.Announcement.Certificate),
        _ => [],
    };

    /// <summary>A certificate's precommits, handed to the state machine one by one as if they had come as votes.</summary>
    private List<ConsensusAction> Precommits(CommitCertificate? certificate)
    {
        var actions = new List<ConsensusAction>();
        if (certificate is null)
        {
            return actions;
        }

        foreach (var vote in ConsensusSigning.Precommits(certificate))
        {
            actions.AddRange(_machine.Handle(new VoteArrived(vote)));
        }

        return actions;
    }

    /// <summary>
    /// A peer committed a height and sent its certificate without the block (D49). Already committed here: nothing
    /// to do (nearly always). Further ahead: block sync, as for any message from ahead. The open height: the
    /// certificate's precommits go to the state machine as votes, so it decides if it holds the proposed block
    /// (l.49); if that did not decide it, the block is not here and block sync fetches it from a peer that has it.
    /// A certificate that does not verify changes nothing.
    /// </summary>
    private void Announced(PeerConsensusMessage peer)
    {
        var certificate = peer.Message.Announcement.Certificate;
        var head = _chain.Head.Height;
        if (certificate is null || certificate.Height <= head)
        {
            return;
        }

        if (certificate.Height > head + 1)
        {
            _syncWanted = Math.Max(_syncWanted, certificate.Height);
            return;
        }

        if (CommitCertificates.Problem(certificate, _chain.Genesis.ChainId, certificate.Height, certificate.BlockHash.Span, _chain.ValidatorsAt(certificate.Height)) is { } problem)
        {
            _logger.LogWarning("Refused an announcement of height {Height} from {Peer}: {Problem}", certificate.Height, peer.From, problem);
            return;
        }

        // Not started: no proposal or vote of this height has come (either would have started it), so the block is not here.
        if (_heightStarted)
        {
            _log.Append(peer.Message, own: false);
            Execute(Precommits(certificate));
        }

        if (_chain.Head.Height < certificate.Height)
        {
            // Missed, or it came while this node was a height behind (such a message is dropped), or it is still on its way.
            _logger.LogInformation("Height {Height} was announced committed by {Peer} and its proposed block is not here: block sync", certificate.Height, peer.From);
            _syncWanted = Math.Max(_syncWanted, certificate.Height);
        }
    }

    private void Schedule(ScheduleTimeout timeout)
    {
        var elapsed = new TimeoutElapsed(timeout.Kind, timeout.Height, timeout.Round);
        ITimer? timer = null;
        timer = _clock.CreateTimer(_ => _inbox.Writer.TryWrite(elapsed), null, timeout.After, Timeout.InfiniteTimeSpan);
        _timers.Add(timer);
    }

    private void CommitDecided(Block block, CommitCertificate certificate)
    {
        var (executed, problem) = _application.Validate(block);
        Invariant.Require(problem is null, $"a decided block is valid here: {problem}");
        _chain.Commit(executed!, certificate);
        _log.EndHeight(block.Header.Height);
        if (!_replaying)
        {
            _metrics.Committed(_clock.GetUtcNow() - _heightStartedAt);
            // The certificate only: peers that voted hold the block; one that does not fetches it by block sync (D49).
            _network.Broadcast(new ConsensusMessage { Announcement = new Announcement { Certificate = certificate } });
        }

        _logger.LogInformation("Committed block {Height} in round {Round} with {Transactions} transactions", block.Header.Height, certificate.Round, block.Transactions.Count);
        EndHeight();
    }

    private void EndHeight()
    {
        _heightStarted = false;
        _idleSince = _clock.GetUtcNow();
        // A Wake taken while the height was open is gone: without this the next height would wait for some other event.
        if (_mempool.Count > 0)
        {
            _inbox.Writer.TryWrite(new Wake());
        }

        // D56: the interval's end is an event of its own, in case nothing else arrives by then; the generation tells
        // a timer of this height from one of an earlier height that fired while it was being replaced.
        _intervalTimer?.Dispose();
        _intervalOver = false;
        var generation = ++_intervalGeneration;
        _intervalTimer = _options.BftBlockIntervalMs == 0
            ? null
            : _clock.CreateTimer(_ => _inbox.Writer.TryWrite(new IntervalOver(generation)), null, TimeSpan.FromMilliseconds(_options.BftBlockIntervalMs), Timeout.InfiniteTimeSpan);

        _ownMessages.Clear();
        _compactOf.Clear();
        _compactSeen.Clear();
        foreach (var timer in _timers)
        {
            timer.Dispose();
        }

        _timers.Clear();
    }

    /// <summary>Block sync: while a peer is ahead, fetch its decided blocks and apply each after checking it as the auditor would.</summary>
    private async Task CatchUp(CancellationToken cancellationToken)
    {
        var startHeight = _chain.Head.Height;
        var progressed = true;
        while (progressed && !cancellationToken.IsCancellationRequested)
        {
            progressed = false;
            foreach (var peer in _network.Peers)
            {
                var height = await _network.HeightOf(peer.ValidatorId, cancellationToken);
                if (height is not { } theirs || theirs <= _chain.Head.Height)
                {
                    continue;
                }

                await foreach (var decision in _network.Decisions(peer.ValidatorId, _chain.Head.Height + 1, SyncBatchMax, cancellationToken))
                {
                    if (!ApplySynced(decision, peer.ValidatorId))
                    {
                        break;
                    }

                    progressed = true;
                }
            }
        }

        // Only a height that moved ends the open one: the state machine never starts a height twice.
        if (_chain.Head.Height != startHeight)
        {
            EndHeight();
        }

        _syncWanted = 0;
    }

    private bool ApplySynced(Decision decision, string peer)
    {
        var block = decision.Block;
        if (block?.Header is null || decision.Certificate is null)
        {
            _logger.LogWarning("A decision without block or certificate from {Peer} was refused during sync", peer);
            return false;
        }

        var (executed, problem) = _application.Validate(block);
        problem ??= CommitCertificates.Problem(decision.Certificate, _chain.Genesis.ChainId, block.Header.Height, executed!.HeaderHash, _chain.ValidatorsAt(block.Header.Height));
        if (problem is not null)
        {
            _logger.LogWarning("Block {Height} from {Peer} refused during sync: {Problem}", block.Header.Height, peer, problem);
            return false;
        }

        _chain.Commit(executed!, decision.Certificate);
        _log.EndHeight(block.Header.Height);
        _logger.LogInformation("Synced block {Height} from {Peer}", block.Header.Height, peer);
        return true;
    }

    /// <summary>
    /// The validators of height, after choosing the key they name for this node (a ChangeValidators
    /// re-key takes effect at h + 2): votes signed with any other key would be refused by every peer.
    /// Logs when the key changes, or when this node stops or starts being a validator.
    /// </summary>
    private ValidatorSet ValidatorsSigningWith(ulong height)
    {
        var validators = _chain.ValidatorsAt(height);
        var before = _signer.ActiveKey;
        var now = _signer.UseKeyFor(validators);
        if (Equals(before, now))
        {
            return validators;
        }

        if (now is not null)
        {
            _logger.LogInformation("Height {Height}: validator {Validator} signs with key {Key} from now on", height, _options.NodeId, KeyName(now));
        }
        else if (validators.Find(_options.NodeId) is { PublicKey: var named })
        {
            _logger.LogError("Height {Height}: the validator set names key {Key} for {Validator}, which neither KeyFile nor NextKeyFile holds; this node does not sign", height, KeyName(named), _options.NodeId);
        }
        else
        {
            _logger.LogWarning("Height {Height}: {Validator} is not in the validator set; this node follows the chain without signing", height, _options.NodeId);
        }

        return validators;
    }

    private static string KeyName(PublicKey key) => Convert.ToBase64String(key.Key.Span);

    /// <summary>
    /// Says at start when the local chain names none of this node's keys for it. Not fatal: a validator
    /// added or re-keyed after the local head (an organisation rejoining with a new key, a fresh data
    /// directory) learns it by block sync, and signs from the height whose set names its key.
    /// </summary>
    private void CheckValidatorKeys(IReadOnlyList<SigningKey> keys)
    {
        var schedule = new Ledger.Core.State.LedgerState(new Ledger.Core.State.StateOverlay(_chain.State)).GetValidatorSchedule();
        var named = schedule?.Sets.SelectMany(s => s.Validators).Where(v => v.ValidatorId == _options.NodeId).Select(v => v.PublicKey).ToList() ?? [];
        if (!keys.Any(k => named.Contains(k.ToPublicKey())))
        {
            _logger.LogWarning(
                "Up to height {Height} no validator set names {Validator} with a key of KeyFile or NextKeyFile; the node follows the chain and signs only from a height whose set does",
                _chain.Head.Height,
                _options.NodeId);
        }
    }

    private sealed record FromPeer(PeerConsensusMessage Message) : ConsensusEvent;

    private sealed record Wake : ConsensusEvent;

    private sealed record IntervalOver(int Generation) : ConsensusEvent;

    private sealed record Rebroadcast : ConsensusEvent;
}

using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Consensus.Tests.Simulation;

/// <summary>What a seed stresses: the fault family decides the Byzantine nodes; the seed draws everything else.</summary>
public enum Family
{
    /// <summary>Honest validators under loss, delay, duplication, replay, partitions, crashes at durable writes and a wiped node.</summary>
    Honest,
    SevenValidators,
    /// <summary>One validator runs twice (f = 1): equivocation and amnesia from unmodified code.</summary>
    Twins,
    EquivocatingProposer,
    DoubleSigningVoter,
    InvalidBlockProposer,
    /// <summary>Positive control: two twinned validators of four (more than f) in a fixed split must fork.</summary>
    TwoTwins,
    /// <summary>Positive control: every node ignores its lock; the fork checker must catch it.</summary>
    LockIgnoring,
    /// <summary>
    /// Honest validators under the Honest faults; mid-run the bureau re-keys one validator (ChangeValidators,
    /// effective at h + 2) and votes signed with its old key keep arriving after the switch: all must be ignored.
    /// </summary>
    KeyRotation,
}

/// <summary>Outcome of one run: a failure (with the replay command) or the heights reached.</summary>
public sealed record SimulationResult(string Scenario, string? Failure, ulong HeightMin, ulong HeightMax, long Events, long TimeMs, int Evidence, int TransactionsCommitted, string Digest, FaultCounts Faults)
{
    public bool Forked => Failure?.Contains(Checkers.ForkPrefix, StringComparison.Ordinal) == true;
}

/// <summary>
/// One deterministic run: a discrete-event loop over one queue, seeded by one ulong. A safety phase
/// with the seed's faults, then a liveness phase (VOPR's second phase): faults heal, crashed nodes
/// restart, and the honest nodes must pass the highest height at the heal by HeightsAfterHeal
/// within LivenessBudgetMs of simulated time.
/// </summary>
public sealed class Simulation
{
    public const long ClientTickMs = 200;
    public const long LivenessBudgetMs = 60_000;
    public const ulong HeightsAfterHeal = 3;

    private static readonly string[] ExtraValidators = ["node-extra-1", "node-extra-2", "node-extra-3"];

    private readonly SimRandom _random;
    private readonly SimRandom _faults;
    private readonly Dictionary<string, SigningKey> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<int, ulong> _amnesiaHeight = [];
    private long _healAtMs;
    private ulong? _livenessTarget;
    private bool _healed;

    public Simulation(Family family, ulong seed, SimulationOptions? options = null)
    {
        Family = family;
        Seed = seed;
        Options = options ?? SimulationOptions.Default;
        _random = new SimRandom(seed);
        _faults = _random.Fork();
        // Development rules without expert review: the workload's owners go apply → notice → approve,
        // close to the transaction pattern the simulation's fixed seeds were chosen with.
        var ledger = new TestLedger(rules: new GenesisRules { NoticeWorkingDays = 0, ReviewOpinionsRequired = 0, DevelopmentRules = true });
        Genesis = ledger.Genesis;
        if (family == Family.SevenValidators)
        {
            foreach (var id in ExtraValidators)
            {
                Genesis.Validators.Add(new Validator { ValidatorId = id, PublicKey = TestKeys.For(id).ToPublicKey(), Power = 10 });
            }
        }

        Validators = new ValidatorSet(Genesis.Validators);
        GenesisExecution = ledger.Machine.ApplyGenesis(Genesis);
        Hash = ledger.Machine.Parameters.Hash;
        Queue = new EventQueue();
        var behaviours = Behaviours();
        Network = new SimNetwork(Queue, _random.Fork(), behaviours.Count) { Deliver = (from, to, message) => Nodes![to].Receive(from, message) };
        Nodes = behaviours.Select((b, i) => new SimNode(this, i, b.ValidatorId, b.Behaviour, _random.Range(0, 80))).ToList();
        Checkers = new Checkers(this);
        Workload = new Workload(this, _random.Fork());
        Faults = new NetworkFaults(
            DropPercent: family == Family.LockIgnoring ? 20 + _faults.Int(11) : _faults.Int(31),
            DelayMinMs: (int)_faults.Range(1, 20),
            DelayMaxMs: (int)_faults.Range(30, 300),
            DuplicatePercent: _faults.Int(21),
            ReplayPercent: _faults.Int(6));
        SafetyPhaseMs = _faults.Range(6_000, 12_000);
        if (family == Family.KeyRotation)
        {
            // Drawn last, so the other families' runs are unchanged by this one.
            RotatedValidator = Validators.Validators.OrderBy(v => v.ValidatorId, StringComparer.Ordinal).ElementAt(_random.Int(Validators.Validators.Count)).ValidatorId;
            RotateAtMs = _faults.Range(500, SafetyPhaseMs / 2);
            _oldKeyRandom = _random.Fork();
        }
    }

    /// <summary>KeyRotation: the validator the bureau re-keys, and when its client submits the change.</summary>
    public string? RotatedValidator { get; }

    public long RotateAtMs { get; }

    /// <summary>KeyRotation: the first height the new key signs (the change's height + 2), once the change is committed.</summary>
    public ulong? RotationEffectiveHeight =>
        Workload.RotationId is { } id && Workload.Committed.TryGetValue(id, out var committedAt) ? committedAt + ValidatorSchedules.EffectDelayHeights : null;

    private readonly SimRandom? _oldKeyRandom;

    public Family Family { get; }

    public ulong Seed { get; }

    public SimulationOptions Options { get; }

    public Genesis Genesis { get; }

    public ValidatorSet Validators { get; }

    public BlockExecution GenesisExecution { get; }

    public INetworkHash Hash { get; }

    public EventQueue Queue { get; }

    public SimNetwork Network { get; }

    public List<SimNode> Nodes { get; }

    public Checkers Checkers { get; }

    public Workload Workload { get; }

    public NetworkFaults Faults { get; }

    public long SafetyPhaseMs { get; }

    public FaultCounts Injected { get; } = new();

    public TimeoutSettings Timeouts => TimeoutSettings.Default;

    /// <summary>The command that replays this run.</summary>
    public string ReplayCommand => $"LEDGER_SIM_SEED={Family}:{Seed} dotnet test tests/Ledger.Consensus.Tests --filter FullyQualifiedName~Replay_LEDGER_SIM_SEED";

    public string Describe() =>
        $"{Family} seed {Seed}: {Nodes.Count} instances of {Validators.Validators.Count} validators ({string.Join(", ", Nodes.Where(n => !n.IsHonest).Select(n => $"{n.Name} {n.Behaviour.Name}"))}), " +
        $"drop {Faults.DropPercent}%, delay {Faults.DelayMinMs}-{Faults.DelayMaxMs} ms, duplicate {Faults.DuplicatePercent}%, replay {Faults.ReplayPercent}%, safety phase {SafetyPhaseMs} ms";

    public SigningKey KeyOf(string validatorId)
    {
        if (!_keys.TryGetValue(validatorId, out var key))
        {
            _keys[validatorId] = key = TestKeys.For(validatorId);
        }

        return key;
    }

    /// <summary>The key ChangeValidators gives a validator in the KeyRotation family.</summary>
    public SigningKey NextKeyOf(string validatorId) => KeyOf(validatorId + "-next");

    /// <summary>What a validator's signer holds: in the KeyRotation family its current and next key.</summary>
    public IReadOnlyList<SigningKey> KeysOf(string validatorId) =>
        Family == Family.KeyRotation ? [KeyOf(validatorId), NextKeyOf(validatorId)] : [KeyOf(validatorId)];

    public string TransactionId(Envelope envelope) => Convert.ToHexStringLower(SignBytes.TransactionId(Hash, envelope));

    public SimulationResult Run()
    {
        string? failure = null;
        try
        {
            Schedule();
            while (Queue.Step(Deadline))
            {
                if (LivenessReached())
                {
                    break;
                }
            }

            if (Family != Family.TwoTwins && Family != Family.LockIgnoring && !LivenessReached())
            {
                throw new SimulationFailure($"liveness: the honest nodes are at heights {string.Join(", ", Honest.Select(n => n.CommittedHeight))} at {Queue.NowMs} ms; {_livenessTarget} was due within {LivenessBudgetMs} ms of the heal at {_healAtMs} ms");
            }

            Checkers.Final();
            if (Family == Family.KeyRotation)
            {
                CheckRotation();
            }
        }
        catch (Exception e) when (e is SimulationFailure or Ledger.Core.InvariantViolationException or InvalidOperationException or ArgumentException)
        {
            var what = e is SimulationFailure ? e.Message : $"a node threw {e}";
            failure = $"{what}\n  at {Queue.NowMs} ms, event {Queue.Processed}\n  scenario: {Describe()}\n  replay: {ReplayCommand}";
        }

        var heights = Honest.Select(n => n.CommittedHeight).DefaultIfEmpty().ToList();
        Injected.MessagesDropped = Network.MessagesDropped;
        return new SimulationResult(Describe(), failure, heights.Min(), heights.Max(), Queue.Processed, Queue.NowMs, Checkers.EvidenceSeen, Workload.Committed.Count, Digest(), Injected);
    }

    public IEnumerable<SimNode> Honest => Nodes.Where(n => n.IsHonest);

    private long Deadline => Family switch
    {
        Family.TwoTwins => Options.ControlRunMs,
        Family.LockIgnoring => SafetyPhaseMs,
        _ => SafetyPhaseMs + LivenessBudgetMs,
    };

    /// <summary>Whether a node may crash now: at most one node has forgotten its lock at a time (there is no consensus log here).</summary>
    public bool MayCrash(SimNode node) =>
        !_healed && node.Up && (Options.AmnesiaUnbounded || _amnesiaHeight.All(a => a.Key == node.Index || (Nodes[a.Key].Up && Nodes[a.Key].CommittedHeight >= a.Value)));

    /// <summary>A crash injected at a durable write: down now, back after a random pause (or at the heal).</summary>
    public void OnCrashPoint(SimNode node)
    {
        Injected.CrashesAtWrite++;
        CrashNow(node, _faults.Range(200, 3_000), wipe: false);
    }

    private bool LivenessReached()
    {
        if (!_healed || _livenessTarget is not { } target)
        {
            return false;
        }

        if (Family == Family.KeyRotation)
        {
            // Also a few heights signed with the new key, with old-key votes arriving all along.
            target = RotationEffectiveHeight is { } effective ? Math.Max(target, effective + HeightsAfterHeal) : ulong.MaxValue;
        }

        return Honest.All(n => n.CommittedHeight >= target);
    }

    private void Schedule()
    {
        foreach (var node in Nodes)
        {
            node.Start();
            if (Options.GossipIntervalMs > 0)
            {
                ScheduleGossip(node);
            }
        }

        Network.Faults = Family is Family.TwoTwins ? NetworkFaults.Calm : Faults;
        Workload.Start();
        ScheduleClients();
        if (Family is Family.TwoTwins)
        {
            // {A1, B1, C} | {A2, B2, D}: each side holds three distinct validators, so each can decide.
            Network.Split([0, 0, 0, 1, 1, 1], PartitionKind.Fixed);
            return;
        }

        SchedulePartitions();
        if (Family is Family.Honest or Family.SevenValidators or Family.KeyRotation)
        {
            ScheduleCrashes();
        }

        if (Family is Family.KeyRotation)
        {
            ScheduleOldKeyInjection();
        }

        Queue.At(SafetyPhaseMs, Heal);
    }

    private void ScheduleGossip(SimNode node)
    {
        Queue.After(Options.GossipIntervalMs, () =>
        {
            node.GossipTick(node.Incarnation);
            ScheduleGossip(node);
        });
    }

    private void ScheduleClients()
    {
        Queue.After(ClientTickMs, () =>
        {
            Workload.Tick();
            ScheduleClients();
        });
    }

    private void SchedulePartitions()
    {
        if (Family is not (Family.Twins or Family.LockIgnoring) && !_faults.Percent(70))
        {
            return;
        }

        var t = _faults.Range(0, 1_500);
        while (t < SafetyPhaseMs)
        {
            var duration = _faults.Range(300, 4_000);
            // The lock matters when one node decides while the others cannot hear it: mute partitions.
            var kind = Family == Family.LockIgnoring ? 2 : _faults.Int(3);
            var seed = _faults.Next();
            Queue.At(t, () => Partition(kind, new SimRandom(seed)));
            Queue.At(Math.Min(t + duration, SafetyPhaseMs), () => Network.Heal());
            t += duration + _faults.Range(100, 2_500);
        }
    }

    private void Partition(int kind, SimRandom random)
    {
        if (_healed)
        {
            return;
        }

        Injected.Partitions++;
        if (Family == Family.Twins)
        {
            // The two instances of the twinned validator are always on different sides.
            var sides = Nodes.Select(n => n.IsHonest ? random.Int(2) : 0).ToList();
            sides[Nodes.FindLastIndex(n => !n.IsHonest)] = 1;
            Network.Split(sides, PartitionKind.RandomHalves);
            return;
        }

        switch (kind)
        {
            case 0:
                Network.Split(Nodes.Select(_ => random.Int(2)).ToList(), PartitionKind.RandomHalves);
                break;
            case 1:
                var isolated = random.Int(Nodes.Count);
                Network.Split(Nodes.Select(n => n.Index == isolated ? 1 : 0).ToList(), PartitionKind.IsolateOne);
                break;
            default:
                Network.Mute(random.Int(Nodes.Count));
                break;
        }
    }

    private void ScheduleCrashes()
    {
        var crashes = _faults.Int(Options.CrashesMax + 1);
        for (var i = 0; i < crashes; i++)
        {
            var at = _faults.Range(500, SafetyPhaseMs - 500);
            var node = Nodes[_faults.Int(Nodes.Count)];
            var pause = _faults.Range(200, 4_000);
            var writes = _faults.Percent(50) ? (int?)_faults.Range(1, 6) : null;
            Queue.At(at, () =>
            {
                if (!MayCrash(node))
                {
                    return;
                }

                if (writes is { } k)
                {
                    node.CrashAtWrite(k);
                }
                else
                {
                    CrashNow(node, pause, wipe: false);
                }
            });
        }

        if (_faults.Percent(30))
        {
            var node = Nodes[_faults.Int(Nodes.Count)];
            var pause = _faults.Range(200, 3_000);
            Queue.At(_faults.Range(2_000, SafetyPhaseMs - 500), () =>
            {
                if (MayCrash(node))
                {
                    CrashNow(node, pause, wipe: true);
                }
            });
        }
    }

    private void CrashNow(SimNode node, long pauseMs, bool wipe)
    {
        _amnesiaHeight[node.Index] = node.CommittedHeight + 1;
        node.Crash();
        Injected.Crashes++;
        if (wipe)
        {
            Injected.Wipes++;
            node.WipeChain();
        }

        var incarnation = node.Incarnation;
        Queue.After(pauseMs, () => Restart(node, incarnation));
    }

    private void Restart(SimNode node, int incarnation)
    {
        if (!node.Up && node.Incarnation == incarnation)
        {
            node.Start();
        }
    }

    /// <summary>The liveness phase: every fault heals, every crashed node restarts; Byzantine nodes keep going.</summary>
    private void Heal()
    {
        _healed = true;
        _healAtMs = Queue.NowMs;
        Network.Heal();
        Network.Faults = Faults with { DropPercent = 0, DuplicatePercent = 0, ReplayPercent = 0 };
        foreach (var node in Nodes.Where(n => !n.Up))
        {
            node.Start();
        }

        _livenessTarget = Honest.Max(n => n.CommittedHeight) + HeightsAfterHeal;
    }

    /// <summary>
    /// After the rotation takes effect, the old key signs conflicting votes (for a block that does not exist)
    /// at the rotated validator's current height and round and sends them to everyone. A node that counted
    /// one would report double-sign evidence against an honest validator, which the checkers refuse
    /// (signing these with the new key instead makes every seed fail that way).
    /// </summary>
    private void ScheduleOldKeyInjection()
    {
        Queue.After(OldKeyInjectionIntervalMs, () =>
        {
            InjectOldKeyVotes();
            ScheduleOldKeyInjection();
        });
    }

    public const long OldKeyInjectionIntervalMs = 150;

    private void InjectOldKeyVotes()
    {
        if (RotationEffectiveHeight is not { } effective)
        {
            return;
        }

        var sender = Nodes.First(n => n.ValidatorId == RotatedValidator);
        var height = sender.Up ? sender.CommittedHeight + 1 : Honest.Max(n => n.CommittedHeight) + 1;
        if (height < effective)
        {
            return;
        }

        var round = sender.Up ? sender.Consensus.Round : 0;
        var bogus = _oldKeyRandom!.Bytes(BlockHashing.HashBytes);
        foreach (var kind in new[] { VoteKind.Prevote, VoteKind.Precommit })
        {
            var vote = new Vote { Kind = kind, Height = height, Round = round, BlockHash = Google.Protobuf.ByteString.CopyFrom(bogus), ValidatorId = RotatedValidator! };
            vote.Signature = Google.Protobuf.ByteString.CopyFrom(KeyOf(RotatedValidator!).Sign(Ledger.Consensus.ConsensusSigning.VoteSignBytes(Genesis.ChainId, vote)));
            foreach (var node in Nodes)
            {
                Network.Send(sender.Index, node.Index, new VoteMessage(vote));
                Injected.OldKeyVotes++;
            }
        }
    }

    /// <summary>The rotation committed, old-key votes were injected after it, and the rotated validator signed past it with its new key.</summary>
    private void CheckRotation()
    {
        if (RotationEffectiveHeight is not { } effective)
        {
            throw new SimulationFailure($"the re-key of {RotatedValidator} never committed");
        }

        if (Injected.OldKeyVotes == 0)
        {
            throw new SimulationFailure($"no vote signed with {RotatedValidator}'s old key was injected after height {effective}");
        }

        var rotated = Nodes.First(n => n.ValidatorId == RotatedValidator);
        if (rotated.LastSigned is not { } last || last.Height < effective
            || !SignatureSuites.Verify(NextKeyOf(RotatedValidator!).ToPublicKey(), last.SignBytes, last.Signature))
        {
            throw new SimulationFailure($"{RotatedValidator} did not sign with its new key from height {effective} (last signed height {rotated.LastSigned?.Height})");
        }
    }

    /// <summary>Everything a rerun must reproduce: each node's head hash, height and signer state.</summary>
    private string Digest() =>
        string.Join(";", Nodes.Select(n => $"{n.CommittedHeight}:{(n.Chain.Count == 0 ? "-" : Convert.ToHexStringLower(n.Chain[^1].HeaderHash)[..16])}:{n.LastSigned?.Height}/{n.LastSigned?.Round}/{n.LastSigned?.Step}"))
        + $";events {Queue.Processed}";

    private List<(string ValidatorId, Behaviour Behaviour)> Behaviours()
    {
        var ids = Genesis.Validators.Select(v => v.ValidatorId).Order(StringComparer.Ordinal).ToList();
        var byzantine = _random.Int(ids.Count);
        var nodes = ids.Select(id => (id, Behaviour.Honest)).ToList();
        switch (Family)
        {
            case Family.Twins:
                nodes[byzantine] = (ids[byzantine], new Twin());
                nodes.Add((ids[byzantine], new Twin()));
                break;
            case Family.TwoTwins:
                var second = (byzantine + 1 + _random.Int(ids.Count - 1)) % ids.Count;
                var honest = ids.Where((_, i) => i != byzantine && i != second).ToList();
                return [(ids[byzantine], new Twin()), (ids[second], new Twin()), (honest[0], Behaviour.Honest), (ids[byzantine], new Twin()), (ids[second], new Twin()), (honest[1], Behaviour.Honest)];
            case Family.EquivocatingProposer:
                nodes[byzantine] = (ids[byzantine], new EquivocatingProposer(_random.Fork()));
                break;
            case Family.DoubleSigningVoter:
                nodes[byzantine] = (ids[byzantine], new DoubleSigningVoter(_random.Fork()));
                break;
            case Family.InvalidBlockProposer:
                nodes[byzantine] = (ids[byzantine], new InvalidBlockProposer(_random.Fork()));
                break;
            case Family.LockIgnoring:
                return ids.Select(id => (id, (Behaviour)new LockIgnoring())).ToList();
        }

        return nodes;
    }
}

/// <summary>What a run actually injected, so a corpus can be checked for coverage.</summary>
public sealed class FaultCounts
{
    public int Crashes { get; set; }

    public int CrashesAtWrite { get; set; }

    public int Wipes { get; set; }

    public int Partitions { get; set; }

    public long MessagesDropped { get; set; }

    /// <summary>KeyRotation: votes signed with the replaced key sent after the switch.</summary>
    public long OldKeyVotes { get; set; }

    public override string ToString() => $"crashes {Crashes} (at a write {CrashesAtWrite}), wipes {Wipes}, partitions {Partitions}, messages dropped {MessagesDropped}" + (OldKeyVotes > 0 ? $", old-key votes {OldKeyVotes}" : "");
}

/// <summary>Driver options that are not part of the fault model.</summary>
public sealed record SimulationOptions(long GossipIntervalMs, long ControlRunMs, bool OwnMessageLog = true, bool AmnesiaUnbounded = false, int CrashesMax = 3, bool AnnounceCertificates = true)
{
    /// <summary>
    /// The driver re-broadcasts its own latest messages at every timeout and on a gossip timer: the paper
    /// assumes gossip delivers every message eventually, and after a loss in step prevote or precommit
    /// with fewer than 2f+1 votes no timeout is pending (l.34, l.47), so timeouts alone can deadlock.
    /// </summary>
    public static SimulationOptions Default { get; } = new(GossipIntervalMs: 1_000, ControlRunMs: 8_000);

    /// <summary>Exactly the driver contract of the brief: re-broadcast only when a timeout elapses.</summary>
    public static SimulationOptions RebroadcastAtTimeoutsOnly { get; } = Default with { GossipIntervalMs = 0 };

    /// <summary>Exactly the restart of the brief: signer state and blocks survive, the node's own messages of the height do not.</summary>
    public static SimulationOptions WithoutOwnMessageLog { get; } = Default with { OwnMessageLog = false };

    /// <summary>
    /// After a commit a node broadcasts the whole block with its certificate, as nodes did before D49, instead of the
    /// certificate alone. The checkers' positive controls keep it: their seeds were chosen with it.
    /// </summary>
    public static SimulationOptions WithDecisions { get; } = Default with { AnnounceCertificates = false };
}

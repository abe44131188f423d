using Ledger.Core.Protocol;

namespace Ledger.Consensus.Tests.Simulation;

/// <summary>What travels between simulated nodes. Height routes it: lower is ignored, higher starts block sync.</summary>
public abstract record SimMessage
{
    public abstract ulong Height { get; }
}

public sealed record ProposalMessage(Proposal Proposal) : SimMessage
{
    public override ulong Height => Proposal.Height;
}

public sealed record VoteMessage(Vote Vote) : SimMessage
{
    public override ulong Height => Vote.Height;
}

public sealed record DecisionMessage(Decision Decision) : SimMessage
{
    public override ulong Height => Decision.Block.Header.Height;
}

/// <summary>What a node sends after a commit (D49): the certificate, not the block.</summary>
public sealed record AnnouncementMessage(CommitCertificate Certificate) : SimMessage
{
    public override ulong Height => Certificate.Height;
}

/// <summary>Block sync: "send me your decisions from this height on".</summary>
public sealed record SyncRequest(ulong FromHeight) : SimMessage
{
    public override ulong Height => FromHeight;
}

public enum PartitionKind
{
    None,
    RandomHalves,
    IsolateOne,
    /// <summary>One node hears everyone, but nobody hears it.</summary>
    Asymmetric,
    /// <summary>A fixed split given by the scenario (Twins), never healed by chance.</summary>
    Fixed,
}

/// <summary>Per-seed ("swarm") network faults; the simulator turns them off when the liveness phase starts.</summary>
public sealed record NetworkFaults(int DropPercent, int DelayMinMs, int DelayMaxMs, int DuplicatePercent, int ReplayPercent)
{
    public static NetworkFaults Calm { get; } = new(0, 5, 60, 0, 0);
}

/// <summary>
/// Links between node instances: loss, independent per-message delays (so reordering follows),
/// duplication, replay of old messages, and partitions given as a "can from reach to" matrix.
/// </summary>
public sealed class SimNetwork(EventQueue queue, SimRandom random, int instances)
{
    /// <summary>Old messages kept for replay.</summary>
    public const int ReplayHistoryMax = 512;

    /// <summary>A delay drawn from the tail: now and then a message is very late.</summary>
    private const int LongTailPercent = 3;
    private const int LongTailFactor = 8;

    private readonly bool[,] _blocked = new bool[instances, instances];
    private readonly List<(int To, SimMessage Message)> _history = [];

    public NetworkFaults Faults { get; set; } = NetworkFaults.Calm;

    public PartitionKind Partition { get; private set; } = PartitionKind.None;

    public long MessagesSent { get; private set; }

    public long MessagesDropped { get; private set; }

    /// <summary>Where a message is delivered: (from, to, message).</summary>
    public Action<int, int, SimMessage>? Deliver { get; set; }

    public bool CanReach(int from, int to) => !_blocked[from, to];

    public void Send(int from, int to, SimMessage message)
    {
        if (from == to)
        {
            return;
        }

        MessagesSent++;
        if (!CanReach(from, to) || random.Percent(Faults.DropPercent))
        {
            MessagesDropped++;
            return;
        }

        Schedule(from, to, message);
        if (random.Percent(Faults.DuplicatePercent))
        {
            Schedule(from, to, message);
        }

        Remember(to, message);
        if (random.Percent(Faults.ReplayPercent) && _history.Count > 0)
        {
            var (oldTo, old) = random.Pick(_history);
            Schedule(from, oldTo, old);
        }
    }

    public long DelayMs()
    {
        var delay = random.Range(Faults.DelayMinMs, Faults.DelayMaxMs);
        return random.Percent(LongTailPercent) ? delay * LongTailFactor : delay;
    }

    /// <summary>Splits the instances: in sides[i] each instance's side; instances on different sides cannot talk.</summary>
    public void Split(IReadOnlyList<int> sides, PartitionKind kind)
    {
        for (var from = 0; from < instances; from++)
        {
            for (var to = 0; to < instances; to++)
            {
                _blocked[from, to] = sides[from] != sides[to];
            }
        }

        Partition = kind;
    }

    /// <summary>Nobody hears node, but node hears everyone.</summary>
    public void Mute(int node)
    {
        Heal();
        for (var to = 0; to < instances; to++)
        {
            _blocked[node, to] = to != node;
        }

        Partition = PartitionKind.Asymmetric;
    }

    public void Heal()
    {
        Array.Clear(_blocked);
        Partition = PartitionKind.None;
    }

    private void Schedule(int from, int to, SimMessage message) =>
        queue.After(DelayMs(), () => Deliver!(from, to, message));

    private void Remember(int to, SimMessage message)
    {
        if (_history.Count < ReplayHistoryMax)
        {
            _history.Add((to, message));
        }
        else
        {
            _history[random.Int(ReplayHistoryMax)] = (to, message);
        }
    }
}

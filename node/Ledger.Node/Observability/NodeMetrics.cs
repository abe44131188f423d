using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Reflection;
using Google.Protobuf.Reflection;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Node.Chain;

namespace Ledger.Node.Observability;

/// <summary>
/// The node's instruments, on the Meter "Ledger.Node" (exported for Prometheus on MetricsListenUrl).
/// Pushed values (rejections, commit latency, round) are recorded by whoever sees them; the height,
/// the mempool's size and the peers are read when a scrape asks (Observe).
/// </summary>
public sealed class NodeMetrics
{
    public const string MeterName = "Ledger.Node";

    /// <summary>Bucket bounds of the commit latency, seconds: a solo block is tens of milliseconds, a BFT round about a second.</summary>
    private static readonly double[] CommitLatencyBucketsSeconds = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>Bucket bounds of a committed block's transaction count.</summary>
    private static readonly long[] BlockTransactionsBuckets = [0, 10, 50, 100, 250, 500, 1_000, 2_000, 5_000, 10_000];

    private static readonly ConcurrentDictionary<RejectionCode, string> CodeNames = new();
    private readonly Meter _meter;
    private readonly Counter<long> _rejections;
    private readonly Histogram<double> _commitLatency;
    private readonly Histogram<long> _blockTransactions;
    private readonly Histogram<double> _proposalToCommit;
    private readonly TimeProvider _clock;
    private long _round;

    public NodeMetrics(IMeterFactory meters, TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        _meter = meters.Create(MeterName);
        _rejections = _meter.CreateCounter<long>("ledger_rejections", description: "Transactions refused: at submission (from a client) and at execution or re-check, by rejection code");
        _commitLatency = _meter.CreateHistogram<double>(
            "ledger_commit_latency",
            unit: "s",
            description: "Seconds from the start of a height (BFT: this validator starts it; solo: a transaction waits) to its commit on this node",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CommitLatencyBucketsSeconds });
        // D56: how big committed blocks are, and how long after its proposer began building a block this node committed it.
        _blockTransactions = _meter.CreateHistogram<long>(
            "ledger_block_transactions",
            description: "Transactions in each block this node committed",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = BlockTransactionsBuckets });
        _proposalToCommit = _meter.CreateHistogram<double>(
            "ledger_proposal_to_commit",
            unit: "s",
            description: "Seconds from a block's header time (its proposer's clock when it began building the block) to its commit on this node; clock skew between machines shows here",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CommitLatencyBucketsSeconds });
        _meter.CreateObservableGauge("ledger_consensus_round", () => Interlocked.Read(ref _round), description: "The consensus round of the open height (0 for a solo node)");
    }

    /// <summary>The round of the open height, set by the consensus driver.</summary>
    public long Round
    {
        set => Interlocked.Exchange(ref _round, value);
    }

    /// <summary>Gauges read on each scrape; called once the chain, mempool and probe exist (they need the metrics themselves).</summary>
    public void Observe(NodeChain chain, Mempool.Mempool mempool, PeerProbe peers)
    {
        _meter.CreateObservableGauge("ledger_height", () => (long)chain.Head.Height, description: "The height of the last committed block");
        chain.Committed += BlockCommitted;
        _meter.CreateObservableGauge("ledger_mempool_transactions", () => mempool.Count, description: "Transactions admitted and waiting for a block");
        _meter.CreateObservableGauge("ledger_peers_connected", () => peers.Reachable.Count, description: "Peers that answered this node's last probe");
    }

    public void Rejected(RejectionCode code)
    {
        if (code != RejectionCode.Unspecified)
        {
            _rejections.Add(1, new KeyValuePair<string, object?>("code", CodeName(code)));
        }
    }

    /// <summary>A block committed here (synced ones too): its size, and the time since its header's (never negative).</summary>
    public void BlockCommitted(ExecutedBlock block)
    {
        var header = block.Block.Header;
        _blockTransactions.Record(block.Block.Transactions.Count);
        _proposalToCommit.Record(Math.Max(0, (_clock.GetUtcNow().ToUnixTimeMilliseconds() - header.TimeMs) / 1000.0));
    }

    public void Committed(TimeSpan sinceHeightStart) => _commitLatency.Record(Math.Max(0, sinceHeightStart.TotalSeconds));

    /// <summary>The proto's name (REJECTION_CODE_NONCE_REUSED), as clients see it; the number for a code the proto does not name.</summary>
    private static string CodeName(RejectionCode code) => CodeNames.GetOrAdd(code, c =>
        typeof(RejectionCode).GetField(c.ToString())?.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? ((int)c).ToString(System.Globalization.CultureInfo.InvariantCulture));
}

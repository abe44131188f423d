using Ledger.Node.Chain;
using Ledger.Node.Options;
using Ledger.Node.Peers;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Ledger.Node.Observability;

/// <summary>
/// Asks every peer its height once per ProbeInterval and remembers who answered. The consensus
/// health rule: this node can commit when its own voting power plus that of the peers that answered
/// the last probe is a quorum (more than 2/3) of the current validators. A solo validator is its own
/// quorum, so it is always healthy once started. The probe does not depend on consensus traffic,
/// which stops on an idle network, so an idle healthy network does not flap.
/// </summary>
public sealed class PeerProbe(PeerNetwork network, NodeChain chain, IOptions<NodeOptions> options, ILogger<PeerProbe> logger) : BackgroundService, IHealthCheck
{
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    /// <summary>A peer that does not answer within this is counted unreachable for the round.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    private readonly string _self = options.Value.NodeId;
    private IReadOnlySet<string> _reachable = new HashSet<string>();

    /// <summary>Validator ids of the peers that answered the last probe.</summary>
    public IReadOnlySet<string> Reachable => Volatile.Read(ref _reachable);

    public bool CanCommit()
    {
        var validators = chain.CurrentValidators;
        var reachable = Reachable;
        var power = validators.Validators
            .Where(v => v.ValidatorId == _self || reachable.Contains(v.ValidatorId))
            .Aggregate(0UL, (sum, v) => sum + v.Power);
        return validators.IsQuorum(power);
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(CanCommit()
            ? HealthCheckResult.Healthy($"a quorum of voting power is reachable ({Reachable.Count} peers answer)")
            : HealthCheckResult.Unhealthy($"no quorum of voting power is reachable ({Reachable.Count} peers answer)"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var peers = network.Peers;
        if (peers.Count == 0)
        {
            return;
        }

        var wasHealthy = false;
        using var timer = new PeriodicTimer(ProbeInterval);
        do
        {
            var answers = await Task.WhenAll(peers.Select(async p => (p.ValidatorId, Height: await Ask(p.ValidatorId, stoppingToken))));
            Volatile.Write(ref _reachable, answers.Where(a => a.Height is not null).Select(a => a.ValidatorId).ToHashSet());
            var healthy = CanCommit();
            if (healthy != wasHealthy)
            {
                logger.LogInformation("Consensus health: {State} ({Peers} of {Count} peers answer)", healthy ? "a quorum is reachable" : "no quorum is reachable", Reachable.Count, peers.Count);
                wasHealthy = healthy;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<ulong?> Ask(string validatorId, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            return await network.HeightOf(validatorId, timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return null;
        }
    }
}

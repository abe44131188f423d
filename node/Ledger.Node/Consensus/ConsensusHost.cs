namespace Ledger.Node.Consensus;

/// <summary>Runs the consensus engine for the node's lifetime; a failure stops the node rather than leave it silently stalled.</summary>
public sealed class ConsensusHost(IConsensusEngine engine, IHostApplicationLifetime lifetime, ILogger<ConsensusHost> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await engine.RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            logger.LogCritical(exception, "Consensus stopped: {Reason}. Stopping the node.", exception.Message);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }
}

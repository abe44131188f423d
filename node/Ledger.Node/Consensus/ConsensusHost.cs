using Ledger.Node.Chain;
using Ledger.Node.Options;
using Microsoft.Extensions.Options;

namespace Ledger.Node.Consensus;

/// <summary>
/// Runs the consensus engine for the node's lifetime; a failure stops the node rather than leave it
/// silently stalled. A failing disk (full, read-only, I/O error) gets its own log line naming the
/// data directory and its own exit code (<see cref="StorageFault.ExitCode"/>).
/// </summary>
public sealed class ConsensusHost(IConsensusEngine engine, IHostApplicationLifetime lifetime, IOptions<NodeOptions> options, ILogger<ConsensusHost> logger) : BackgroundService
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
        catch (Exception exception) when (StorageFault.Describe(exception) is { } fault)
        {
            logger.LogCritical(exception, "{Fault}: {DataDirectory}: {Reason}; stopping the node (a block is written whole or not at all)", fault, Path.GetFullPath(options.Value.DataDirectory), exception.Message);
            Environment.ExitCode = StorageFault.ExitCode;
            lifetime.StopApplication();
        }
        catch (Exception exception)
        {
            logger.LogCritical(exception, "Consensus stopped: {Reason}. Stopping the node.", exception.Message);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }
}

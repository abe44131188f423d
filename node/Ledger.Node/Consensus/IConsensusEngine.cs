namespace Ledger.Node.Consensus;

/// <summary>
/// What decides the next block. A single-validator network commits its own blocks (SoloConsensus);
/// the BFT engine of issue 4 takes its place behind the same seam: it reads the mempool and
/// commits through NodeChain.Commit with a certificate.
/// </summary>
public interface IConsensusEngine
{
    Task RunAsync(CancellationToken cancellationToken);
}

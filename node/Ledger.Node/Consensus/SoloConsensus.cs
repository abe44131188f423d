using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Node.Chain;
using Ledger.Node.Observability;
using Ledger.Node.Options;
using Microsoft.Extensions.Options;

namespace Ledger.Node.Consensus;

/// <summary>
/// Block production for a network with one validator: when transactions wait, after at most
/// BlockIntervalMs (or at once when BlockTransactionsTarget wait), propose from the mempool,
/// sign the certificate alone (this validator is the whole quorum) and commit.
/// </summary>
public sealed class SoloConsensus(
    NodeChain chain,
    Mempool.Mempool mempool,
    SigningKey validatorKey,
    TimeProvider clock,
    NodeMetrics metrics,
    IOptions<NodeOptions> options,
    ILogger<SoloConsensus> logger) : IConsensusEngine
{
    private readonly NodeOptions _options = options.Value;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        RequireSoleValidator();
        Backup.RestoreGuard.RefuseSoleValidator(chain.Store);
        while (!cancellationToken.IsCancellationRequested)
        {
            var started = await WaitForWork(cancellationToken);
            ProduceBlock(started);
        }
    }

    private void RequireSoleValidator()
    {
        var validators = chain.CurrentValidators;
        var self = validators.Find(_options.NodeId)
            ?? throw new InvalidOperationException($"node {_options.NodeId} is not a validator in genesis");
        if (!self.PublicKey.Equals(validatorKey.ToPublicKey()))
        {
            throw new InvalidOperationException($"the key file does not hold validator {_options.NodeId}'s key named in genesis");
        }

        if (!validators.IsQuorum(self.Power))
        {
            throw new InvalidOperationException($"genesis names {validators.Validators.Count} validators; a single node commits only when it alone holds more than 2/3 of the power (BFT consensus among several arrives with issue 4)");
        }
    }

    /// <summary>Returns when a block should be made, with the time a transaction was first seen waiting (the start of the height).</summary>
    private async Task<DateTimeOffset> WaitForWork(CancellationToken cancellationToken)
    {
        while (true)
        {
            // Take the signal before looking at the count, so an arrival between the two is not missed.
            var arrival = mempool.Arrival;
            if (mempool.Count > 0)
            {
                break;
            }

            await arrival.WaitAsync(cancellationToken);
        }

        var started = clock.GetUtcNow();
        var deadline = Task.Delay(TimeSpan.FromMilliseconds(_options.BlockIntervalMs), clock, cancellationToken);
        while (!deadline.IsCompleted)
        {
            var arrival = mempool.Arrival;
            if (mempool.Count >= _options.BlockTransactionsTarget)
            {
                break;
            }

            await Task.WhenAny(deadline, arrival.WaitAsync(cancellationToken));
        }

        cancellationToken.ThrowIfCancellationRequested();
        return started;
    }

    private void ProduceBlock(DateTimeOffset started)
    {
        var head = chain.Head;
        var clock0 = System.Diagnostics.Stopwatch.GetTimestamp();
        var candidates = mempool.BlockCandidates();
        var (block, leftOut) = Blocks.Propose(
            chain.Machine,
            chain.State,
            head,
            candidates.Select(c => c.Envelope),
            clock.GetUtcNow().ToUnixTimeMilliseconds(),
            _options.NodeId,
            head.Height == 0 ? null : chain.Store.GetCertificate(head.Height));
        foreach (var (envelope, receipt) in leftOut)
        {
            mempool.Drop(receipt.TransactionId.ToByteArray(), receipt);
        }

        if (block.Block.Transactions.Count == 0)
        {
            return;
        }

        var executed = System.Diagnostics.Stopwatch.GetElapsedTime(clock0);
        var certificate = CommitCertificates.Create(block.Block.Header.Height, 0, block.HeaderHash);
        CommitCertificates.AddSignature(certificate, chain.Genesis.ChainId, _options.NodeId, validatorKey);
        chain.Commit(block, certificate);
        metrics.Committed(clock.GetUtcNow() - started);
        logger.LogInformation(
            "Committed block {Height} with {Transactions} transactions, {LeftOut} left out, in {Ms:0} ms ({ExecuteMs:0} ms to build and execute, {CommitMs:0} ms to store and re-check the mempool)",
            block.Block.Header.Height,
            block.Block.Transactions.Count,
            leftOut.Count,
            System.Diagnostics.Stopwatch.GetElapsedTime(clock0).TotalMilliseconds,
            executed.TotalMilliseconds,
            (System.Diagnostics.Stopwatch.GetElapsedTime(clock0) - executed).TotalMilliseconds);
    }
}

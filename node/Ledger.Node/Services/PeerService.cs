using Grpc.Core;
using Ledger.Core.Protocol;
using Ledger.Node.Chain;
using Ledger.Node.Consensus;
using Ledger.Node.Peers;

namespace Ledger.Node.Services;

/// <summary>
/// The peer API (ledger.v1.Peer): thin adapters to the consensus driver, the mempool and the store.
/// Every call is first authenticated as a current validator by its client certificate (D28).
/// </summary>
public sealed class PeerService(NodeChain chain, Mempool.Mempool mempool, PeerAuthenticator authenticator, IServiceProvider services, IHostApplicationLifetime lifetime, Microsoft.Extensions.Options.IOptions<Options.NodeOptions> options) : Peer.PeerBase
{
    public const uint DecisionsPerRequestMax = 1_000;

    public override async Task<PeerAck> Consensus(IAsyncStreamReader<PeerConsensusMessage> requestStream, ServerCallContext context)
    {
        var peer = authenticator.Authenticate(context);
        var consensus = services.GetRequiredService<IConsensusEngine>() as BftConsensus;
        // Before reading: tells the sender it may send proposals compact (D53); an older sender never looks.
        if (consensus is not null)
        {
            await context.WriteResponseHeadersAsync(new Metadata { { PeerNetwork.CompactProposalsHeader, "1" } });
        }

        await ReadUntilStopping(requestStream, context, message =>
        {
            authenticator.CheckSender(context, peer, message.From);
            consensus?.Deliver(message);
        });
        return new PeerAck();
    }

    public override async Task<PeerAck> Transactions(IAsyncStreamReader<Envelope> requestStream, ServerCallContext context)
    {
        authenticator.Authenticate(context);
        await ReadUntilStopping(requestStream, context, envelope => mempool.AdmitFromPeer(envelope));
        return new PeerAck();
    }

    /// <summary>Envelopes admitted from a gossip batch before the handler lets other queued work run.</summary>
    public const int GossipEnvelopesPerTurn = 16;

    /// <summary>
    /// Batches of transactions a peer admitted (D42), each admitted in order as if sent one by one. A batch of
    /// hundreds costs tens of milliseconds of signature checks: the handler gives its thread back every
    /// GossipEnvelopesPerTurn envelopes, so votes and client calls queued behind it are not held up.
    /// </summary>
    public override async Task<PeerAck> TransactionBatches(IAsyncStreamReader<PeerTransactions> requestStream, ServerCallContext context)
    {
        authenticator.Authenticate(context);
        // The sender waits for these before its first batch: they tell it this node takes batches, and how many bytes
        // of envelopes one may carry here (half this node's message limit, which may differ from the sender's) (D42).
        await context.WriteResponseHeadersAsync(new Metadata { { PeerNetwork.GossipBatchBytesHeader, PeerNetwork.GossipBatchBytesFor(options.Value.MessageBytesMax).ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            await foreach (var batch in requestStream.ReadAllAsync(stopping.Token))
            {
                if (batch.Envelopes.Count > PeerNetwork.GossipEnvelopesPerMessageMax)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"a gossip message carries at most {PeerNetwork.GossipEnvelopesPerMessageMax} envelopes; this one has {batch.Envelopes.Count}"));
                }

                for (var i = 0; i < batch.Envelopes.Count; i++)
                {
                    if (i > 0 && i % GossipEnvelopesPerTurn == 0)
                    {
                        await Task.Yield();
                    }

                    mempool.AdmitFromPeer(batch.Envelopes[i]);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        return new PeerAck();
    }

    public override async Task Decisions(DecisionsRequest request, IServerStreamWriter<Decision> responseStream, ServerCallContext context)
    {
        authenticator.Authenticate(context);
        var limit = request.Limit is 0 or > DecisionsPerRequestMax ? DecisionsPerRequestMax : request.Limit;
        var last = Math.Min(chain.Head.Height, request.FromHeight + limit - 1);
        for (var height = Math.Max(1, request.FromHeight); height <= last; height++)
        {
            var block = chain.Store.GetBlock(height);
            var certificate = chain.Store.GetCertificate(height);
            if (block is null || certificate is null)
            {
                return;
            }

            await responseStream.WriteAsync(new Decision { Block = block, Certificate = certificate }, context.CancellationToken);
        }
    }

    /// <summary>Peer streams never end by themselves: they end when this node stops, so a shutdown does not wait on them.</summary>
    private async Task ReadUntilStopping<T>(IAsyncStreamReader<T> requestStream, ServerCallContext context, Action<T> handle)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            await foreach (var message in requestStream.ReadAllAsync(stopping.Token))
            {
                handle(message);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>Envelopes of a proposal this node holds, for a peer that could not rebuild it from its mempool (D53).</summary>
    public override Task<ProposalTransactionsReply> ProposalTransactions(ProposalTransactionsRequest request, ServerCallContext context)
    {
        authenticator.Authenticate(context);
        if (request.Indexes.Count > Ledger.Core.Chain.Blocks.TransactionsPerBlockMax)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"a block holds at most {Ledger.Core.Chain.Blocks.TransactionsPerBlockMax} transactions; {request.Indexes.Count} indexes were asked for"));
        }

        var consensus = services.GetRequiredService<IConsensusEngine>() as BftConsensus;
        return Task.FromResult(consensus?.ProposalTransactions(request) ?? new ProposalTransactionsReply());
    }

    public override Task<HeightReply> Height(HeightRequest request, ServerCallContext context)
    {
        authenticator.Authenticate(context);
        return Task.FromResult(new HeightReply { Height = chain.Head.Height });
    }
}

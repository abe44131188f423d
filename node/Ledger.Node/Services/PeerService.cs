using Grpc.Core;
using Ledger.Core.Protocol;
using Ledger.Node.Chain;
using Ledger.Node.Consensus;

namespace Ledger.Node.Services;

/// <summary>The peer API (ledger.v1.Peer): thin adapters to the consensus driver, the mempool and the store.</summary>
public sealed class PeerService(NodeChain chain, Mempool.Mempool mempool, IServiceProvider services) : Peer.PeerBase
{
    public const uint DecisionsPerRequestMax = 1_000;

    public override async Task<PeerAck> Consensus(IAsyncStreamReader<PeerConsensusMessage> requestStream, ServerCallContext context)
    {
        var consensus = services.GetRequiredService<IConsensusEngine>() as BftConsensus;
        await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
        {
            consensus?.Deliver(message);
        }

        return new PeerAck();
    }

    public override async Task<PeerAck> Transactions(IAsyncStreamReader<Envelope> requestStream, ServerCallContext context)
    {
        await foreach (var envelope in requestStream.ReadAllAsync(context.CancellationToken))
        {
            mempool.AdmitFromPeer(envelope);
        }

        return new PeerAck();
    }

    public override async Task Decisions(DecisionsRequest request, IServerStreamWriter<Decision> responseStream, ServerCallContext context)
    {
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

    public override Task<HeightReply> Height(HeightRequest request, ServerCallContext context) =>
        Task.FromResult(new HeightReply { Height = chain.Head.Height });
}

using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Core.Protocol;
using Ledger.Node.Options;
using Microsoft.Extensions.Options;
using PeerClient = Ledger.Core.Protocol.Peer.PeerClient;

namespace Ledger.Node.Peers;

/// <summary>
/// Outbound links to the other validators. Each peer has two queues drained into two gRPC streams of
/// one HTTP/2 connection: consensus messages and transactions, each with its own flow control, so a
/// backlog of transactions never delays a vote. Both queues are bounded: a full consensus queue drops
/// its oldest message (consensus re-sends on every timeout), a full transaction queue drops the new one.
/// Transactions go out in batches of what is waiting when the link writes (D42): one message per
/// transaction cost every node a gRPC message per transaction per peer; a quiet link still sends at once.
/// A proposal goes to a peer that said it takes them as its header and transaction ids (D53).
/// </summary>
public sealed class PeerNetwork : IAsyncDisposable
{
    public const int ConsensusQueueMax = 10_000;
    public const int TransactionQueueMax = 50_000;

    /// <summary>The most envelopes one gossip message carries; a receiver refuses more.</summary>
    public const int GossipEnvelopesPerMessageMax = 500;
    /// <summary>
    /// The response header by which a peer taking batches says so, with the most bytes of envelopes a batch may carry
    /// there. A sender writes a batch only after reading it, so a peer that cannot take one never receives one.
    /// </summary>
    public const string GossipBatchBytesHeader = "ledger-gossip-batch-bytes";

    /// <summary>
    /// The response header ("1") by which a peer's consensus stream says it takes compact proposals (D53). A peer whose
    /// headers have not come (an older build sends them only when the stream ends) gets every proposal whole.
    /// </summary>
    public const string CompactProposalsHeader = "ledger-compact-proposals";

    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(250);

    private readonly string _self;
    private readonly List<Link> _links;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger<PeerNetwork> _logger;
    private readonly List<Task> _senders = [];
    private readonly HashSet<string> _refusals = [];
    private readonly int _gossipBytesMax;

    public PeerNetwork(IOptions<NodeOptions> options, PeerTransport transport, ILogger<PeerNetwork> logger)
    {
        _self = options.Value.NodeId;
        _logger = logger;
        _gossipBytesMax = GossipBatchBytesFor(options.Value.MessageBytesMax);
        _links = options.Value.Peers.Select(p => new Link(p, GrpcChannel.ForAddress(p.Url, new GrpcChannelOptions
        {
            // With TLS: our certificate out, the peer's checked against the network CA and its validator id (D28).
            HttpHandler = transport.HandlerFor(p.ValidatorId, reason => RefusedPeer(p.ValidatorId, reason)),
            DisposeHttpClient = true,
            MaxReceiveMessageSize = options.Value.MessageBytesMax,
            MaxSendMessageSize = options.Value.MessageBytesMax,
            // gRPC's default backoff grows to two minutes; a validator that was down must be heard again within a round.
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
            MaxReconnectBackoff = TimeSpan.FromSeconds(1),
        }))).ToList();
    }

    /// <summary>Half a node's message limit: the envelopes' framing stays well inside it.</summary>
    public static int GossipBatchBytesFor(int messageBytesMax) => messageBytesMax / 2;

    public IReadOnlyList<PeerOptions> Peers => _links.Select(l => l.Peer).ToList();

    public void Start()
    {
        foreach (var link in _links)
        {
            _senders.Add(Task.Run(() => SendConsensus(link, _stopping.Token)));
            _senders.Add(Task.Run(() => SendTransactions(link, _stopping.Token)));
        }
    }

    /// <summary>To every peer; compact (a proposal's ids, D53) instead of message to a peer that said it takes it.</summary>
    public void Broadcast(ConsensusMessage message, ConsensusMessage? compact = null)
    {
        var outbound = new Outbound(
            new PeerConsensusMessage { From = _self, Message = message },
            compact is null ? null : new PeerConsensusMessage { From = _self, Message = compact });
        foreach (var link in _links)
        {
            link.Consensus.Writer.TryWrite(outbound);
        }
    }

    /// <summary>
    /// The envelopes of a proposal the peer holds (D53); null when the peer is not one of this node's, and no
    /// envelopes when it does not hold the proposal. Throws RpcException when the call fails or is cancelled.
    /// </summary>
    public async Task<ProposalTransactionsReply?> ProposalTransactions(string validatorId, ProposalTransactionsRequest request, CancellationToken cancellationToken)
    {
        var link = _links.FirstOrDefault(l => l.Peer.ValidatorId == validatorId);
        if (link is null)
        {
            return null;
        }

        return await link.Client.ProposalTransactionsAsync(request, cancellationToken: cancellationToken);
    }

    public void Gossip(Envelope transaction)
    {
        foreach (var link in _links)
        {
            link.Transactions.Writer.TryWrite(transaction);
        }
    }

    /// <summary>The peer's committed height, or null when it does not answer.</summary>
    public async Task<ulong?> HeightOf(string validatorId, CancellationToken cancellationToken)
    {
        var link = _links.FirstOrDefault(l => l.Peer.ValidatorId == validatorId);
        if (link is null)
        {
            return null;
        }

        try
        {
            var reply = await link.Client.HeightAsync(new HeightRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken);
            return reply.Height;
        }
        catch (RpcException)
        {
            return null;
        }
    }

    /// <summary>Decided blocks from the peer, from fromHeight on; ends early (quietly) if the peer goes away.</summary>
    public async IAsyncEnumerable<Decision> Decisions(string validatorId, ulong fromHeight, uint limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var link = _links.FirstOrDefault(l => l.Peer.ValidatorId == validatorId);
        if (link is null)
        {
            yield break;
        }

        using var call = link.Client.Decisions(new DecisionsRequest { FromHeight = fromHeight, Limit = limit }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken);
        while (true)
        {
            Decision next;
            try
            {
                if (!await call.ResponseStream.MoveNext(cancellationToken))
                {
                    yield break;
                }

                next = call.ResponseStream.Current;
            }
            catch (RpcException)
            {
                yield break;
            }

            yield return next;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_senders);
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var link in _links)
        {
            link.Channel.Dispose();
        }
    }

    /// <summary>Each distinct reason for refusing a peer's certificate is logged once (a link retries every second).</summary>
    private void RefusedPeer(string validatorId, string reason)
    {
        lock (_refusals)
        {
            if (_refusals.Count >= PeerAuthenticator.LoggedReasonsMax)
            {
                _refusals.Clear();
            }

            if (!_refusals.Add(validatorId + reason))
            {
                return;
            }
        }

        _logger.LogWarning("Refused the TLS certificate of peer {Peer}: {Reason}", validatorId, reason);
    }


    /// <summary>
    /// Batches on the TransactionBatches stream, each at most the smaller of this node's and the peer's batch bytes
    /// (the peer's from its response header, so peers with different message limits never refuse a batch). A peer whose
    /// headers do not carry it (a build without batches, which answers UNIMPLEMENTED) gets the same envelopes one per
    /// message on the Transactions stream; batches are tried again after the next break (the peer may have been
    /// upgraded meanwhile). A batch whose write failed is written again on the next stream.
    /// </summary>
    private async Task SendTransactions(Link link, CancellationToken stopping)
    {
        PeerTransactions? pending = null;
        var written = 0;
        var batches = true;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (batches)
                {
                    using var call = link.Client.TransactionBatches(cancellationToken: stopping);
                    // A peer of this build sends its headers at once, with its batch bytes; an older one ends the call
                    // with UNIMPLEMENTED and no such header. Known before the first write, so no batch goes into a stream
                    // that was never open, nor a batch larger than the peer takes.
                    var headers = await call.ResponseHeadersAsync;
                    if (!int.TryParse(headers.GetValue(GossipBatchBytesHeader), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var peerBytesMax) || peerBytesMax <= 0)
                    {
                        throw new RpcException(new Status(StatusCode.Unimplemented, "the peer's headers say nothing of transaction batches"));
                    }

                    var bytesMax = Math.Min(_gossipBytesMax, peerBytesMax);
                    while (true)
                    {
                        pending ??= await NextBatch(link.Transactions.Reader, bytesMax, stopping);
                        await call.RequestStream.WriteAsync(pending, stopping);
                        pending = null;
                        written = 0;
                    }
                }

                using var single = link.Client.Transactions(cancellationToken: stopping);
                while (true)
                {
                    pending ??= await NextBatch(link.Transactions.Reader, _gossipBytesMax, stopping);
                    for (; written < pending.Envelopes.Count; written++)
                    {
                        await single.RequestStream.WriteAsync(pending.Envelopes[written], stopping);
                    }

                    pending = null;
                    written = 0;
                }
            }
            catch (RpcException exception) when (batches && exception.StatusCode == StatusCode.Unimplemented)
            {
                batches = false;
                _logger.LogInformation("Peer {Peer} does not take transaction batches (an older build); sending it one transaction per message", link.Peer.ValidatorId);
            }
            catch (Exception exception) when (!stopping.IsCancellationRequested)
            {
                // Whatever broke the stream, the link must live on.
                batches = true;
                _logger.LogDebug("The transaction link to {Peer} is down: {Reason}", link.Peer.ValidatorId, exception.Message);
                await Task.Delay(ReconnectDelay, stopping);
            }
        }
    }

    /// <summary>
    /// Waits for one transaction, then takes whatever else is already queued, up to GossipEnvelopesPerMessageMax
    /// envelopes and bytesMax bytes (the first one always goes, whatever its size), in queue order.
    /// </summary>
    public static async ValueTask<PeerTransactions> NextBatch(ChannelReader<Envelope> queue, int bytesMax, CancellationToken stopping)
    {
        var first = await queue.ReadAsync(stopping);
        var batch = new PeerTransactions { Envelopes = { first } };
        var bytes = first.CalculateSize();
        while (batch.Envelopes.Count < GossipEnvelopesPerMessageMax && queue.TryPeek(out var next))
        {
            var size = next.CalculateSize();
            if (bytes + size > bytesMax)
            {
                break;
            }

            queue.TryRead(out _);
            batch.Envelopes.Add(next);
            bytes += size;
        }

        return batch;
    }

    /// <summary>
    /// Keeps one consensus stream to the peer open and writes the queue into it. A message whose write failed is
    /// written again on the next stream, so a link that is still connecting loses nothing. A proposal goes compact
    /// once the peer's response headers have said it takes that (D53); the stream is never held up waiting for them.
    /// </summary>
    private async Task SendConsensus(Link link, CancellationToken stopping)
    {
        Outbound? pending = null;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                using var call = link.Client.Consensus(cancellationToken: stopping);
                var headers = call.ResponseHeadersAsync;
                _ = headers.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
                while (true)
                {
                    pending ??= await link.Consensus.Reader.ReadAsync(stopping);
                    var message = pending.Compact is { } compact && TakesCompact(headers) ? compact : pending.Full;
                    await call.RequestStream.WriteAsync(message, stopping);
                    pending = null;
                }
            }
            catch (Exception exception) when (!stopping.IsCancellationRequested)
            {
                // Whatever broke the stream, the link must live on.
                _logger.LogDebug("The consensus link to {Peer} is down: {Reason}", link.Peer.ValidatorId, exception.Message);
                await Task.Delay(ReconnectDelay, stopping);
            }
        }
    }

    private static bool TakesCompact(Task<Metadata> headers) =>
        headers.IsCompletedSuccessfully && headers.Result.GetValue(CompactProposalsHeader) == "1";

    /// <summary>A consensus message, and the compact form of it for peers that take it (null: the same for all).</summary>
    private sealed record Outbound(PeerConsensusMessage Full, PeerConsensusMessage? Compact);

    private sealed class Link(PeerOptions peer, GrpcChannel channel)
    {
        public PeerOptions Peer { get; } = peer;

        public GrpcChannel Channel { get; } = channel;

        public PeerClient Client { get; } = new(channel);

        public Channel<Outbound> Consensus { get; } = System.Threading.Channels.Channel.CreateBounded<Outbound>(
            new BoundedChannelOptions(ConsensusQueueMax) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        public Channel<Envelope> Transactions { get; } = System.Threading.Channels.Channel.CreateBounded<Envelope>(
            new BoundedChannelOptions(TransactionQueueMax) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    }
}

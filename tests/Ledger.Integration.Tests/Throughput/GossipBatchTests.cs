using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Ledger.Core.Protocol;
using Ledger.Node.Options;
using Ledger.Node.Peers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Integration.Tests.Throughput;

/// <summary>
/// How a peer link batches transactions (D42): whatever is queued goes in one message, in queue order,
/// within the envelope and byte limits; a lone transaction goes at once.
/// </summary>
public sealed class GossipBatchTests
{
    [Fact]
    public async Task A_lone_transaction_goes_alone_and_at_once()
    {
        var queue = Channel.CreateUnbounded<Envelope>();
        queue.Writer.TryWrite(Envelope(1, 100));

        var batch = await PeerNetwork.NextBatch(queue.Reader, 1_000_000, CancellationToken.None);

        Assert.Equal([1], Nonces(batch));
    }

    [Fact]
    public async Task What_is_queued_goes_in_one_message_in_order_up_to_the_envelope_limit()
    {
        var queue = Channel.CreateUnbounded<Envelope>();
        var queued = PeerNetwork.GossipEnvelopesPerMessageMax + 7;
        for (var i = 1; i <= queued; i++)
        {
            queue.Writer.TryWrite(Envelope(i, 50));
        }

        var first = await PeerNetwork.NextBatch(queue.Reader, 1_000_000, CancellationToken.None);
        var second = await PeerNetwork.NextBatch(queue.Reader, 1_000_000, CancellationToken.None);

        Assert.Equal(Enumerable.Range(1, PeerNetwork.GossipEnvelopesPerMessageMax).Select(i => (ulong)i), Nonces(first));
        Assert.Equal(Enumerable.Range(PeerNetwork.GossipEnvelopesPerMessageMax + 1, 7).Select(i => (ulong)i), Nonces(second));
        Assert.False(queue.Reader.TryPeek(out _));
    }

    [Fact]
    public async Task A_message_stops_before_the_byte_limit_but_always_carries_the_first_envelope()
    {
        var queue = Channel.CreateUnbounded<Envelope>();
        queue.Writer.TryWrite(Envelope(1, 5_000));
        queue.Writer.TryWrite(Envelope(2, 400));
        queue.Writer.TryWrite(Envelope(3, 400));
        queue.Writer.TryWrite(Envelope(4, 400));
        var bytesMax = 1_000;

        var oversized = await PeerNetwork.NextBatch(queue.Reader, bytesMax, CancellationToken.None);
        var next = await PeerNetwork.NextBatch(queue.Reader, bytesMax, CancellationToken.None);
        var last = await PeerNetwork.NextBatch(queue.Reader, bytesMax, CancellationToken.None);

        Assert.Equal([1], Nonces(oversized));
        Assert.Equal([2, 3], Nonces(next));
        Assert.True(next.Envelopes.Sum(e => e.CalculateSize()) <= bytesMax);
        Assert.Equal([4], Nonces(last));
    }

    [Fact]
    public async Task An_empty_queue_waits_for_the_next_transaction()
    {
        var queue = Channel.CreateUnbounded<Envelope>();
        var waiting = PeerNetwork.NextBatch(queue.Reader, 1_000_000, CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);

        queue.Writer.TryWrite(Envelope(9, 10));

        Assert.Equal([9], Nonces(await waiting));
    }

    [Theory]
    [InlineData(true, 1_000_000)]
    [InlineData(true, 300)]
    [InlineData(false, 0)]
    public async Task A_link_delivers_every_transaction_in_order_to_a_peer_with_or_without_batches(bool peerTakesBatches, int peerBatchBytes)
    {
        var received = new ConcurrentQueue<Envelope>();
        var batchBytes = new ConcurrentQueue<int>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        // The link's stream is still open when the peer stops: don't wait the default 30 s for it to end.
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddSingleton(received);
        builder.Services.AddSingleton(batchBytes);
        builder.Services.AddSingleton(new AdvertisedBytes(peerBatchBytes));
        await using var app = builder.Build();
        if (peerTakesBatches)
        {
            app.MapGrpcService<BatchingPeer>();
        }
        else
        {
            app.MapGrpcService<OlderPeer>();
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var options = new NodeOptions { NodeId = "node-0", Peers = [new PeerOptions { ValidatorId = "node-1", Url = address }] };
        await using var network = new PeerNetwork(Microsoft.Extensions.Options.Options.Create(options), PeerTransport.Plaintext, NullLogger<PeerNetwork>.Instance);
        network.Start();

        foreach (var nonce in Enumerable.Range(1, 40))
        {
            network.Gossip(Envelope(nonce, 100));
        }

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (received.Count < 40 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(Enumerable.Range(1, 40).Select(i => (ulong)i), received.Select(e => e.Nonce));
        // A batch never carries more than the peer said it takes (the first envelope of a batch always goes).
        if (peerTakesBatches)
        {
            Assert.NotEmpty(batchBytes);
            Assert.All(batchBytes, bytes => Assert.True(bytes <= Math.Max(peerBatchBytes, 200), $"a batch of {bytes} bytes went to a peer that takes {peerBatchBytes}"));
        }

        await app.StopAsync();
    }

    private sealed record AdvertisedBytes(int Value);

    /// <summary>A peer of this build: batches.</summary>
    private sealed class BatchingPeer(ConcurrentQueue<Envelope> received, ConcurrentQueue<int> batchBytes, AdvertisedBytes advertised) : Peer.PeerBase
    {
        public override async Task<PeerAck> TransactionBatches(IAsyncStreamReader<PeerTransactions> requestStream, ServerCallContext context)
        {
            await context.WriteResponseHeadersAsync(new Metadata { { PeerNetwork.GossipBatchBytesHeader, advertised.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
            await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken))
            {
                batchBytes.Enqueue(batch.Envelopes.Sum(e => e.CalculateSize()));
                foreach (var envelope in batch.Envelopes)
                {
                    received.Enqueue(envelope);
                }
            }

            return new PeerAck();
        }
    }

    /// <summary>A peer of an older build: one envelope per message; TransactionBatches is UNIMPLEMENTED.</summary>
    private sealed class OlderPeer(ConcurrentQueue<Envelope> received) : Peer.PeerBase
    {
        public override async Task<PeerAck> Transactions(IAsyncStreamReader<Envelope> requestStream, ServerCallContext context)
        {
            await foreach (var envelope in requestStream.ReadAllAsync(context.CancellationToken))
            {
                received.Enqueue(envelope);
            }

            return new PeerAck();
        }
    }

    private static Envelope Envelope(int nonce, int bodyBytes) => new()
    {
        Signer = "P-gossip",
        Nonce = (ulong)nonce,
        Body = ByteString.CopyFrom(new byte[bodyBytes]),
    };

    private static List<ulong> Nonces(PeerTransactions batch) => [.. batch.Envelopes.Select(e => e.Nonce)];
}

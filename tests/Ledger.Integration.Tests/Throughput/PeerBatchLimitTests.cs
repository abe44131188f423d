using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Cli;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Node.Peers;
using PeerClient = Ledger.Core.Protocol.Peer.PeerClient;

namespace Ledger.Integration.Tests.Throughput;

/// <summary>
/// D48: the peer service's limit on a gossip batch (D42), on a real node over real gRPC with mutual TLS, called as a
/// validator of the network: a batch of one envelope over the limit is INVALID_ARGUMENT and admits none of them;
/// a batch at the limit is admitted whole and commits.
/// </summary>
public sealed class PeerBatchLimitTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_gossip_batch_over_the_envelope_limit_is_INVALID_ARGUMENT_and_admits_nothing()
    {
        await using var node = await NodeProcess.StartAsync(tls: true);
        await using var client = Participants.Client(node);
        var folder = Path.GetDirectoryName(node.CaFile)!;
        using var networkCa = X509Certificate2.CreateFromPemFile(node.CaFile!, Path.Combine(folder, DevCertificates.CaKeyFileName));
        using var validator = DevCertificates.Issue(networkCa, NodeProcess.ValidatorId);
        using var channel = PeerChannel(node, validator);
        var hash = NetworkHashes.For(node.Genesis.HashAlgorithm);
        var envelopes = new List<Envelope>();
        for (var i = 0; i <= PeerNetwork.GossipEnvelopesPerMessageMax; i++)
        {
            envelopes.Add(await client.PrepareAsync(Transactions.FileMethodology($"M-gossip-{i}", "Gossip", MethodologyLevel.Group, "1", []), Participants.Bureau));
        }

        var ids = envelopes.Select(e => Convert.ToHexStringLower(SignBytes.TransactionId(hash, e))).ToList();

        var refused = await Assert.ThrowsAsync<RpcException>(() => SendBatch(channel, envelopes));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains($"at most {PeerNetwork.GossipEnvelopesPerMessageMax} envelopes; this one has {envelopes.Count}", refused.Status.Detail, StringComparison.Ordinal);

        // A block after the refusal: none of the batch is waiting, and none committed.
        await client.SubmitAndWaitAsync(Transactions.FileMethodology("M-gossip-after", "After", MethodologyLevel.Group, "1", []), Participants.Bureau);
        foreach (var id in ids)
        {
            Assert.Null(await client.GetTransactionAsync(id));
        }

        // The same envelopes, one fewer: admitted whole, and they commit.
        await SendBatch(channel, envelopes.Take(PeerNetwork.GossipEnvelopesPerMessageMax).ToList());
        var deadline = DateTime.UtcNow + Patience;
        foreach (var id in ids.Take(PeerNetwork.GossipEnvelopesPerMessageMax))
        {
            while ((await client.GetTransactionAsync(id))?.Status != TransactionStatus.Committed)
            {
                Assert.True(DateTime.UtcNow < deadline, $"transaction {id} of the batch at the limit did not commit");
                await Task.Delay(50);
            }
        }

        Assert.Null(await client.GetTransactionAsync(ids[^1]));
    }

    /// <summary>One gossip message on its own TransactionBatches stream, then the stream's answer.</summary>
    private static async Task SendBatch(GrpcChannel channel, IReadOnlyList<Envelope> envelopes)
    {
        using var call = new PeerClient(channel).TransactionBatches(deadline: DateTime.UtcNow + Patience);
        await call.RequestStream.WriteAsync(new PeerTransactions { Envelopes = { envelopes } });
        try
        {
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The node may have answered the stream already; its answer is below.
        }

        await call.ResponseAsync;
    }

    /// <summary>A channel to the node's peer service as a validator: trusts the network CA and presents certificate.</summary>
    private static GrpcChannel PeerChannel(NodeProcess node, X509Certificate2 certificate)
    {
        var handler = NetworkTrust.CreateHandler(NetworkTrust.ReadCaFile(node.CaFile!));
        handler.SslOptions.ClientCertificates = [certificate];
        handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        return GrpcChannel.ForAddress(node.Url, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }
}

using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Cli;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;
using Ledger.Testing;
using Xunit.Abstractions;
using PeerClient = Ledger.Core.Protocol.Peer.PeerClient;

namespace Ledger.Integration.Tests;

/// <summary>
/// Transport security on real node processes (D28): validators commit over mutual TLS, a peer whose
/// certificate is from another CA or names no validator is refused with a logged reason, clients
/// reach the API over https trusting the network CA only, and a node without TLS or the development
/// flag does not start.
/// </summary>
public sealed class TlsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ConditionTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Three_validators_commit_over_mutual_tls()
    {
        var nodes = await NodeProcess.StartNetworkAsync(3, tls: true);
        try
        {
            // Three of equal power: every one must take part in each commit.
            await using var client = Participants.Client(nodes[1]);
            var committed = await client.SubmitAndWaitAsync(Transactions.FileMethodology("M-tls", "Over mutual TLS", MethodologyLevel.Local, "1", []), Participants.Bureau);
            Assert.True(committed.IsCommitted);
            foreach (var node in nodes)
            {
                await using var reader = Participants.Client(node);
                await WaitUntil(async () => (await reader.GetStatusAsync()).Height >= committed.Height, $"{node.NodeId} reaches the commit");
                Assert.DoesNotContain("Refused", node.Log, StringComparison.Ordinal);
            }
        }
        finally
        {
            await StopAll(nodes);
        }
    }

    [Fact]
    public async Task A_validator_with_a_certificate_from_another_ca_is_refused_and_the_others_go_on()
    {
        var nodes = await NodeProcess.StartNetworkAsync(4, tls: true, rogueCa: ["node-3"]);
        try
        {
            await using var client = Participants.Client(nodes[0]);
            var committed = await client.SubmitAndWaitAsync(Transactions.FileMethodology("M-rogue", "Without node-3", MethodologyLevel.Local, "1", []), Participants.Bureau);
            Assert.True(committed.IsCommitted);

            // Both directions: node-0 refuses node-3's client certificate and node-3's server certificate, and says why.
            await WaitUntil(() => Task.FromResult(nodes[0].Log.Contains("does not chain to the network CA", StringComparison.Ordinal)), "node-0 logs the refused chain");
            await nodes[0].WaitForLogAsync("Refused the TLS certificate of peer node-3");
            await using var rogue = Participants.Client(nodes[3]);
            Assert.Equal(0UL, (await rogue.GetStatusAsync()).Height);
        }
        finally
        {
            await StopAll(nodes);
        }
    }

    [Fact]
    public async Task Peer_calls_need_a_network_certificate_naming_a_current_validator()
    {
        await using var node = await NodeProcess.StartAsync(tls: true);
        var folder = Path.GetDirectoryName(node.CaFile)!;
        using var networkCa = X509Certificate2.CreateFromPemFile(node.CaFile!, Path.Combine(folder, DevCertificates.CaKeyFileName));
        using var otherCa = DevCertificates.CreateAuthority("Another CA");

        var none = await HeightStatus(node, null);
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);

        using var foreign = DevCertificates.Issue(otherCa, NodeProcess.ValidatorId);
        var refusedChain = await HeightStatus(node, foreign);
        Assert.Equal(StatusCode.Unauthenticated, refusedChain.StatusCode);
        Assert.Contains("does not chain to the network CA", refusedChain.Status.Detail, StringComparison.Ordinal);

        using var intruder = DevCertificates.Issue(networkCa, "node-intruder");
        var refusedId = await HeightStatus(node, intruder);
        Assert.Equal(StatusCode.PermissionDenied, refusedId.StatusCode);
        await node.WaitForLogAsync("'node-intruder', which is not a current validator");

        using var validator = DevCertificates.Issue(networkCa, NodeProcess.ValidatorId);
        using (var channel = PeerChannel(node, validator))
        {
            var reply = await new PeerClient(channel).HeightAsync(new HeightRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
            Assert.Equal(0UL, reply.Height);

            // A certificate speaks for its own validator only.
            using var call = new PeerClient(channel).Consensus(deadline: DateTime.UtcNow.AddSeconds(10));
            await call.RequestStream.WriteAsync(new PeerConsensusMessage { From = "node-other", Message = new ConsensusMessage() });
            var spoofed = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, spoofed.StatusCode);
        }

        await node.WaitForLogAsync("validator 'node-solo' sent a message from 'node-other'");
    }

    [Fact]
    public async Task Clients_reach_the_api_over_https_trusting_the_network_ca_only()
    {
        await using var node = await NodeProcess.StartAsync(tls: true);

        await using (var trusted = Participants.Client(node))
        {
            var committed = await trusted.SubmitAndWaitAsync(Transactions.FileMethodology("M-https", "Over https", MethodologyLevel.Local, "1", []), Participants.Bureau);
            Assert.True(committed.IsCommitted);
        }

        // The OS store does not know the network CA.
        await using (var untrusted = new LedgerClient(new LedgerClientOptions { Endpoint = node.Url }))
        {
            var refused = await Assert.ThrowsAsync<LedgerClientException>(() => untrusted.GetStatusAsync());
            output.WriteLine(refused.Message);
            Assert.Contains("The SSL connection could not be established", refused.Message, StringComparison.Ordinal);
            Assert.Contains("certificate chain", refused.Message, StringComparison.Ordinal);
        }

        await using (var plaintext = new LedgerClient(new LedgerClientOptions { Endpoint = new Uri($"http://127.0.0.1:{node.Port}") }))
        {
            var refused = await Assert.ThrowsAsync<LedgerClientException>(() => plaintext.GetStatusAsync());
            output.WriteLine(refused.Message);
        }

        // The CLI: --ca on a --node command; a CA file that is not the node's CA fails (exit 1), an unreadable one is misuse (exit 2).
        Assert.Equal(0, await Cli("status", "--node", node.Url.ToString(), "--ca", node.CaFile!, "--json"));
        Assert.Equal(0, await Cli("query", "methodology", "M-https", "--node", node.Url.ToString(), "--ca", node.CaFile!));
        Assert.Equal(1, await Cli("status", "--node", node.Url.ToString(), "--ca", Path.Combine(Path.GetDirectoryName(node.CaFile)!, DevCertificates.CertificateFileName(NodeProcess.ValidatorId))));
        Assert.Equal(2, await Cli("status", "--node", node.Url.ToString(), "--ca", Path.Combine(Path.GetDirectoryName(node.CaFile)!, "missing.pem")));
    }

    [Fact]
    public async Task A_node_without_tls_or_the_development_flag_does_not_start()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ledger-notls-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var genesis = new TestLedger().Genesis.Clone();
        genesis.Validators.Clear();
        genesis.Validators.Add(new Validator { ValidatorId = NodeProcess.ValidatorId, PublicKey = TestKeys.For(NodeProcess.ValidatorId).ToPublicKey(), Power = 1 });
        await File.WriteAllTextAsync(Path.Combine(directory, "genesis.json"), JsonFormatter.Default.Format(genesis));
        await File.WriteAllTextAsync(Path.Combine(directory, "validator.pem"), TestKeys.For(NodeProcess.ValidatorId).ToPkcs8Pem());
        var port = NodeProcess.FreePort();
        var nodeFile = Path.Combine(directory, "node.json");
        await File.WriteAllTextAsync(nodeFile, $$"""
            { "Node": { "NodeId": "{{NodeProcess.ValidatorId}}", "ListenUrl": "http://127.0.0.1:{{port}}", "DataDirectory": "data", "KeyFile": "validator.pem", "GenesisFile": "genesis.json" } }
            """);

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => NodeProcess.StartFromNodeFileAsync(nodeFile, genesis, new Uri($"http://127.0.0.1:{port}"), NodeProcess.ValidatorId));
        Assert.Contains("the node exited with 2", failed.Message, StringComparison.Ordinal);
        Assert.Contains("Node:Tls needs CertificateFile, KeyFile and CaFile", failed.Message, StringComparison.Ordinal);
        Assert.Contains("Node:ListenUrl must be https://", failed.Message, StringComparison.Ordinal);
        Directory.Delete(directory, recursive: true);
    }

    private static async Task<RpcException> HeightStatus(NodeProcess node, X509Certificate2? certificate)
    {
        using var channel = PeerChannel(node, certificate);
        return await Assert.ThrowsAsync<RpcException>(() => new PeerClient(channel).HeightAsync(new HeightRequest(), deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync);
    }

    /// <summary>A channel to the node's peer service as a would-be validator: trusts the network CA, presents certificate if any.</summary>
    private static GrpcChannel PeerChannel(NodeProcess node, X509Certificate2? certificate)
    {
        var handler = NetworkTrust.CreateHandler(NetworkTrust.ReadCaFile(node.CaFile!));
        if (certificate is not null)
        {
            handler.SslOptions.ClientCertificates = [certificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }

        return GrpcChannel.ForAddress(node.Url, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    private static async Task<int> Cli(params string[] args)
    {
        var root = new System.CommandLine.RootCommand { StatusCommand.Create(), QueryCommand.Create() };
        return await root.Parse(args).InvokeAsync();
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + ConditionTimeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(100);
        }
    }

    private async Task StopAll(IReadOnlyList<NodeProcess> nodes)
    {
        foreach (var node in nodes)
        {
            output.WriteLine($"--- {node.NodeId}");
            output.WriteLine(string.Join('\n', node.Log.Split('\n').Where(l => !l.Contains("link to", StringComparison.Ordinal)).TakeLast(40)));
            await node.DisposeAsync();
        }
    }
}

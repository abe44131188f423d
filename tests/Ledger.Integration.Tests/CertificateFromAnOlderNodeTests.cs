using System.CommandLine;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Cli;
using Ledger.Core.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Integration.Tests;

/// <summary>
/// D48: `ledger cert get` against a node older than D43's GetValidators. The older node is played by a gRPC server on
/// 127.0.0.1 that passes every query `cert get` makes to a real node, except GetValidators, which it does not have
/// (UNIMPLEMENTED, as an older build answers). The command says what is wrong and that the node must be upgraded,
/// and writes no certificate: it never falls back to the current validators (D43's bug).
/// </summary>
public sealed class CertificateFromAnOlderNodeTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ledger-cert-old-" + Guid.NewGuid().ToString("N")[..12]);
    private NodeProcess _node = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _node = await NodeProcess.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Cert_get_from_a_node_without_GetValidators_says_to_upgrade_it_and_writes_nothing()
    {
        await using var client = Participants.Client(_node);
        var (_, trader, _, batch) = await Stories.IssueAndTransferAsync(client);
        var request = await client.SubmitAndWaitAsync(Ledger.Client.Builders.Transactions.RequestCancellation(batch, 1_000, "Ordos No. 1 Middle School", "older node"), trader);
        var cancellationId = request.Attribute("cancellation_id")!;
        await client.SubmitAndWaitAsync(Ledger.Client.Builders.Transactions.ApproveCancellation(cancellationId), Participants.Operator);

        await using var older = await OlderNode.StartAsync(_node);

        var thrown = await Assert.ThrowsAsync<IOException>(() => CertCommand.FetchAsync(older.Url, cancellationId));
        Assert.Contains("GetValidators", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("upgrade", thrown.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(older.Url.ToString(), thrown.Message, StringComparison.Ordinal);

        var file = Path.Combine(_directory, "certificate.json");
        Assert.Equal(CertCommand.UsageExitCode, await new RootCommand { CertCommand.Create() }.Parse(["cert", "get", cancellationId, "--node", older.Url.ToString(), "--out", file]).InvokeAsync());
        Assert.False(File.Exists(file));

        // The same command against the node itself writes a certificate that verifies.
        Assert.Equal(CertCommand.ValidExitCode, await new RootCommand { CertCommand.Create() }.Parse(["cert", "get", cancellationId, "--node", _node.Url.ToString(), "--out", file]).InvokeAsync());
        var genesisFile = Path.Combine(_directory, "genesis.json");
        await File.WriteAllTextAsync(genesisFile, Google.Protobuf.JsonFormatter.Default.Format(_node.Genesis));
        Assert.Empty(CertCommand.VerifyFile(file, genesisFile));
    }

    /// <summary>A node of a build before GetValidators: every other query `cert get` makes is answered by the real node.</summary>
    private sealed class OlderNode : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly GrpcChannel _channel;

        private OlderNode(WebApplication app, GrpcChannel channel, Uri url)
        {
            _app = app;
            _channel = channel;
            Url = url;
        }

        public Uri Url { get; }

        public static async Task<OlderNode> StartAsync(NodeProcess real)
        {
            var channel = real.Channel();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
            builder.Services.AddGrpc();
            builder.Services.AddSingleton(new ProtocolLedger.LedgerClient(channel));
            var app = builder.Build();
            app.MapGrpcService<Forwarder>();
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return new OlderNode(app, channel, new Uri(address));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _channel.Dispose();
        }
    }

    private sealed class Forwarder(ProtocolLedger.LedgerClient real) : ProtocolLedger.LedgerBase
    {
        public override async Task<GetCancellationReply> GetCancellation(GetCancellationRequest request, ServerCallContext context) =>
            await real.GetCancellationAsync(request, cancellationToken: context.CancellationToken);

        public override async Task<NodeStatus> GetStatus(GetStatusRequest request, ServerCallContext context) =>
            await real.GetStatusAsync(request, cancellationToken: context.CancellationToken);

        public override async Task<TransactionReply> GetTransaction(GetTransactionRequest request, ServerCallContext context) =>
            await real.GetTransactionAsync(request, cancellationToken: context.CancellationToken);

        public override async Task<BlockReply> GetBlock(GetBlockRequest request, ServerCallContext context) =>
            await real.GetBlockAsync(request, cancellationToken: context.CancellationToken);
    }
}

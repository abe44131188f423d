using System.Net;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Node.Backup;
using Ledger.Node.Chain;
using Ledger.Node.Consensus;
using Ledger.Node.Mempool;
using Ledger.Node.Observability;
using Ledger.Node.Options;
using Ledger.Node.Peers;
using Ledger.Node.Portal;
using Ledger.Node.Services;
using Ledger.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

// A ledger node: `Ledger.Node --node-file network-config/devnet/bureau.json`.
var nodeFile = NodeFileArgument(args);
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddJsonFile(nodeFile, optional: false, reloadOnChange: false);
// Command-line settings (e.g. --Node:DataDirectory=...) override the node file.
builder.Configuration.AddCommandLine(args);
builder.Services.AddOptions<NodeOptions>()
    .Bind(builder.Configuration.GetSection(NodeOptions.Section))
    .ValidateDataAnnotations()
    .PostConfigure(o => NodeFile.ResolvePaths(o, Path.GetDirectoryName(nodeFile)!))
    .ValidateOnStart();
var options = builder.Configuration.GetSection(NodeOptions.Section).Get<NodeOptions>() ?? new NodeOptions();
NodeFile.ResolvePaths(options, Path.GetDirectoryName(nodeFile)!);
var listen = new Uri(options.ListenUrl);
Uri? metricsListen = options.MetricsListenUrl.Length == 0 ? null : new Uri(options.MetricsListenUrl);
var admin = AdminEndpoint.Parse(options.AdminListenUrl);
var portalListen = AdminEndpoint.Parse(options.PortalListenUrl, "Node:PortalListenUrl", "the portal's plain-HTTP listener");
var transport = TransportOrExit(options, nodeFile);

// One line per event, UTC timestamps; request-level noise only when asked for in the node file's Logging section.
if (options.LogFormat == "json")
{
    builder.Logging.AddJsonConsole(console =>
    {
        console.UseUtcTimestamp = true;
        console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
    });
}
else
{
    builder.Logging.AddSimpleConsole(console =>
    {
        console.SingleLine = true;
        console.UseUtcTimestamp = true;
        console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
    });
}

builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Limits.MaxRequestBodySize = options.MessageBytesMax;
    kestrel.Listen(IPAddress.Parse(listen.Host), listen.Port, endpoint =>
    {
        // Over TLS, ALPN gives gRPC clients h2 and browsers the portal over h1 or h2 (D36); h2c cannot share a port with h1.
        endpoint.Protocols = transport.Certificate is null ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2;
        if (transport.Certificate is { } certificate)
        {
            // Client certificates are asked for but optional (API clients have none); PeerAuthenticator judges them per peer call.
            endpoint.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = certificate,
                ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                ClientCertificateValidation = (_, _, _) => true,
            });
        }
    });
    if (metricsListen is not null)
    {
        // Prometheus scrapes over plain HTTP/1.1, on a port of its own (the client API may be TLS or HTTP/2 only).
        kestrel.Listen(IPAddress.Parse(metricsListen.Host), metricsListen.Port, endpoint => endpoint.Protocols = HttpProtocols.Http1);
    }

    if (admin is not null)
    {
        kestrel.Listen(admin.Address, admin.Port, endpoint => endpoint.Protocols = HttpProtocols.Http2);
    }

    if (portalListen is not null)
    {
        kestrel.Listen(portalListen.Address, portalListen.Port, endpoint => endpoint.Protocols = HttpProtocols.Http1);
    }
});
builder.Services.AddGrpc(grpc =>
{
    grpc.MaxReceiveMessageSize = options.MessageBytesMax;
    grpc.MaxSendMessageSize = options.MessageBytesMax;
    grpc.EnableDetailedErrors = false;
});
builder.Services.AddGrpcReflection();
// The standard health service reports consensus health (PeerProbe), for the whole server ("") and for ledger.v1.Ledger.
builder.Services.AddGrpcHealthChecks(health => health.Services.Map("ledger.v1.Ledger", _ => true))
    .AddCheck<PeerProbe>("consensus");
builder.Services.AddSingleton<NodeMetrics>();
if (metricsListen is not null)
{
    builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
        .AddMeter(NodeMetrics.MeterName)
        .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
}

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(10));
builder.Services.AddSingleton(_ => new SignatureCache(capacity: 200_000));
builder.Services.AddSingleton(sp =>
{
    var o = sp.GetRequiredService<IOptions<NodeOptions>>().Value;
    return new NodeChain(RocksDbChainStore.Open(o.DataDirectory), NodeFile.LoadGenesis(o.GenesisFile), sp.GetRequiredService<SignatureCache>());
});
builder.Services.AddSingleton(sp => NodeFile.LoadKey(sp.GetRequiredService<IOptions<NodeOptions>>().Value.KeyFile));
builder.Services.AddSingleton<TransactionTracker>();
builder.Services.AddSingleton<Mempool>();
builder.Services.AddSingleton<SubmissionRateLimiter>();
builder.Services.AddSingleton<StreamLimiter>();
builder.Services.AddSingleton(transport);
builder.Services.AddSingleton<PeerAuthenticator>();
builder.Services.AddSingleton<PeerNetwork>();
builder.Services.AddSingleton<PeerProbe>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<PeerProbe>());
builder.Services.AddSingleton<SoloConsensus>();
builder.Services.AddSingleton<BftConsensus>();
// One validator commits alone; several run Tendermint among themselves.
builder.Services.AddSingleton<IConsensusEngine>(sp => sp.GetRequiredService<NodeChain>().Genesis.Validators.Count == 1
    ? sp.GetRequiredService<SoloConsensus>()
    : sp.GetRequiredService<BftConsensus>());
builder.Services.AddHostedService<ConsensusHost>();
builder.Services.AddSingleton<BackupMaker>();
builder.Services.AddSingleton<PortalEvents>();
builder.Services.AddSingleton<PortalAggregates>();
if (admin is not null)
{
    builder.Services.AddSingleton(admin);
}

var app = builder.Build();
app.MapGrpcService<LedgerService>();
app.MapGrpcService<PeerService>();
app.MapGrpcReflectionService();
app.MapGrpcHealthChecksService();
if (admin is not null)
{
    app.MapGrpcService<AdminService>();
}
// The public portal (D36): on the client API's port when it speaks TLS, and on PortalListenUrl when set.
var portalPorts = new HashSet<int>();
if (transport.Certificate is not null)
{
    portalPorts.Add(listen.Port);
}

if (portalListen is not null)
{
    portalPorts.Add(portalListen.Port);
}

app.MapPortal(portalPorts);
if (metricsListen is not null)
{
    // /metrics on the metrics endpoint only.
    app.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Connection.LocalPort == metricsListen.Port && context.Request.Path == "/metrics");
}

// Open the chain before serving, so a bad data directory or genesis stops the start with its reason.
var chain = StorageFault.OpenOrExit(app.Services.GetRequiredService<NodeChain>, options.DataDirectory);
app.Services.GetRequiredService<Mempool>();
app.Services.GetRequiredService<SigningKey>();
app.Services.GetRequiredService<IConsensusEngine>();
app.Services.GetRequiredService<NodeMetrics>().Observe(chain, app.Services.GetRequiredService<Mempool>(), app.Services.GetRequiredService<PeerProbe>());
app.Lifetime.ApplicationStarted.Register(() =>
{
    var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
    app.Logger.LogInformation(
        "Ledger node {NodeId} of chain {ChainId} (genesis {GenesisHash}) serving at {Url}, height {Height}",
        options.NodeId,
        chain.Genesis.ChainId,
        GenesisHash.Format(GenesisHash.Compute(chain.Genesis)),
        address,
        chain.Head.Height);
    if (portalPorts.Count > 0)
    {
        app.Logger.LogInformation("Public portal at {PortalUrls}", string.Join(" and ", PortalUrls(transport, listen, portalListen)));
    }

    if (transport.Certificate is { } served)
    {
        app.Logger.LogInformation("TLS with certificate {Subject} until {NotAfter:u}; peers need a certificate from {CaFile} naming a current validator", served.Subject, served.NotAfter.ToUniversalTime(), options.Tls.CaFile);
    }
    else
    {
        app.Logger.LogWarning("DEVELOPMENT PLAINTEXT (Node:Tls:DevelopmentPlaintext): no TLS, and peers are not authenticated; anyone who reaches {Url} can act as a validator's peer. Never on a real network", address);
    }

    if (chain.Machine.Parameters.Rules is { Development: true } rules)
    {
        app.Logger.LogWarning(
            "DEVELOPMENT NETWORK: the genesis rules ask {NoticeWorkingDays} working days of public notice and {ReviewOpinionsRequired} expert opinion(s), below the measures (5 days, §10); never use this chain for real reductions",
            rules.NoticeWorkingDays,
            rules.ReviewOpinionsRequired);
    }
});
app.Lifetime.ApplicationStopped.Register(chain.Dispose);
app.Run();

static IEnumerable<string> PortalUrls(PeerTransport transport, Uri listen, AdminEndpoint? portalListen)
{
    if (transport.Certificate is not null)
    {
        yield return $"https://{listen.Authority}/";
    }

    if (portalListen is not null)
    {
        yield return $"http://{new IPEndPoint(portalListen.Address, portalListen.Port)}/";
    }
}

// Without certificates and without the development flag the node does not start (D28).
static PeerTransport TransportOrExit(NodeOptions options, string nodeFile)
{
    var problems = PeerTransport.Problems(options);
    try
    {
        if (problems.Count == 0)
        {
            return PeerTransport.Load(options.Tls);
        }
    }
    catch (InvalidOperationException exception)
    {
        problems = [exception.Message];
    }

    foreach (var problem in problems)
    {
        Console.Error.WriteLine($"node file {nodeFile}: {problem}");
    }

    Environment.Exit(2);
    return PeerTransport.Plaintext;
}

static string NodeFileArgument(string[] args)
{
    var index = Array.IndexOf(args, "--node-file");
    if (index < 0 || index + 1 >= args.Length)
    {
        Console.Error.WriteLine("usage: Ledger.Node --node-file <node.json>");
        Environment.Exit(2);
    }

    return Path.GetFullPath(args[index + 1]);
}

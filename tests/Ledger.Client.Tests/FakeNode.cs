using System.Collections.Concurrent;
using System.Net;
using Grpc.Core;
using Ledger.Core.Protocol;
using Ledger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Client.Tests;

/// <summary>
/// A stand-in for the node's client API: whatever a test sets, NOT_FOUND for lookups it did not set,
/// UNIMPLEMENTED for the rest.
/// </summary>
public sealed class FakeLedgerService : ProtocolLedger.LedgerBase
{
    private int _statusCalls;

    public NodeStatus Status { get; set; } = new() { ChainId = TestLedger.ChainId, Height = 41, HashAlgorithm = HashAlgorithm.Sha256, NodeId = "fake" };

    public int StatusCalls => Volatile.Read(ref _statusCalls);

    public ConcurrentQueue<Envelope> Received { get; } = new();

    public Func<Envelope, SubmitReply>? OnSubmit { get; set; }

    public Func<Envelope, ServerCallContext, Task<TransactionReply>>? OnSubmitAndWait { get; set; }

    public Func<byte[], TransactionReply>? OnGetTransaction { get; set; }

    public ConcurrentDictionary<string, ParticipantRecord> Participants { get; } = new();

    public List<BlockReply> Blocks { get; } = [];

    public RpcException? Failure { get; set; }

    public TaskCompletionSource StreamCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When set, GetStatus answers only once this completes (to hold calls in flight).</summary>
    public Task? StatusGate { get; set; }

    public override async Task<NodeStatus> GetStatus(GetStatusRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref _statusCalls);
        if (StatusGate is { } gate)
        {
            await gate.WaitAsync(context.CancellationToken);
        }

        return Status;
    }

    public override Task<SubmitReply> Submit(SubmitRequest request, ServerCallContext context)
    {
        Received.Enqueue(request.Envelope);
        return Task.FromResult((OnSubmit ?? throw Unimplemented())(request.Envelope));
    }

    public override Task<TransactionReply> SubmitAndWait(SubmitRequest request, ServerCallContext context)
    {
        Received.Enqueue(request.Envelope);
        return (OnSubmitAndWait ?? throw Unimplemented())(request.Envelope, context);
    }

    public override Task<TransactionReply> GetTransaction(GetTransactionRequest request, ServerCallContext context) =>
        Task.FromResult(OnGetTransaction?.Invoke(request.TransactionId.ToByteArray()) ?? throw NotFound());

    public override Task<BlockReply> GetBlock(GetBlockRequest request, ServerCallContext context) =>
        Task.FromResult(Blocks.FirstOrDefault(b => b.Block.Header.Height == request.Height) ?? throw NotFound());

    public override Task<GetParticipantReply> GetParticipant(GetParticipantRequest request, ServerCallContext context)
    {
        if (Failure is not null)
        {
            throw Failure;
        }

        return Task.FromResult(Participants.TryGetValue(request.ParticipantId, out var participant)
            ? new GetParticipantReply { Participant = participant }
            : throw NotFound());
    }

    public override Task<ListParticipantsReply> ListParticipants(ListRequest request, ServerCallContext context) =>
        Task.FromResult(new ListParticipantsReply
        {
            Participants = { Participants.Values.Where(p => string.CompareOrdinal(p.ParticipantId, request.After) > 0).OrderBy(p => p.ParticipantId, StringComparer.Ordinal).Take(request.Limit == 0 ? 1000 : (int)request.Limit) },
        });

    public override Task<GetBalancesReply> GetBalances(GetBalancesRequest request, ServerCallContext context) => Task.FromResult(new GetBalancesReply());

    public override Task<GetBatchReply> GetBatch(GetBatchRequest request, ServerCallContext context) => throw NotFound();

    public override Task<GetProjectReply> GetProject(GetProjectRequest request, ServerCallContext context) => throw NotFound();

    public override Task<GetMethodologyReply> GetMethodology(GetMethodologyRequest request, ServerCallContext context) => throw NotFound();

    public override Task<GetCancellationReply> GetCancellation(GetCancellationRequest request, ServerCallContext context) => throw NotFound();

    /// <summary>Like the node: the stored blocks from from_height, then wait for new ones until the client goes away.</summary>
    public override async Task StreamBlocks(StreamBlocksRequest request, IServerStreamWriter<BlockReply> responseStream, ServerCallContext context)
    {
        foreach (var block in Blocks.Where(b => b.Block.Header.Height >= request.FromHeight))
        {
            await responseStream.WriteAsync(block, context.CancellationToken);
        }

        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            StreamCancelled.TrySetResult();
        }
    }

    private static RpcException NotFound() => new(new Status(StatusCode.NotFound, "not here"));

    private static RpcException Unimplemented() => new(new Status(StatusCode.Unimplemented, "not set by the test"));
}

/// <summary>Kestrel on 127.0.0.1, an ephemeral port, HTTP/2 without TLS, serving one <see cref="FakeLedgerService"/>.</summary>
public sealed class FakeNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeNode(WebApplication app, FakeLedgerService service, Uri endpoint)
    {
        _app = app;
        Service = service;
        Endpoint = endpoint;
    }

    public FakeLedgerService Service { get; }

    public Uri Endpoint { get; }

    public static async Task<FakeNode> StartAsync()
    {
        var service = new FakeLedgerService();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<FakeLedgerService>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new FakeNode(app, service, new Uri(address));
    }

    public LedgerClient Client(Action<LedgerClientOptions>? configure = null)
    {
        var options = new LedgerClientOptions { Endpoint = Endpoint };
        configure?.Invoke(options);
        return new LedgerClient(options);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using Ledger.Core.Protocol;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Integration.Tests;

/// <summary>Generic gRPC tools work against a node, and malformed requests get INVALID_ARGUMENT with a reason.</summary>
public sealed class ApiSurfaceTests : IAsyncLifetime
{
    private NodeProcess _node = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _node = await NodeProcess.StartAsync();
        _channel = GrpcChannel.ForAddress(_node.Url);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task The_standard_health_service_reports_serving_for_the_server_and_the_ledger_service()
    {
        // A solo validator is its own quorum: it can commit as soon as it runs.
        var health = new Health.HealthClient(_channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = "ledger.v1.Ledger" })).Status);
    }

    [Fact]
    public async Task Reflection_lists_the_ledger_service()
    {
        using var call = new ServerReflection.ServerReflectionClient(_channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Contains(call.ResponseStream.Current.ListServicesResponse.Service, s => s.Name == "ledger.v1.Ledger");
    }

    [Theory]
    [InlineData("short transaction id")]
    [InlineData("bad account")]
    [InlineData("missing envelope")]
    [InlineData("bad subject")]
    [InlineData("year out of range")]
    [InlineData("bad registry")]
    public async Task Malformed_requests_get_invalid_argument_with_a_reason(string what)
    {
        var client = new ProtocolLedger.LedgerClient(_channel);
        Task call = what switch
        {
            "short transaction id" => client.GetTransactionAsync(new GetTransactionRequest { TransactionId = ByteString.CopyFrom(1, 2, 3) }).ResponseAsync,
            "bad account" => client.GetBalancesAsync(new GetBalancesRequest { Account = "no spaces allowed" }).ResponseAsync,
            "bad subject" => client.GetLifecycleAsync(new GetLifecycleRequest { SubjectId = "" }).ResponseAsync,
            "year out of range" => client.GetCalendarAsync(new GetCalendarRequest { Year = 10_000 }).ResponseAsync,
            "bad registry" => client.GetExclusionAsync(new GetExclusionRequest { Registry = "C C E R", ExternalId = "1" }).ResponseAsync,
            _ => client.SubmitAsync(new SubmitRequest()).ResponseAsync,
        };
        var error = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail));
    }

    [Fact]
    public async Task Bytes_that_are_not_a_request_do_not_crash_the_node()
    {
        var method = new Method<byte[], byte[]>(MethodType.Unary, "ledger.v1.Ledger", "Submit", Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        var invoker = _channel.CreateCallInvoker();
        var error = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(method, null, new CallOptions(), [0xFF, 0xFF, 0xFF, 0x0F]).ResponseAsync);
        // Grpc.AspNetCore fails the call before our code runs (status Unknown); what matters is that the node lives on.
        Assert.NotEqual(StatusCode.OK, error.StatusCode);
        var status = await new ProtocolLedger.LedgerClient(_channel).GetStatusAsync(new GetStatusRequest());
        Assert.Equal(_node.Genesis.ChainId, status.ChainId);
    }
}

using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Ledger.Core.Protocol;
using Ledger.Fuzz;
using Xunit.Abstractions;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Integration.Tests;

/// <summary>
/// Target 5 of the fuzz harness: a real node process over loopback gets hostile requests on every
/// unary and server-streaming method of ledger.v1.Ledger and ledger.v1.Peer (junk bytes, requests
/// with hostile field values, and those damaged byte by byte) and junk on the peer client streams. A request that
/// decodes must get an answer that is not Unknown or Internal (those mean a handler threw), and a
/// refusal must say why; whatever the bytes, the node answers within the deadline, and between
/// calls it still serves GetStatus and reports SERVING.
/// </summary>
public sealed class GrpcFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int CallsPerSeed = 300;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);

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
    public async Task The_node_answers_hostile_requests_and_stays_healthy()
    {
        var rotating = ulong.TryParse(Environment.GetEnvironmentVariable("LEDGER_FUZZ_SEED"), CultureInfo.InvariantCulture, out var seed) ? seed : (ulong)DateTime.UtcNow.Ticks;
        foreach (var runSeed in new ulong[] { 20_261_124, rotating })
        {
            var counters = new FuzzCounters();
            for (var index = 0; index < CallsPerSeed; index++)
            {
                var random = new FuzzRandom(FuzzRandom.InputSeed(runSeed, "grpc", index));
                var what = await CallAsync(random, counters);
                if (index % 25 == 24)
                {
                    await AssertHealthyAsync($"after input {index} ({what}) of seed {runSeed}");
                }
            }

            output.WriteLine($"grpc: {CallsPerSeed} calls, seed {runSeed}{(runSeed == rotating ? " (rotating; LEDGER_FUZZ_SEED repeats it)" : " (fixed)")}");
            foreach (var (outcome, count) in counters.All)
            {
                output.WriteLine($"    {outcome}: {count}");
            }
        }

        await AssertHealthyAsync("at the end");
    }

    private static readonly IReadOnlyList<MethodDescriptor> UnaryMethods =
        LedgerApiReflection.Descriptor.Services.Concat(PeerApiReflection.Descriptor.Services)
            .SelectMany(s => s.Methods).Where(m => !m.IsClientStreaming && !m.IsServerStreaming).ToList();

    private static readonly IReadOnlyList<MethodDescriptor> ServerStreamingMethods =
        LedgerApiReflection.Descriptor.Services.Concat(PeerApiReflection.Descriptor.Services)
            .SelectMany(s => s.Methods).Where(m => !m.IsClientStreaming && m.IsServerStreaming).ToList();

    private async Task<string> CallAsync(FuzzRandom random, FuzzCounters counters)
    {
        if (random.Chance(10))
        {
            return await StreamJunkAsync(random, counters);
        }

        if (random.Chance(5))
        {
            return await ReadStreamAsync(random, counters);
        }

        var method = random.Pick(UnaryMethods);
        var (bytes, decodes) = Request(random, method.InputType);
        var what = $"{method.Service.Name}/{method.Name} with {bytes.Length} bytes";
        var call = new Method<byte[], byte[]>(MethodType.Unary, method.Service.FullName, method.Name, Raw, Raw);
        try
        {
            await _channel.CreateCallInvoker().AsyncUnaryCall(call, null, new CallOptions(deadline: DateTime.UtcNow + Deadline), bytes);
            counters.Count("OK");
        }
        catch (RpcException error)
        {
            Assert.True(error.StatusCode != StatusCode.DeadlineExceeded, $"{what}: no answer within {Deadline.TotalSeconds} s (hang)");
            if (decodes)
            {
                Assert.True(error.StatusCode is not (StatusCode.Unknown or StatusCode.Internal), $"{what}: a request that decodes got {error.StatusCode}: {error.Status.Detail} (a handler threw)");
                Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail), $"{what}: {error.StatusCode} without a reason");
            }

            counters.Count($"{error.StatusCode}{(decodes ? "" : " (undecodable)")}");
        }

        return what;
    }

    /// <summary>Junk bytes, a request of the right type with hostile field values, or that request damaged; and whether it decodes.</summary>
    private static (byte[] Bytes, bool Decodes) Request(FuzzRandom random, MessageDescriptor input)
    {
        byte[] bytes;
        if (random.Chance(25))
        {
            bytes = ByteMutator.RandomBytes(random);
        }
        else
        {
            var message = (IMessage)Activator.CreateInstance(input.ClrType)!;
            FieldMutator.Mutate(random, message, ["bureau", "operator", "PV-1", "ordos-test", "node-solo"], changes: 4);
            bytes = message.ToByteArray();
            if (random.Chance(33))
            {
                bytes = ByteMutator.Mutate(random, bytes);
            }
        }

        try
        {
            input.Parser.ParseFrom(bytes);
            return (bytes, true);
        }
        catch (InvalidProtocolBufferException)
        {
            return (bytes, false);
        }
    }

    /// <summary>
    /// A server stream (StreamBlocks, Decisions) with a hostile request: up to three replies are read.
    /// A stream may rightly wait for blocks that do not come, so its deadline (500 ms) is short and allowed.
    /// </summary>
    private async Task<string> ReadStreamAsync(FuzzRandom random, FuzzCounters counters)
    {
        var method = random.Pick(ServerStreamingMethods);
        var (bytes, decodes) = Request(random, method.InputType);
        var what = $"{method.Service.Name}/{method.Name} stream with {bytes.Length} bytes";
        using var call = _channel.CreateCallInvoker().AsyncServerStreamingCall(
            new Method<byte[], byte[]>(MethodType.ServerStreaming, method.Service.FullName, method.Name, Raw, Raw), null,
            new CallOptions(deadline: DateTime.UtcNow + TimeSpan.FromMilliseconds(500)), bytes);
        try
        {
            for (var read = 0; read < 3 && await call.ResponseStream.MoveNext(CancellationToken.None); read++)
            {
            }

            counters.Count($"{method.Name} stream OK");
        }
        catch (RpcException error)
        {
            if (decodes)
            {
                Assert.True(error.StatusCode is not (StatusCode.Unknown or StatusCode.Internal), $"{what}: a request that decodes got {error.StatusCode}: {error.Status.Detail} (a handler threw)");
            }

            counters.Count($"{method.Name} stream {error.StatusCode}{(decodes ? "" : " (undecodable)")}");
        }

        return what;
    }

    /// <summary>A peer's client stream (Transactions or Consensus) of a few junk or damaged messages.</summary>
    private async Task<string> StreamJunkAsync(FuzzRandom random, FuzzCounters counters)
    {
        var name = random.Chance(50) ? "Transactions" : "Consensus";
        var input = name == "Transactions" ? Envelope.Descriptor : PeerConsensusMessage.Descriptor;
        var call = _channel.CreateCallInvoker().AsyncClientStreamingCall(
            new Method<byte[], byte[]>(MethodType.ClientStreaming, "ledger.v1.Peer", name, Raw, Raw), null, new CallOptions(deadline: DateTime.UtcNow + Deadline));
        try
        {
            for (var i = random.Between(1, 5); i > 0; i--)
            {
                await call.RequestStream.WriteAsync(Request(random, input).Bytes);
            }

            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
            counters.Count($"Peer/{name} stream OK");
        }
        catch (RpcException error)
        {
            Assert.True(error.StatusCode != StatusCode.DeadlineExceeded, $"Peer/{name} stream: no answer within {Deadline.TotalSeconds} s (hang)");
            counters.Count($"Peer/{name} stream {error.StatusCode}");
        }
        finally
        {
            call.Dispose();
        }

        return $"Peer/{name} stream";
    }

    private async Task AssertHealthyAsync(string when)
    {
        var status = await new ProtocolLedger.LedgerClient(_channel).GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow + Deadline);
        Assert.True(status.ChainId == _node.Genesis.ChainId, $"GetStatus {when}");
        var health = await new Health.HealthClient(_channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + Deadline);
        Assert.True(health.Status == HealthCheckResponse.Types.ServingStatus.Serving, $"health {when}: {health.Status}");
    }
}

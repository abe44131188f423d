using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Bench.Loopback;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RocksDbSharp;
using WriteOptions = RocksDbSharp.WriteOptions;

namespace Ledger.Bench;

/// <summary>One measured limit: operations per second and what an operation is.</summary>
public sealed record Limit(string Name, double PerSecond, string Unit);

/// <summary>
/// The machine limits issue 9 lists, measured in this process now: each loop runs for a fixed time and
/// counts what it finished. The targets divide their figures by these, so a busy machine moves both.
/// </summary>
public static class Limits
{
    public const string Ed25519VerifyOneCore = "Ed25519 verify, 1 core";
    public const string Ed25519VerifyAllCores = "Ed25519 verify, all cores";
    public const string Ed25519Sign = "Ed25519 sign, 1 core";
    public const string Sm2Verify = "SM2 verify, 1 core";
    public const string Sha256 = "SHA-256 of 250 B, 1 core";
    public const string RocksUnsynced = "RocksDB WriteBatch of 1,000, unsynced";
    public const string RocksSynced = "RocksDB WriteBatch of 1,000, synced";
    public const string GrpcUnary = "gRPC loopback unary, 16 callers";
    public const string GrpcStreaming = "gRPC loopback client-streaming";

    private const int MessageBytes = 250;
    private const int BatchEntries = 1_000;
    private const int GrpcCallers = 16;

    private static readonly byte[] Message = RandomNumberGenerator.GetBytes(MessageBytes);

    /// <summary>Every limit, each measured for <paramref name="each"/>.</summary>
    public static async Task<IReadOnlyList<Limit>> MeasureAllAsync(TimeSpan each)
    {
        var limits = new List<Limit>
        {
            Ed25519VerifyRate(each, 1),
            Ed25519VerifyRate(each, Environment.ProcessorCount),
            Ed25519SignRate(each),
            Sm2VerifyRate(each),
            Sha256Rate(each),
        };
        limits.AddRange(RocksDbRates(each));
        limits.AddRange(await GrpcRatesAsync(each));
        return limits;
    }

    /// <summary>
    /// CPU time of one Ed25519 verify (the ledger's suite) on one thread, in microseconds, from this process's CPU
    /// time over <paramref name="duration"/>: unlike a rate, it barely moves when other processes share the cores.
    /// </summary>
    public static double Ed25519VerifyCpuMicroseconds(TimeSpan duration)
    {
        using var key = SigningKey.FromSeed(KeyAlgorithm.Ed25519, RandomNumberGenerator.GetBytes(32));
        var publicKey = key.ToPublicKey().Key.ToByteArray();
        var signature = key.Sign(Message);
        Ed25519Suite.Instance.Verify(publicKey, Message, signature); // warm up
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        long done = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            for (var i = 0; i < 16; i++)
            {
                Ed25519Suite.Instance.Verify(publicKey, Message, signature);
            }

            done += 16;
        }

        process.Refresh();
        return (process.TotalProcessorTime - cpu).TotalMicroseconds / done;
    }

    /// <summary>Signatures verified per second with the ledger's Ed25519 suite (NSec) on <paramref name="threads"/> threads.</summary>
    public static Limit Ed25519VerifyRate(TimeSpan duration, int threads)
    {
        using var key = SigningKey.FromSeed(KeyAlgorithm.Ed25519, RandomNumberGenerator.GetBytes(32));
        var publicKey = key.PublicKeyBytes;
        var signature = key.Sign(Message);
        var rate = Run(duration, threads, () =>
        {
            if (!Ed25519Suite.Instance.Verify(publicKey, Message, signature))
            {
                throw new InvalidOperationException("Ed25519 verify failed");
            }
        });
        return new Limit(threads == 1 ? Ed25519VerifyOneCore : Ed25519VerifyAllCores, rate, threads == 1 ? "verifies/s" : $"verifies/s ({threads} threads)");
    }

    public static Limit Ed25519SignRate(TimeSpan duration)
    {
        using var key = SigningKey.FromSeed(KeyAlgorithm.Ed25519, RandomNumberGenerator.GetBytes(32));
        return new Limit(Ed25519Sign, Run(duration, 1, () => key.Sign(Message)), "signs/s");
    }

    /// <summary>The ledger's own SM2 code (Ledger.Core.Crypto), through the same suite the node uses.</summary>
    public static Limit Sm2VerifyRate(TimeSpan duration)
    {
        using var key = SigningKey.FromSeed(KeyAlgorithm.Sm2, RandomNumberGenerator.GetBytes(32));
        var publicKey = key.PublicKeyBytes;
        var signature = key.Sign(Message);
        var rate = Run(duration, 1, () =>
        {
            if (!Sm2Suite.Instance.Verify(publicKey, Message, signature))
            {
                throw new InvalidOperationException("SM2 verify failed");
            }
        });
        return new Limit(Sm2Verify, rate, "verifies/s");
    }

    public static Limit Sha256Rate(TimeSpan duration)
    {
        var hash = new byte[32];
        return new Limit(Sha256, Run(duration, 1, () => SHA256.HashData(Message, hash)), "hashes/s");
    }

    /// <summary>Entries/s in unsynced batches and batches/s synced, in a fresh RocksDB in a temporary folder.</summary>
    public static IReadOnlyList<Limit> RocksDbRates(TimeSpan duration)
    {
        var directory = Path.Combine(Path.GetTempPath(), "ledger-bench-rocks-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var db = RocksDb.Open(new DbOptions().SetCreateIfMissing(true), directory);
            var unsynced = new WriteOptions().SetSync(false);
            var synced = new WriteOptions().SetSync(true);
            long next = 0;
            var value = new byte[100];
            void WriteBatchOf(WriteOptions options)
            {
                using var batch = new WriteBatch();
                var key = new byte[16];
                for (var i = 0; i < BatchEntries; i++)
                {
                    BitConverter.TryWriteBytes(key, next++);
                    batch.Put(key, value);
                }

                db.Write(batch, options);
            }

            var unsyncedBatches = Run(duration, 1, () => WriteBatchOf(unsynced));
            var syncedBatches = Run(duration, 1, () => WriteBatchOf(synced));
            return
            [
                new Limit(RocksUnsynced, unsyncedBatches * BatchEntries, "entries/s"),
                new Limit(RocksSynced, syncedBatches, "batches/s"),
            ];
        }
        finally
        {
            TryDelete(directory);
        }
    }

    /// <summary>Unary calls/s with 16 callers and client-streamed messages/s, to a Kestrel server on a free loopback port.</summary>
    public static async Task<IReadOnlyList<Limit>> GrpcRatesAsync(TimeSpan duration)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        await using var app = builder.Build();
        app.MapGrpcService<EchoService>();
        await app.StartAsync();
        try
        {
            var address = app.Urls.First();
            using var channel = GrpcChannel.ForAddress(address);
            var client = new Echo.EchoClient(channel);
            var ping = new Ping { Payload = ByteString.CopyFrom(Message) };
            await client.UnaryAsync(ping);

            long calls = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, GrpcCallers).Select(_ => Task.Run(async () =>
            {
                while (clock.Elapsed < duration)
                {
                    await client.UnaryAsync(ping);
                    Interlocked.Increment(ref calls);
                }
            })));
            var unary = calls / clock.Elapsed.TotalSeconds;

            clock.Restart();
            using var stream = client.Stream();
            long sent = 0;
            while (clock.Elapsed < duration)
            {
                await stream.RequestStream.WriteAsync(ping);
                sent++;
            }

            await stream.RequestStream.CompleteAsync();
            var pong = await stream.ResponseAsync;
            var streaming = pong.Count / clock.Elapsed.TotalSeconds;
            if ((long)pong.Count != sent)
            {
                throw new InvalidOperationException($"the server counted {pong.Count} of {sent} streamed messages");
            }

            return
            [
                new Limit(GrpcUnary, unary, "calls/s"),
                new Limit(GrpcStreaming, streaming, "messages/s"),
            ];
        }
        finally
        {
            await app.StopAsync();
        }
    }

    /// <summary>Prints the limits as a table.</summary>
    public static void Print(IReadOnlyList<Limit> limits, TextWriter output)
    {
        output.WriteLine($"{"limit",-40} {"per second",14}  unit");
        foreach (var limit in limits)
        {
            output.WriteLine($"{limit.Name,-40} {limit.PerSecond.ToString("N0", CultureInfo.InvariantCulture),14}  {limit.Unit}");
        }
    }

    /// <summary>Runs <paramref name="operation"/> on <paramref name="threads"/> threads for <paramref name="duration"/>; operations per second in all.</summary>
    private static double Run(TimeSpan duration, int threads, Action operation)
    {
        operation(); // warm up: JIT, native library load
        long done = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            long mine = 0;
            while (clock.Elapsed < duration)
            {
                for (var i = 0; i < 16; i++)
                {
                    operation();
                }

                mine += 16;
            }

            Interlocked.Add(ref done, mine);
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        return done / clock.Elapsed.TotalSeconds;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class EchoService : Echo.EchoBase
    {
        private static readonly Pong One = new() { Count = 1 };

        public override Task<Pong> Unary(Ping request, ServerCallContext context) => Task.FromResult(One);

        public override async Task<Pong> Stream(IAsyncStreamReader<Ping> requestStream, ServerCallContext context)
        {
            ulong count = 0;
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                count++;
            }

            return new Pong { Count = count };
        }
    }
}

/// <summary>The machine line every report carries: date, nproc and CPU model.</summary>
public static class Machine
{
    public static string Describe()
    {
        var model = "unknown CPU";
        if (File.Exists("/proc/cpuinfo"))
        {
            model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? model;
        }

        return $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, nproc {Environment.ProcessorCount}, {model}";
    }
}

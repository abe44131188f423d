using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Bench.Crypto;

/// <summary>
/// `dotnet run -c Release --project bench/Ledger.Bench.Crypto -- [--seconds S] [--keys K] [--ed25519-only]` (or `-- chain DIR …`, see ChainBuilder):
/// single-thread verify rates, each measured for S seconds (default 3) over K signers (default 16)
/// and 250-byte messages, in one process so the ratios are of the same run.
/// </summary>
public static class Program
{
    private const int MessageBytes = 250;
    private const int SignaturesPerKey = 64;

    public static int Main(string[] args)
    {
        if (args.Length > 1 && args[0] == "chain")
        {
            return ChainBuilder.Run(args[1..]);
        }

        var seconds = Option(args, "--seconds", 3.0);
        var keys = (int)Option(args, "--keys", 16);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"nproc {Environment.ProcessorCount}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {seconds} s per figure, {keys} signers"));

        var ed = Signed(KeyAlgorithm.Ed25519, keys);
        var sm2 = Signed(KeyAlgorithm.Sm2, keys);
        var ed25519 = Rate("Ed25519 verify (NSec), 1 thread", seconds, ed, (k, m, s) => Ed25519Suite.Instance.Verify(k, m, s));
        var ed25519Both = ParallelRate($"Ed25519 verify (NSec), {Environment.ProcessorCount} threads", seconds, ed, (k, m, s) => Ed25519Suite.Instance.Verify(k, m, s));
        if (args.Contains("--ed25519-only"))
        {
            return 0;
        }

        var before = Rate("SM2 verify, uncached (key decoded, Z_A hashed every call)", seconds, sm2, (k, m, s) => Sm2Suite.VerifyUncached(k, m, s));
        var after = Rate("SM2 verify, key cache (Sm2Suite.Verify)", seconds, sm2, (k, m, s) => Sm2Suite.Instance.Verify(k, m, s));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SM2 cached / uncached = {after / before:F2}; SM2 uncached / Ed25519 = {before / ed25519:P1}; SM2 cached / Ed25519 = {after / ed25519:P1}; Ed25519 both cores / one = {ed25519Both / ed25519:F2}"));
        return 0;
    }

    private delegate bool Verifier(byte[] publicKey, byte[] message, byte[] signature);

    private sealed record Sample(byte[] PublicKey, byte[] Message, byte[] Signature);

    private static Sample[] Signed(KeyAlgorithm algorithm, int keys)
    {
        var samples = new List<Sample>();
        for (var i = 0; i < keys; i++)
        {
            using var key = SigningKey.FromSeed(algorithm, SHA256.HashData(BitConverter.GetBytes(i)));
            var publicKey = key.ToPublicKey().Key.ToByteArray();
            for (var j = 0; j < SignaturesPerKey; j++)
            {
                var message = new byte[MessageBytes];
                BitConverter.TryWriteBytes(message, (i * SignaturesPerKey) + j);
                samples.Add(new Sample(publicKey, message, key.Sign(message)));
            }
        }
        // Interleave signers, as transactions in a block are.
        return [.. samples.OrderBy(s => BitConverter.ToInt32(s.Message) % SignaturesPerKey).ThenBy(s => BitConverter.ToInt32(s.Message))];
    }

    private static double Rate(string name, double seconds, Sample[] samples, Verifier verify)
    {
        Run(samples, verify, TimeSpan.FromSeconds(Math.Min(1, seconds / 3)));
        var (count, elapsed) = Run(samples, verify, TimeSpan.FromSeconds(seconds));
        return Report(name, count, elapsed);
    }

    private static double ParallelRate(string name, double seconds, Sample[] samples, Verifier verify)
    {
        var threads = Environment.ProcessorCount;
        var results = new (long Count, TimeSpan Elapsed)[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t => results[t] = Run(samples, verify, TimeSpan.FromSeconds(seconds)));
        return Report(name, results.Sum(r => r.Count), TimeSpan.FromTicks(results.Max(r => r.Elapsed.Ticks)));
    }

    private static (long Count, TimeSpan Elapsed) Run(Sample[] samples, Verifier verify, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        long count = 0;
        while (clock.Elapsed < duration)
        {
            foreach (var sample in samples)
            {
                if (!verify(sample.PublicKey, sample.Message, sample.Signature))
                {
                    throw new InvalidOperationException("a valid signature did not verify");
                }
            }
            count += samples.Length;
        }
        return (count, clock.Elapsed);
    }

    private static double Report(string name, long count, TimeSpan elapsed)
    {
        var rate = count / elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {rate:N0}/s ({count:N0} in {elapsed.TotalSeconds:F1} s)"));
        return rate;
    }

    private static double Option(string[] args, string name, double fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? double.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;

namespace Ledger.Fuzz;

/// <summary>What a fuzz target does with one input: throws FuzzFinding when an invariant breaks, and never anything else.</summary>
public interface IFuzzTarget
{
    string Name { get; }

    void Run(FuzzRandom random, FuzzCounters counters);
}

/// <summary>An invariant a target checks did not hold for an input.</summary>
public sealed class FuzzFinding(string message) : Exception(message);

public static class FuzzAssert
{
    public static void That(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzFinding(what);
        }
    }
}

/// <summary>How often each outcome happened (rejection codes, decode failures, commits), so a run shows what it reached.</summary>
public sealed class FuzzCounters
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public void Count(string outcome) => _counts.AddOrUpdate(outcome, 1, (_, n) => n + 1);

    public long this[string outcome] => _counts.GetValueOrDefault(outcome);

    public IReadOnlyList<KeyValuePair<string, long>> All => _counts.OrderBy(c => c.Key, StringComparer.Ordinal).ToList();
}

/// <summary>A crash (unexpected exception), a broken invariant or a hang, with what replays it.</summary>
public sealed record FuzzFailure(string Target, ulong Seed, long Index, string Kind, string Detail)
{
    /// <summary>LEDGER_FUZZ_REPLAY=this replays exactly this input (see docs/TESTING.md).</summary>
    public string Replay => $"{Target}:{Seed}:{Index}";

    public override string ToString() => $"{Kind} in {Target}, replay with LEDGER_FUZZ_REPLAY={Replay}: {Detail}";
}

public sealed record FuzzResult(string Target, ulong Seed, long Inputs, TimeSpan Elapsed, IReadOnlyList<FuzzFailure> Failures, FuzzCounters Counters)
{
    public double InputsPerSecond => Elapsed.TotalSeconds > 0 ? Inputs / Elapsed.TotalSeconds : 0;

    public string Summary => $"{Target}: {Inputs} inputs in {Elapsed.TotalSeconds:F1} s ({InputsPerSecond:F0}/s), seed {Seed}, {Failures.Count} failures";
}

/// <summary>
/// Runs a target's inputs in order on one worker thread while the caller's thread watches for an
/// input that runs longer than the hang timeout. Input i of seed s is generated from
/// FuzzRandom.InputSeed(s, target, i) alone, so any input replays on its own.
/// </summary>
public static class FuzzRunner
{
    public const int FailuresMax = 20;

    public static FuzzResult Run(IFuzzTarget target, ulong seed, long inputsMax, TimeSpan durationMax, TimeSpan hangTimeout, long firstIndex = 0)
    {
        var counters = new FuzzCounters();
        var failures = new ConcurrentQueue<FuzzFailure>();
        var clock = Stopwatch.StartNew();
        long current = firstIndex, done = 0, startedMs = 0;
        var finished = false;
        var worker = new Thread(() =>
        {
            for (var index = firstIndex; index < firstIndex + inputsMax && clock.Elapsed < durationMax && failures.Count < FailuresMax; index++)
            {
                Volatile.Write(ref current, index);
                Volatile.Write(ref startedMs, clock.ElapsedMilliseconds);
                if (RunOne(target, seed, index, counters) is { } failure)
                {
                    failures.Enqueue(failure);
                }

                Interlocked.Increment(ref done);
            }

            Volatile.Write(ref finished, true);
        }, 16 * 1024 * 1024) { IsBackground = true, Name = $"fuzz {target.Name}" };
        worker.Start();
        while (!worker.Join(200))
        {
            var running = clock.ElapsedMilliseconds - Volatile.Read(ref startedMs);
            if (!Volatile.Read(ref finished) && running > hangTimeout.TotalMilliseconds)
            {
                // The worker cannot be stopped safely; it is a background thread and is left behind.
                failures.Enqueue(new FuzzFailure(target.Name, seed, Volatile.Read(ref current), "hang", $"input still running after {running} ms"));
                break;
            }
        }

        return new FuzzResult(target.Name, seed, Interlocked.Read(ref done), clock.Elapsed, failures.ToList(), counters);
    }

    /// <summary>Runs input index of seed; null when every invariant held.</summary>
    public static FuzzFailure? RunOne(IFuzzTarget target, ulong seed, long index, FuzzCounters counters)
    {
        try
        {
            target.Run(new FuzzRandom(FuzzRandom.InputSeed(seed, target.Name, index)), counters);
            return null;
        }
        catch (FuzzFinding finding)
        {
            return new FuzzFailure(target.Name, seed, index, "invariant", finding.Message);
        }
        catch (Exception crash)
        {
            return new FuzzFailure(target.Name, seed, index, "crash", crash.ToString());
        }
    }
}

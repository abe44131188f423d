namespace Ledger.Consensus.Tests.Simulation;

/// <summary>
/// SplitMix64: the simulation's only source of randomness, so one ulong seed replays a whole run
/// byte for byte on every runtime (System.Random's algorithm is not a contract).
/// </summary>
public sealed class SimRandom(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, maxExclusive).</summary>
    public int Int(int maxExclusive) => (int)(Next() % (ulong)maxExclusive);

    /// <summary>Uniform in [min, maxInclusive].</summary>
    public long Range(long min, long maxInclusive) => min + (long)(Next() % (ulong)(maxInclusive - min + 1));

    /// <summary>True with probability percent / 100.</summary>
    public bool Percent(int percent) => Int(100) < percent;

    public T Pick<T>(IReadOnlyList<T> items) => items[Int(items.Count)];

    public byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            bytes[i] = (byte)Next();
        }

        return bytes;
    }

    /// <summary>An independent stream, so adding draws in one part of the simulation does not shift another's.</summary>
    public SimRandom Fork() => new(Next());
}

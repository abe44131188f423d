namespace Ledger.Fuzz;

/// <summary>
/// SplitMix64: a small deterministic generator whose sequence is fixed by this file alone, so a
/// (seed, input index) printed today replays the same input on any runtime version.
/// </summary>
public sealed class FuzzRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The seed of input number index of a run: inputs replay one by one, without the ones before.</summary>
    public static ulong InputSeed(ulong runSeed, string target, long index)
    {
        var mixed = runSeed ^ 0x9E37_79B9_7F4A_7C15UL;
        foreach (var c in target)
        {
            mixed = Mix(mixed ^ c);
        }

        return Mix(mixed ^ (ulong)index);
    }

    public ulong NextUInt64()
    {
        _state += 0x9E37_79B9_7F4A_7C15UL;
        return Mix(_state);
    }

    /// <summary>0 ≤ result &lt; max (max &gt; 0).</summary>
    public int Next(int max) => (int)(NextUInt64() % (ulong)max);

    /// <summary>min ≤ result ≤ max.</summary>
    public int Between(int min, int max) => min + Next(max - min + 1);

    public bool Chance(int percent) => Next(100) < percent;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    public byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            bytes[i] = (byte)NextUInt64();
        }

        return bytes;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }
}

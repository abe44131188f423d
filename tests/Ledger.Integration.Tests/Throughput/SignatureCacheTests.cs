using Ledger.Node.Mempool;

namespace Ledger.Integration.Tests.Throughput;

/// <summary>The node's signature cache: exact keys, bounded, safe under concurrent use (D34, issue 9).</summary>
public sealed class SignatureCacheTests
{
    [Fact]
    public void A_key_differing_in_any_byte_is_a_miss()
    {
        var cache = new SignatureCache(capacity: 16);
        var key = Enumerable.Range(0, 140).Select(i => (byte)i).ToArray();
        cache.Add(key);

        Assert.True(cache.Contains(key));
        for (var i = 0; i < key.Length; i++)
        {
            var other = (byte[])key.Clone();
            other[i] ^= 1;
            Assert.False(cache.Contains(other));
        }

        Assert.False(cache.Contains(key.AsSpan(0, key.Length - 1)));
        Assert.False(cache.Contains([.. key, 0]));
    }

    [Fact]
    public void The_oldest_keys_go_first_when_it_is_full()
    {
        var cache = new SignatureCache(capacity: 3);
        foreach (var i in Enumerable.Range(1, 5))
        {
            cache.Add(Key(i));
        }

        Assert.Equal(3, cache.Count);
        Assert.False(cache.Contains(Key(1)));
        Assert.False(cache.Contains(Key(2)));
        Assert.True(cache.Contains(Key(3)));
        Assert.True(cache.Contains(Key(5)));
    }

    [Fact]
    public void Adding_a_key_twice_keeps_one_place()
    {
        var cache = new SignatureCache(capacity: 2);
        cache.Add(Key(1));
        cache.Add(Key(1));
        cache.Add(Key(2));

        Assert.True(cache.Contains(Key(1)));
        Assert.True(cache.Contains(Key(2)));
    }

    [Fact]
    public void Concurrent_adds_and_lookups_stay_within_capacity_and_find_the_newest()
    {
        var cache = new SignatureCache(capacity: 1_000);
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                var key = Key((worker * 1_000_000) + i);
                cache.Add(key);
                _ = cache.Contains(Key((worker * 1_000_000) + i - 1));
            }
        });

        Assert.InRange(cache.Count, 1, 1_000);
        var newest = Enumerable.Range(0, 8).Count(worker => cache.Contains(Key((worker * 1_000_000) + 4_999)));
        Assert.True(newest >= 1, "the last keys added are kept");
    }

    private static byte[] Key(int value)
    {
        var key = new byte[140];
        BitConverter.TryWriteBytes(key, value);
        key[^1] = 0x5a;
        return key;
    }
}

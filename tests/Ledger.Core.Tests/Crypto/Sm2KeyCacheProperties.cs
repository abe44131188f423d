using System.Security.Cryptography;
using FsCheck.Xunit;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Core.Tests.Crypto;

/// <summary>The SM2 key cache changes speed only: cached and uncached verification give the same answer.</summary>
public class Sm2KeyCacheProperties
{
    [Property]
    public bool Cached_and_uncached_agree_on_valid_signatures(byte[] seedMaterial, byte[] message)
    {
        var (publicKey, signature) = Signed(seedMaterial, message ?? []);
        return Agree(publicKey, message ?? [], signature, expected: true);
    }

    [Property]
    public bool Cached_and_uncached_agree_on_altered_signatures(byte[] seedMaterial, byte[] message, int position, byte delta)
    {
        var (publicKey, signature) = Signed(seedMaterial, message ?? []);
        signature[(int)((uint)position % (uint)signature.Length)] ^= delta == 0 ? (byte)1 : delta;
        return Agree(publicKey, message ?? [], signature, expected: false);
    }

    [Property]
    public bool Cached_and_uncached_agree_on_another_signers_key(byte[] seedMaterial, byte[] otherSeedMaterial, byte[] message)
    {
        var (publicKey, signature) = Signed(seedMaterial, message ?? []);
        var (otherKey, _) = Signed(otherSeedMaterial, []);
        var expected = publicKey.AsSpan().SequenceEqual(otherKey);
        return Agree(otherKey, message ?? [], signature, expected);
    }

    [Property]
    public bool Cached_and_uncached_agree_on_arbitrary_bytes(byte[] publicKey, byte[] message, byte[] signature) =>
        Sm2Suite.Instance.Verify(publicKey ?? [], message ?? [], signature ?? []) == Sm2Suite.VerifyUncached(publicKey ?? [], message ?? [], signature ?? []);

    [Property]
    public bool Cached_and_uncached_agree_on_a_key_with_one_byte_changed(byte[] seedMaterial, byte[] message, int position, byte delta)
    {
        var (publicKey, signature) = Signed(seedMaterial, message ?? []);
        publicKey[(int)((uint)position % (uint)publicKey.Length)] ^= delta == 0 ? (byte)1 : delta;
        return Agree(publicKey, message ?? [], signature, expected: false);
    }

    [Fact]
    public void A_full_cache_is_emptied_and_still_verifies()
    {
        var cache = new Sm2KeyCache(capacity: 3);
        for (var i = 0; i < 10; i++)
        {
            var (publicKey, _) = Signed([(byte)i], []);
            Assert.True(cache.TryGet(publicKey, out var key));
            Assert.Equal(Sm2.TryDecodePublicKey(publicKey)!.Normalize(), key.Point.Normalize());
            Assert.InRange(cache.Count, 1, 3);
        }
    }

    [Fact]
    public void Invalid_keys_are_not_kept()
    {
        var cache = new Sm2KeyCache(capacity: 3);
        var (publicKey, _) = Signed([1], []);
        publicKey[64] ^= 1;
        Assert.False(cache.TryGet(publicKey, out _));
        Assert.False(cache.TryGet(new byte[65], out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Cached_key_digest_matches_the_uncached_one()
    {
        var (publicKey, _) = Signed([7], []);
        var message = "transfer"u8.ToArray();
        Assert.True(new Sm2KeyCache().TryGet(publicKey, out var key));
        Assert.Equal(Sm2.MessageDigest(publicKey, message), key.MessageDigest(message));
    }

    /// <summary>Checks both paths twice: the second cached call uses the key as the first one left it.</summary>
    private static bool Agree(byte[] publicKey, byte[] message, byte[] signature, bool expected) =>
        Sm2Suite.VerifyUncached(publicKey, message, signature) == expected
        && Sm2Suite.Instance.Verify(publicKey, message, signature) == expected
        && Sm2Suite.Instance.Verify(publicKey, message, signature) == expected;

    private static (byte[] PublicKey, byte[] Signature) Signed(byte[]? seedMaterial, byte[] message)
    {
        using var key = SigningKey.FromSeed(KeyAlgorithm.Sm2, SHA256.HashData(seedMaterial ?? []));
        return (key.ToPublicKey().Key.ToByteArray(), key.Sign(message));
    }
}

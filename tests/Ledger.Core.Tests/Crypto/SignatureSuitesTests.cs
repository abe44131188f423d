using Google.Protobuf;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Core.Tests.Crypto;

public class SignatureSuitesTests
{
    [Fact]
    public void Each_supported_algorithm_has_its_suite()
    {
        Assert.Same(Ed25519Suite.Instance, SignatureSuites.Find(KeyAlgorithm.Ed25519));
        Assert.Same(Sm2Suite.Instance, SignatureSuites.Find(KeyAlgorithm.Sm2));
        Assert.Equal((32, 64), (Ed25519Suite.Instance.PublicKeyBytes, Ed25519Suite.Instance.SignatureBytes));
        Assert.Equal((65, 64), (Sm2Suite.Instance.PublicKeyBytes, Sm2Suite.Instance.SignatureBytes));
    }

    [Theory]
    [InlineData(KeyAlgorithm.Unspecified)]
    [InlineData((KeyAlgorithm)42)]
    public void An_unspecified_or_unknown_algorithm_has_no_suite_and_never_verifies(KeyAlgorithm algorithm)
    {
        using var key = SigningKey.FromSeed(KeyAlgorithm.Ed25519, new byte[32]);
        var relabelled = new PublicKey { Algorithm = algorithm, Key = ByteString.CopyFrom(key.PublicKeyBytes) };

        Assert.Null(SignatureSuites.Find(algorithm));
        Assert.False(SignatureSuites.Verify(relabelled, "m"u8, key.Sign("m"u8)));
    }

    [Fact]
    public void A_signature_under_one_algorithm_does_not_verify_under_the_other()
    {
        using var ed25519 = SigningKey.FromSeed(KeyAlgorithm.Ed25519, new byte[32]);
        var asSm2 = new PublicKey { Algorithm = KeyAlgorithm.Sm2, Key = ByteString.CopyFrom(ed25519.PublicKeyBytes) };

        Assert.True(SignatureSuites.Verify(ed25519.ToPublicKey(), "m"u8, ed25519.Sign("m"u8)));
        Assert.False(SignatureSuites.Verify(asSm2, "m"u8, ed25519.Sign("m"u8)));
    }

    [Theory]
    [InlineData(KeyAlgorithm.Ed25519, 31)]
    [InlineData(KeyAlgorithm.Sm2, 33)]
    [InlineData(KeyAlgorithm.Unspecified, 32)]
    public void Seeds_must_be_32_bytes_for_a_supported_algorithm(KeyAlgorithm algorithm, int length)
    {
        Assert.ThrowsAny<ArgumentException>(() => SigningKey.FromSeed(algorithm, new byte[length]));
    }

    [Fact]
    public void Sm2_seed_maps_to_a_private_key_in_range_even_at_the_extremes()
    {
        using var zero = SigningKey.FromSeed(KeyAlgorithm.Sm2, new byte[32]);
        using var max = SigningKey.FromSeed(KeyAlgorithm.Sm2, Enumerable.Repeat((byte)0xFF, 32).ToArray());

        Assert.True(Sm2Suite.Instance.Verify(zero.PublicKeyBytes, "m"u8, zero.Sign("m"u8)));
        Assert.True(Sm2Suite.Instance.Verify(max.PublicKeyBytes, "m"u8, max.Sign("m"u8)));
        Assert.True(Sm2Suite.Instance.IsValidPublicKey(zero.PublicKeyBytes));
    }

    [Fact]
    public void Verification_gives_the_same_answers_when_run_in_parallel()
    {
        var keys = Enumerable.Range(1, 4)
            .SelectMany(i => new[] { KeyAlgorithm.Ed25519, KeyAlgorithm.Sm2 }.Select(a => SigningKey.FromSeed(a, Sm2Tests.Seed((byte)i))))
            .ToArray();
        var cases = Enumerable.Range(0, 400).Select(i =>
        {
            var key = keys[i % keys.Length];
            var message = BitConverter.GetBytes(i);
            var signature = key.Sign(message);
            var expected = i % 3 != 0;
            return (Key: key.ToPublicKey(), Message: message, Signature: expected ? signature : Ed25519Tests.FlipBit(signature, i % 512), Expected: expected);
        }).ToArray();

        var results = new bool[cases.Length];
        Parallel.For(0, cases.Length, i => results[i] = SignatureSuites.Verify(cases[i].Key, cases[i].Message, cases[i].Signature));

        Assert.Equal(cases.Select(c => c.Expected), results);
        foreach (var key in keys)
        {
            key.Dispose();
        }
    }
}

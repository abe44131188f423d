using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Core.Tests.Crypto;

public class PemTests
{
    public static TheoryData<string, string, KeyAlgorithm> OpenSslKeys => new()
    {
        { OpenSslFixtures.Ed25519PrivateKeyPem, OpenSslFixtures.Ed25519PublicKeyPem, KeyAlgorithm.Ed25519 },
        { OpenSslFixtures.Sm2PrivateKeyPem, OpenSslFixtures.Sm2PublicKeyPem, KeyAlgorithm.Sm2 },
        { OpenSslFixtures.Sm2LeadingZeroPrivateKeyPem, OpenSslFixtures.Sm2LeadingZeroPublicKeyPem, KeyAlgorithm.Sm2 },
    };

    [Theory]
    [MemberData(nameof(OpenSslKeys))]
    public void A_key_written_by_openssl_is_rewritten_byte_for_byte(string privatePem, string publicPem, KeyAlgorithm algorithm)
    {
        using var key = SigningKey.FromPkcs8Pem(privatePem);

        Assert.Equal(algorithm, key.Algorithm);
        Assert.Equal(privatePem, key.ToPkcs8Pem());
        Assert.Equal(publicPem, key.ToPublicKeyPem());
    }

    [Theory]
    [MemberData(nameof(OpenSslKeys))]
    public void A_public_key_written_by_openssl_reads_as_the_private_keys_public_key(string privatePem, string publicPem, KeyAlgorithm algorithm)
    {
        using var key = SigningKey.FromPkcs8Pem(privatePem);

        var publicKey = PublicKeyPem.Read(publicPem);

        Assert.Equal(algorithm, publicKey.Algorithm);
        Assert.Equal(key.ToPublicKey(), publicKey);
        Assert.Equal(publicPem, PublicKeyPem.Write(publicKey));
    }

    [Fact]
    public void Ed25519_signature_made_by_openssl_verifies_and_the_ledger_makes_the_same_one()
    {
        using var key = SigningKey.FromPkcs8Pem(OpenSslFixtures.Ed25519PrivateKeyPem);
        var signature = Convert.FromHexString(OpenSslFixtures.Ed25519SignatureHex);

        Assert.True(SignatureSuites.Verify(key.ToPublicKey(), OpenSslFixtures.Message, signature));
        Assert.Equal(signature, key.Sign(OpenSslFixtures.Message));
    }

    [Theory]
    [InlineData(KeyAlgorithm.Ed25519)]
    [InlineData(KeyAlgorithm.Sm2)]
    public void A_key_from_a_seed_survives_a_pem_round_trip(KeyAlgorithm algorithm)
    {
        using var key = SigningKey.FromSeed(algorithm, Sm2Tests.Seed(9));

        using var read = SigningKey.FromPkcs8Pem(key.ToPkcs8Pem());

        Assert.Equal(key.PublicKeyBytes, read.PublicKeyBytes);
        Assert.Equal(key.Sign("m"u8), read.Sign("m"u8));
        Assert.Equal(key.ToPublicKey(), PublicKeyPem.Read(key.ToPublicKeyPem()));
    }

    [Fact]
    public void Pem_text_around_the_block_is_ignored()
    {
        var text = "comment line\r\n" + OpenSslFixtures.Sm2PrivateKeyPem.Replace("\n", "\r\n", StringComparison.Ordinal) + "trailer";

        Assert.True(SigningKey.TryFromPkcs8Pem(text, out var key, out var error), error);
        key.Dispose();
    }

    public static TheoryData<string, string, string> UnusablePrivateKeys()
    {
        var sm2 = PemToDer(OpenSslFixtures.Sm2PrivateKeyPem);
        var wrongPublicKey = (byte[])sm2.Clone();
        wrongPublicKey[^1] ^= 1;
        var zeroScalar = (byte[])sm2.Clone();
        zeroScalar.AsSpan(36, 32).Clear();
        var ed25519 = PemToDer(OpenSslFixtures.Ed25519PrivateKeyPem);
        return new()
        {
            { "empty", "", "no \"-----BEGIN PRIVATE KEY-----\" block" },
            { "not PEM", "hello", "no \"-----BEGIN PRIVATE KEY-----\" block" },
            { "public key only", OpenSslFixtures.Sm2PublicKeyPem, "no \"-----BEGIN PRIVATE KEY-----\" block" },
            { "SEC1 label", OpenSslFixtures.Sm2PrivateKeyPem.Replace("PRIVATE KEY", "EC PRIVATE KEY", StringComparison.Ordinal), "no \"-----BEGIN PRIVATE KEY-----\" block" },
            { "P-256", OpenSslFixtures.P256PrivateKeyPem, "unsupported elliptic curve 1.2.840.10045.3.1.7" },
            { "public key of another key", DerToPem(wrongPublicKey), "does not belong" },
            { "zero scalar", DerToPem(zeroScalar), "outside [1, n - 2]" },
            { "truncated", DerToPem(sm2[..^5]), "malformed private key" },
            { "Ed25519 seed of 31 bytes", DerToPem([0x30, 0x2d, .. ed25519[2..13], 0x21, 0x04, 0x1f, .. ed25519[16..^1]]), "32 bytes, not 31" },
        };
    }

    [Theory]
    [MemberData(nameof(UnusablePrivateKeys))]
    public void An_unusable_private_key_is_refused_with_a_reason(string name, string pem, string reason)
    {
        Assert.False(SigningKey.TryFromPkcs8Pem(pem, out var key, out var error), name);
        Assert.Null(key);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => SigningKey.FromPkcs8Pem(pem));
    }

    [Fact]
    public void A_public_key_off_the_curve_is_refused()
    {
        var der = PemToDer(OpenSslFixtures.Sm2PublicKeyPem);
        der[^1] ^= 1;

        var pem = new string(System.Security.Cryptography.PemEncoding.Write("PUBLIC KEY", der));

        Assert.False(PublicKeyPem.TryRead(pem, out _, out var error));
        Assert.Contains("not a valid", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_disposed_key_refuses_to_sign()
    {
        var key = SigningKey.FromSeed(KeyAlgorithm.Sm2, Sm2Tests.Seed(1));
        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => key.Sign("m"u8));
        Assert.Throws<ObjectDisposedException>(() => key.ToPkcs8Pem());
    }

    private static byte[] PemToDer(string pem)
    {
        var fields = System.Security.Cryptography.PemEncoding.Find(pem);
        return Convert.FromBase64String(pem[fields.Base64Data]);
    }

    private static string DerToPem(byte[] der) =>
        new(System.Security.Cryptography.PemEncoding.Write("PRIVATE KEY", der));
}

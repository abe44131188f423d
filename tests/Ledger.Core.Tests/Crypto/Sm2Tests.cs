using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Ledger.Core.Tests.Crypto;

public class Sm2Tests
{
    /// <summary>GB/T 32918.5-2017 Appendix A (GM/T 0003.5-2012): signing on sm2p256v1, id "1234567812345678".</summary>
    private static class Gbt32918Example
    {
        public const string PrivateKey = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
        public const string PublicKey = "04"
            + "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
            + "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
        public const string DistinguishingHash = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3";
        public const string Digest = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640";
        public const string Nonce = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21";
        public const string Signature =
            "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
            + "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";

        public static ReadOnlySpan<byte> Message => "message digest"u8;
    }

    private static readonly Sm2Suite Suite = Sm2Suite.Instance;

    private static readonly byte[] OrderN =
        Convert.FromHexString("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");

    [Fact]
    public void Curve_is_the_GBT_32918_5_recommended_curve()
    {
        var domain = Sm2.Domain;

        Assert.Equal("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF", domain.Curve.Field.Characteristic.ToString(16).ToUpperInvariant());
        Assert.Equal("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC", Convert.ToHexString(domain.Curve.A.GetEncoded()));
        Assert.Equal("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93", Convert.ToHexString(domain.Curve.B.GetEncoded()));
        Assert.Equal(Convert.ToHexString(OrderN), domain.N.ToString(16).ToUpperInvariant());
        Assert.Equal("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7", Convert.ToHexString(domain.G.AffineXCoord.GetEncoded()));
        Assert.Equal("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0", Convert.ToHexString(domain.G.AffineYCoord.GetEncoded()));
        Assert.True(domain.H.Equals(BcBigInteger.One));
    }

    [Fact]
    public void Gbt_32918_example_key_pair_digests_and_signature_match_the_standard()
    {
        using var key = SigningKey.FromSm2PrivateKey(Convert.FromHexString(Gbt32918Example.PrivateKey));
        var publicKey = Convert.FromHexString(Gbt32918Example.PublicKey);
        Span<byte> zA = stackalloc byte[32];
        Sm2.DistinguishingHash(publicKey, zA);
        var e = Sm2.MessageDigest(publicKey, Gbt32918Example.Message);

        var signature = Sm2.TrySignWithNonce(
            new BcBigInteger(Gbt32918Example.PrivateKey, 16),
            new BcBigInteger(1, e),
            new BcBigInteger(Gbt32918Example.Nonce, 16));

        Assert.Equal(Gbt32918Example.PublicKey, Convert.ToHexString(key.PublicKeyBytes));
        Assert.Equal(Gbt32918Example.DistinguishingHash, Convert.ToHexString(zA));
        Assert.Equal(Gbt32918Example.Digest, Convert.ToHexString(e));
        Assert.Equal(Gbt32918Example.Signature, Convert.ToHexString(signature!));
    }

    [Fact]
    public void Gbt_32918_example_signature_verifies_and_a_flipped_bit_fails()
    {
        var publicKey = Convert.FromHexString(Gbt32918Example.PublicKey);
        var signature = Convert.FromHexString(Gbt32918Example.Signature);

        Assert.True(Suite.Verify(publicKey, Gbt32918Example.Message, signature));
        Assert.False(Suite.Verify(publicKey, "message digesT"u8, signature));
        Assert.False(Suite.Verify(publicKey, Gbt32918Example.Message, Ed25519Tests.FlipBit(signature, 300)));
    }

    [Fact]
    public void Sm2_signature_made_by_openssl_verifies()
    {
        var publicKey = PublicKeyPem.Read(OpenSslFixtures.Sm2PublicKeyPem);
        var signature = Sm2Suite.SignatureFromDer(Convert.FromHexString(OpenSslFixtures.Sm2SignatureDerHex));

        Assert.Equal(KeyAlgorithm.Sm2, publicKey.Algorithm);
        Assert.True(SignatureSuites.Verify(publicKey, OpenSslFixtures.Message, signature));
        Assert.False(SignatureSuites.Verify(publicKey, "ledger fixture messagE"u8, signature));
    }

    [Fact]
    public void Signing_is_deterministic_and_depends_on_the_message()
    {
        using var key = SigningKey.FromSeed(KeyAlgorithm.Sm2, Seed(7));

        var first = key.Sign("pay 10 grams"u8);
        var second = key.Sign("pay 10 grams"u8);
        var other = key.Sign("pay 11 grams"u8);

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.Equal(64, first.Length);
    }

    [Fact]
    public void Signature_round_trips_and_tampering_with_message_signature_or_key_fails()
    {
        using var key = SigningKey.FromSeed(KeyAlgorithm.Sm2, Seed(1));
        using var stranger = SigningKey.FromSeed(KeyAlgorithm.Sm2, Seed(2));
        var message = "retire 5 units"u8.ToArray();
        var signature = key.Sign(message);

        Assert.True(Suite.Verify(key.PublicKeyBytes, message, signature));
        Assert.False(Suite.Verify(key.PublicKeyBytes, Ed25519Tests.FlipBit(message, 3), signature));
        Assert.False(Suite.Verify(key.PublicKeyBytes, message, Ed25519Tests.FlipBit(signature, 3)));
        Assert.False(Suite.Verify(key.PublicKeyBytes, message, Ed25519Tests.FlipBit(signature, 300)));
        Assert.False(Suite.Verify(stranger.PublicKeyBytes, message, signature));
    }

    [Fact]
    public void BouncyCastle_SM2Signer_and_the_ledger_accept_each_others_signatures()
    {
        using var key = SigningKey.FromSeed(KeyAlgorithm.Sm2, Seed(3));
        var message = "cross-check"u8.ToArray();
        var publicParameters = new ParametersWithID(
            new ECPublicKeyParameters(Sm2.Domain.Curve.DecodePoint(key.PublicKeyBytes), Sm2.Domain),
            "1234567812345678"u8.ToArray());

        var bcVerifier = new SM2Signer(new PlainDsaEncoding());
        bcVerifier.Init(false, publicParameters);
        bcVerifier.BlockUpdate(message);
        Assert.True(bcVerifier.VerifySignature(key.Sign(message)));

        var d = new BcBigInteger(1, Seed(3)).Mod(Sm2.PrivateKeyMax).Add(BcBigInteger.One);
        var bcSigner = new SM2Signer(new PlainDsaEncoding());
        bcSigner.Init(true, new ParametersWithID(new ECPrivateKeyParameters(d, Sm2.Domain), "1234567812345678"u8.ToArray()));
        bcSigner.BlockUpdate(message);
        Assert.True(Suite.Verify(key.PublicKeyBytes, message, bcSigner.GenerateSignature()));
    }

    [Fact]
    public void R_or_s_outside_one_to_n_minus_one_is_rejected()
    {
        using var key = SigningKey.FromSeed(KeyAlgorithm.Sm2, Seed(4));
        var signature = key.Sign("m"u8);
        var r = signature[..32];
        var s = signature[32..];
        var zero = new byte[32];
        var allOnes = Enumerable.Repeat((byte)0xFF, 32).ToArray();

        Assert.True(Suite.Verify(key.PublicKeyBytes, "m"u8, [.. r, .. s]));
        Assert.False(Suite.Verify(key.PublicKeyBytes, "m"u8, [.. zero, .. s]));
        Assert.False(Suite.Verify(key.PublicKeyBytes, "m"u8, [.. r, .. zero]));
        Assert.False(Suite.Verify(key.PublicKeyBytes, "m"u8, [.. OrderN, .. s]));
        Assert.False(Suite.Verify(key.PublicKeyBytes, "m"u8, [.. r, .. OrderN]));
        Assert.False(Suite.Verify(key.PublicKeyBytes, "m"u8, [.. allOnes, .. s]));
        Assert.False(Suite.Verify(key.PublicKeyBytes, "m"u8, [.. r, .. allOnes]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(32)]
    [InlineData(63)]
    [InlineData(65)]
    [InlineData(72)]
    public void Wrong_length_signatures_are_rejected_without_exceptions(int length)
    {
        using var key = SigningKey.FromSeed(KeyAlgorithm.Sm2, Seed(5));
        var signature = new byte[length];
        key.Sign("m"u8).AsSpan(0, Math.Min(64, length)).CopyTo(signature);

        Assert.False(Suite.Verify(key.PublicKeyBytes, "m"u8, signature));
    }

    public static TheoryData<string, string> MalformedPublicKeys()
    {
        var valid = Gbt32918Example.PublicKey;
        var x = valid[2..66];
        var y = valid[66..];
        var p = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF";
        return new()
        {
            { "empty", "" },
            { "infinity", "00" },
            { "compressed", "02" + x },
            { "64 bytes without prefix", x + y },
            { "66 bytes", valid + "00" },
            { "hybrid prefix", "06" + x + y },
            { "wrong prefix", "05" + x + y },
            { "off the curve", "04" + x + y[..62] + "00" },
            { "x equal to p", "04" + p + y },
            { "all zero", "04" + new string('0', 128) },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedPublicKeys))]
    public void Malformed_public_keys_are_invalid_and_never_verify(string name, string hex)
    {
        var key = Convert.FromHexString(hex);

        Assert.False(Suite.IsValidPublicKey(key), name);
        Assert.False(Suite.Verify(key, Gbt32918Example.Message, Convert.FromHexString(Gbt32918Example.Signature)), name);
    }

    [Fact]
    public void Der_signature_converts_to_raw_and_back_exactly()
    {
        var der = Convert.FromHexString(OpenSslFixtures.Sm2SignatureDerHex);

        var raw = Sm2Suite.SignatureFromDer(der);

        Assert.Equal(64, raw.Length);
        Assert.Equal(der, Sm2Suite.SignatureToDer(raw));
    }

    [Fact]
    public void Short_r_and_s_are_padded_to_32_bytes_and_written_minimally()
    {
        var raw = new byte[64];
        raw[31] = 1;
        raw[63] = 0x80;

        var der = Sm2Suite.SignatureToDer(raw);

        Assert.Equal("3007020101020200" + "80", Convert.ToHexStringLower(der));
        Assert.Equal(raw, Sm2Suite.SignatureFromDer(der));
    }

    [Theory]
    [InlineData("")]
    [InlineData("00")]
    [InlineData("3000")]
    [InlineData("3003020101")]                     // one integer only
    [InlineData("300602010102020" + "1")]          // truncated
    [InlineData("30060201010201ff")]               // negative s
    [InlineData("300702010102020001")]             // non-minimal s: not DER
    [InlineData("3008020101020101" + "0000")]      // trailing bytes inside
    [InlineData("3006020101020101" + "00")]        // trailing bytes outside
    public void Malformed_der_signatures_are_refused_without_exceptions(string hex)
    {
        Assert.False(Sm2Suite.TrySignatureFromDer(Convert.FromHexString(hex), out _));
        Assert.Throws<FormatException>(() => Sm2Suite.SignatureFromDer(Convert.FromHexString(hex)));
    }

    [Fact]
    public void A_der_integer_wider_than_32_bytes_is_refused()
    {
        var wide = "0221" + "01" + new string('0', 64);
        var der = Convert.FromHexString("3026" + wide + "020101");

        Assert.False(Sm2Suite.TrySignatureFromDer(der, out _));
    }

    internal static byte[] Seed(byte value) => Enumerable.Repeat(value, 32).ToArray();
}

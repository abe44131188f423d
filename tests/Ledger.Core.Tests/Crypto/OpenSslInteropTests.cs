using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Ledger.Core.Tests.Crypto;

/// <summary>
/// Live checks against the `openssl` executable (OpenSSL 3). Each test returns early, and so
/// passes, where openssl is not on PATH: xunit 2 has no runtime skip, and the fixed OpenSSL
/// outputs in <see cref="OpenSslFixtures"/> still cover the formats there.
/// OpenSSL 3.0 signs and verifies SM2 with an EMPTY distinguishing id unless given
/// `-pkeyopt distid:1234567812345678`; the ledger always uses the GB/T default id, so every SM2
/// call below passes it explicitly.
/// </summary>
public class OpenSslInteropTests
{
    private const string DistinguishingIdOption = "distid:1234567812345678";
    private const int GeneratedKeysCount = 4;

    [Theory]
    [InlineData("ed25519")]
    [InlineData("SM2")]
    public void Key_generated_by_openssl_is_read_and_rewritten_byte_identically(string algorithm)
    {
        if (!OpenSsl.IsAvailable)
        {
            return; // no openssl on PATH
        }
        using var directory = new TempDirectory();
        for (var i = 0; i < GeneratedKeysCount; i++)
        {
            OpenSsl.Run(directory.Path, "genpkey", "-algorithm", algorithm, "-out", "key.pem");
            OpenSsl.Run(directory.Path, "pkey", "-in", "key.pem", "-pubout", "-out", "public.pem");

            using var key = SigningKey.FromPkcs8Pem(File.ReadAllText(directory.File("key.pem")));

            Assert.Equal(File.ReadAllText(directory.File("key.pem")), key.ToPkcs8Pem());
            Assert.Equal(File.ReadAllText(directory.File("public.pem")), key.ToPublicKeyPem());
        }
    }

    [Fact]
    public void Openssl_reads_the_ledgers_key_files_as_the_same_keys()
    {
        if (!OpenSsl.IsAvailable)
        {
            return; // no openssl on PATH
        }
        using var directory = new TempDirectory();
        foreach (var algorithm in new[] { KeyAlgorithm.Ed25519, KeyAlgorithm.Sm2 })
        {
            using var key = SigningKey.FromSeed(algorithm, Sm2Tests.Seed(0x5a));
            File.WriteAllText(directory.File("key.pem"), key.ToPkcs8Pem());

            var rewritten = OpenSsl.Run(directory.Path, "pkey", "-in", "key.pem");
            var publicPem = OpenSsl.Run(directory.Path, "pkey", "-in", "key.pem", "-pubout");

            Assert.Equal(key.ToPkcs8Pem(), rewritten);
            Assert.Equal(key.ToPublicKeyPem(), publicPem);
        }
    }

    [Fact]
    public void Ed25519_signature_made_by_openssl_verifies()
    {
        if (!OpenSsl.IsAvailable)
        {
            return; // no openssl on PATH
        }
        using var directory = new TempDirectory();
        OpenSsl.Run(directory.Path, "genpkey", "-algorithm", "ed25519", "-out", "key.pem");
        var message = "issue 100 grams to project 7"u8.ToArray();
        File.WriteAllBytes(directory.File("message"), message);

        OpenSsl.Run(directory.Path, "pkeyutl", "-sign", "-rawin", "-inkey", "key.pem", "-in", "message", "-out", "signature");

        using var key = SigningKey.FromPkcs8Pem(File.ReadAllText(directory.File("key.pem")));
        var signature = File.ReadAllBytes(directory.File("signature"));
        Assert.True(Ed25519Suite.Instance.Verify(key.PublicKeyBytes, message, signature));
        Assert.Equal(signature, key.Sign(message));
    }

    [Fact]
    public void Sm2_signature_made_by_openssl_verifies_after_der_to_raw()
    {
        if (!OpenSsl.IsAvailable)
        {
            return; // no openssl on PATH
        }
        using var directory = new TempDirectory();
        OpenSsl.Run(directory.Path, "genpkey", "-algorithm", "SM2", "-out", "key.pem");
        var message = "issue 100 grams to project 7"u8.ToArray();
        File.WriteAllBytes(directory.File("message"), message);

        OpenSsl.Run(directory.Path, "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-inkey", "key.pem",
            "-pkeyopt", DistinguishingIdOption, "-in", "message", "-out", "signature.der");

        using var key = SigningKey.FromPkcs8Pem(File.ReadAllText(directory.File("key.pem")));
        var signature = Sm2Suite.SignatureFromDer(File.ReadAllBytes(directory.File("signature.der")));
        Assert.True(Sm2Suite.Instance.Verify(key.PublicKeyBytes, message, signature));
    }

    [Theory]
    [InlineData(KeyAlgorithm.Ed25519)]
    [InlineData(KeyAlgorithm.Sm2)]
    public void Signature_made_by_the_ledger_verifies_with_openssl(KeyAlgorithm algorithm)
    {
        if (!OpenSsl.IsAvailable)
        {
            return; // no openssl on PATH
        }
        using var directory = new TempDirectory();
        using var key = SigningKey.FromSeed(algorithm, Sm2Tests.Seed(0x33));
        var message = "retire 3 units"u8.ToArray();
        File.WriteAllText(directory.File("public.pem"), key.ToPublicKeyPem());
        File.WriteAllBytes(directory.File("message"), message);
        var signature = key.Sign(message);
        File.WriteAllBytes(directory.File("signature"), algorithm == KeyAlgorithm.Sm2 ? Sm2Suite.SignatureToDer(signature) : signature);

        var verified = VerifyWithOpenSsl(directory, algorithm, "message", "signature");
        File.WriteAllBytes(directory.File("other"), "retire 4 units"u8.ToArray());
        var forged = VerifyWithOpenSsl(directory, algorithm, "other", "signature");

        Assert.True(verified.ExitCode == 0, verified.Error + verified.Output);
        Assert.NotEqual(0, forged.ExitCode);
    }

    [Theory]
    [MemberData(nameof(Ed25519Tests.Rfc8032Vectors), MemberType = typeof(Ed25519Tests))]
    public void Openssl_signs_each_RFC_8032_vector_exactly_as_the_RFC_and_the_ledger_do(string name, string secret, string publicKey, string message, string signature)
    {
        _ = publicKey;
        if (!OpenSsl.IsAvailable || message.Length == 0)
        {
            return; // no openssl on PATH; OpenSSL 3.0 pkeyutl cannot one-shot sign an empty file (TEST 1)
        }
        using var directory = new TempDirectory();
        using var key = SigningKey.FromSeed(KeyAlgorithm.Ed25519, Convert.FromHexString(secret));
        File.WriteAllText(directory.File("key.pem"), key.ToPkcs8Pem());
        File.WriteAllBytes(directory.File("message"), Convert.FromHexString(message));

        OpenSsl.Run(directory.Path, "pkeyutl", "-sign", "-rawin", "-inkey", "key.pem", "-in", "message", "-out", "signature");

        Assert.True(signature == Convert.ToHexStringLower(File.ReadAllBytes(directory.File("signature"))), name);
    }

    [Fact]
    public void Openssl_accepts_the_GBT_32918_example_signature()
    {
        if (!OpenSsl.IsAvailable)
        {
            return; // no openssl on PATH
        }
        using var directory = new TempDirectory();
        using var key = SigningKey.FromSm2PrivateKey(
            Convert.FromHexString("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"));
        File.WriteAllText(directory.File("public.pem"), key.ToPublicKeyPem());
        File.WriteAllBytes(directory.File("message"), "message digest"u8.ToArray());
        File.WriteAllBytes(directory.File("signature"), Sm2Suite.SignatureToDer(Convert.FromHexString(
            "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
            + "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA")));

        var result = VerifyWithOpenSsl(directory, KeyAlgorithm.Sm2, "message", "signature");

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
    }

    /// <summary>
    /// Pins the surprise documented on this class: without -pkeyopt, OpenSSL 3.0 hashes an empty
    /// id into Z_A, so its signature fails under "1234567812345678" and passes under "".
    /// </summary>
    [Fact]
    public void Openssl_signs_sm2_with_an_empty_id_unless_given_distid()
    {
        if (!OpenSsl.IsAvailable)
        {
            return; // no openssl on PATH
        }
        using var directory = new TempDirectory();
        OpenSsl.Run(directory.Path, "genpkey", "-algorithm", "SM2", "-out", "key.pem");
        var message = "which id?"u8.ToArray();
        File.WriteAllBytes(directory.File("message"), message);

        OpenSsl.Run(directory.Path, "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-inkey", "key.pem",
            "-in", "message", "-out", "signature.der");

        using var key = SigningKey.FromPkcs8Pem(File.ReadAllText(directory.File("key.pem")));
        var der = File.ReadAllBytes(directory.File("signature.der"));
        Assert.False(Sm2Suite.Instance.Verify(key.PublicKeyBytes, message, Sm2Suite.SignatureFromDer(der)));
        Assert.True(VerifiesWithBouncyCastle(key.PublicKeyBytes, [], message, der));
    }

    private static (int ExitCode, string Output, string Error) VerifyWithOpenSsl(
        TempDirectory directory, KeyAlgorithm algorithm, string message, string signature)
    {
        string[] common = ["pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", "public.pem", "-in", message, "-sigfile", signature];
        string[] sm2 = ["-digest", "sm3", "-pkeyopt", DistinguishingIdOption];
        return OpenSsl.TryRun(directory.Path, algorithm == KeyAlgorithm.Sm2 ? [.. common, .. sm2] : common);
    }

    private static bool VerifiesWithBouncyCastle(byte[] publicKey, byte[] distinguishingId, byte[] message, byte[] der)
    {
        var signer = new SM2Signer();
        signer.Init(false, new ParametersWithID(
            new ECPublicKeyParameters(Sm2.Domain.Curve.DecodePoint(publicKey), Sm2.Domain), distinguishingId));
        signer.BlockUpdate(message);
        return signer.VerifySignature(der);
    }
}

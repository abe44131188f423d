using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using Google.Protobuf;
using Ledger.Core.Protocol;
using NSec.Cryptography;
using PublicKey = Ledger.Core.Protocol.PublicKey;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;
using NSecKey = NSec.Cryptography.Key;

namespace Ledger.Core.Crypto;

/// <summary>
/// A private key of one of the ledger's algorithms. Signing is deterministic: Ed25519 by
/// construction (RFC 8032 §5.1.6), SM2 through an RFC 6979 nonce, so Core needs no randomness.
/// Keys are generated at the edge from a random seed passed to <see cref="FromSeed"/>.
/// </summary>
public sealed class SigningKey : IDisposable
{
    private const int SeedBytes = 32;

    private readonly byte[] publicKey;
    private NSecKey? ed25519;
    private BcBigInteger? sm2;

    private SigningKey(KeyAlgorithm algorithm, byte[] publicKey, NSecKey? ed25519, BcBigInteger? sm2)
    {
        Algorithm = algorithm;
        this.publicKey = publicKey;
        this.ed25519 = ed25519;
        this.sm2 = sm2;
    }

    public KeyAlgorithm Algorithm { get; }

    /// <summary>The suite encoding: 32 bytes for Ed25519, 0x04 || X || Y for SM2.</summary>
    public byte[] PublicKeyBytes => (byte[])publicKey.Clone();

    public PublicKey ToPublicKey() => new() { Algorithm = Algorithm, Key = ByteString.CopyFrom(publicKey) };

    /// <summary>Ed25519 pure, or SM2 with SM3 and id "1234567812345678" as raw r || s.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        if (Algorithm == KeyAlgorithm.Ed25519)
        {
            var key = ed25519 ?? throw new ObjectDisposedException(nameof(SigningKey));
            return SignatureAlgorithm.Ed25519.Sign(key, message);
        }
        var d = sm2 ?? throw new ObjectDisposedException(nameof(SigningKey));
        return Sm2.Sign(d, Sm2.MessageDigest(publicKey, message));
    }

    /// <summary>
    /// Ed25519: the seed is the RFC 8032 §5.1.5 private key. SM2: d = (seed as a big-endian
    /// integer mod (n - 2)) + 1, which lands in [1, n - 2] as GB/T 32918.1 §6.1 requires; the bias
    /// is below 2^-223 and harmless. The seed must be exactly 32 uniformly random bytes.
    /// </summary>
    public static SigningKey FromSeed(KeyAlgorithm algorithm, ReadOnlySpan<byte> seed32)
    {
        if (seed32.Length != SeedBytes)
        {
            throw new ArgumentException($"a seed is {SeedBytes} bytes, not {seed32.Length}", nameof(seed32));
        }
        return algorithm switch
        {
            KeyAlgorithm.Ed25519 => FromEd25519Seed(seed32),
            KeyAlgorithm.Sm2 => FromSm2Scalar(new BcBigInteger(1, seed32).Mod(Sm2.PrivateKeyMax).Add(BcBigInteger.One)),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unsupported key algorithm"),
        };
    }

    /// <summary>An SM2 key from its big-endian private scalar d in [1, n - 2]; for standard test vectors.</summary>
    internal static SigningKey FromSm2PrivateKey(ReadOnlySpan<byte> d) => FromSm2Scalar(new BcBigInteger(1, d));

    /// <summary>Reads "-----BEGIN PRIVATE KEY-----" PKCS#8 as `openssl genpkey -algorithm ed25519|SM2` writes it.</summary>
    /// <exception cref="FormatException">Not a supported, valid private key.</exception>
    public static SigningKey FromPkcs8Pem(string pem) =>
        TryFromPkcs8Pem(pem, out var key, out var error) ? key : throw new FormatException(error);

    public static bool TryFromPkcs8Pem(string pem, [NotNullWhen(true)] out SigningKey? key, out string error)
    {
        ArgumentNullException.ThrowIfNull(pem);
        key = null;
        if (!Pem.TryRead(pem, Pem.PrivateKeyLabel, out var der, out error))
        {
            return false;
        }
        try
        {
            var info = KeyEncoding.ReadPrivateKeyInfo(der);
            key = FromPrivateKeyInfo(info, out error);
            return key is not null;
        }
        catch (Exception exception) when (exception is AsnContentException or FormatException)
        {
            error = $"malformed private key: {exception.Message}";
            return false;
        }
    }

    /// <summary>PKCS#8 PEM, byte-identical to what OpenSSL 3 writes for the same key.</summary>
    public string ToPkcs8Pem() => Pem.Write(Pem.PrivateKeyLabel,
        KeyEncoding.WritePrivateKeyInfo(Algorithm, PrivateKeyBytes(), publicKey));

    /// <summary>SubjectPublicKeyInfo PEM, as `openssl pkey -pubout` writes it.</summary>
    public string ToPublicKeyPem() => PublicKeyPem.Write(ToPublicKey());

    /// <summary>
    /// Frees the Ed25519 key's protected memory. An SM2 scalar is an immutable BouncyCastle
    /// integer that cannot be wiped; it is dropped for the collector.
    /// </summary>
    public void Dispose()
    {
        ed25519?.Dispose();
        ed25519 = null;
        sm2 = null;
    }

    private byte[] PrivateKeyBytes()
    {
        if (Algorithm == KeyAlgorithm.Ed25519)
        {
            var key = ed25519 ?? throw new ObjectDisposedException(nameof(SigningKey));
            return key.Export(KeyBlobFormat.RawPrivateKey);
        }
        var d = sm2 ?? throw new ObjectDisposedException(nameof(SigningKey));
        return Org.BouncyCastle.Utilities.BigIntegers.AsUnsignedByteArray(Sm2.ScalarBytes, d);
    }

    private static SigningKey FromEd25519Seed(ReadOnlySpan<byte> seed)
    {
        var parameters = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
        var key = NSecKey.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey, in parameters);
        return new SigningKey(KeyAlgorithm.Ed25519, key.PublicKey.Export(KeyBlobFormat.RawPublicKey), key, null);
    }

    private static SigningKey FromSm2Scalar(BcBigInteger d)
    {
        if (!Sm2.IsValidPrivateKey(d))
        {
            throw new ArgumentOutOfRangeException(nameof(d), "an SM2 private key is in [1, n - 2]");
        }
        return new SigningKey(KeyAlgorithm.Sm2, Sm2.EncodePublicKey(Sm2.PublicPoint(d)), null, d);
    }

    private static SigningKey? FromPrivateKeyInfo(PrivateKeyInfo info, out string error)
    {
        error = string.Empty;
        if (info.Algorithm == KeyAlgorithm.Sm2 && !Sm2.IsValidPrivateKey(new BcBigInteger(1, info.PrivateKey)))
        {
            error = "SM2 private key is outside [1, n - 2]";
            return null;
        }
        var key = info.Algorithm == KeyAlgorithm.Ed25519
            ? FromEd25519Seed(info.PrivateKey)
            : FromSm2Scalar(new BcBigInteger(1, info.PrivateKey));
        if (info.PublicKey is not null && !info.PublicKey.AsSpan().SequenceEqual(key.publicKey))
        {
            key.Dispose();
            error = "the public key in the file does not belong to its private key";
            return null;
        }
        return key;
    }
}

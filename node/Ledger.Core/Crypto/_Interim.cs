// INTERIM: replaced by the crypto helper's files. Do not commit.
using Ledger.Core.Protocol;
using NSec.Cryptography;

namespace Ledger.Core.Crypto;

public sealed class Sha256Hash : INetworkHash
{
    public Protocol.HashAlgorithm Algorithm => Protocol.HashAlgorithm.Sha256;
    public int HashBytes => 32;
    public byte[] Hash(ReadOnlySpan<byte> data) => System.Security.Cryptography.SHA256.HashData(data);
    public byte[] Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        using var h = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        h.AppendData(first); h.AppendData(second); return h.GetHashAndReset();
    }
}

public static class NetworkHashes
{
    public static INetworkHash For(Protocol.HashAlgorithm a) => new Sha256Hash();
}

public sealed class Ed25519Suite : ISignatureSuite
{
    public KeyAlgorithm Algorithm => KeyAlgorithm.Ed25519;
    public int PublicKeyBytes => 32;
    public int SignatureBytes => 64;
    public bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) =>
        NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out _);
    public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out var k)
        && SignatureAlgorithm.Ed25519.Verify(k!, message, signature);
}

public static class SignatureSuites
{
    public static ISignatureSuite? Find(KeyAlgorithm a) => a == KeyAlgorithm.Ed25519 ? new Ed25519Suite() : null;
    public static bool Verify(Protocol.PublicKey key, ReadOnlySpan<byte> message, ReadOnlySpan<byte> sig) => Find(key.Algorithm) is { } s && s.Verify(key.Key.Span, message, sig);
}

public sealed class SigningKey : IDisposable
{
    private readonly Key _key;
    private SigningKey(Key key) { _key = key; PublicKeyBytes = key.PublicKey.Export(KeyBlobFormat.RawPublicKey); }
    public KeyAlgorithm Algorithm => KeyAlgorithm.Ed25519;
    public byte[] PublicKeyBytes { get; }
    public Protocol.PublicKey ToPublicKey() => new() { Algorithm = Algorithm, Key = Google.Protobuf.ByteString.CopyFrom(PublicKeyBytes) };
    public byte[] Sign(ReadOnlySpan<byte> message) => SignatureAlgorithm.Ed25519.Sign(_key, message);
    public static SigningKey FromSeed(KeyAlgorithm algorithm, ReadOnlySpan<byte> seed32) =>
        new(Key.Import(SignatureAlgorithm.Ed25519, seed32, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    public void Dispose() => _key.Dispose();
}
public static class SignatureSuitesExt { }

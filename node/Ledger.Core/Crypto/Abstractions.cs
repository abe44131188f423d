using Ledger.Core.Protocol;

namespace Ledger.Core.Crypto;

/// <summary>Verification for one signature algorithm. Stateless and thread-safe.</summary>
public interface ISignatureSuite
{
    KeyAlgorithm Algorithm { get; }

    int PublicKeyBytes { get; }

    int SignatureBytes { get; }

    /// <summary>True when the bytes are a well-formed public key of this algorithm (a valid curve point).</summary>
    bool IsValidPublicKey(ReadOnlySpan<byte> publicKey);

    /// <summary>Verifies a signature over message. Never throws for malformed input: returns false.</summary>
    bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature);
}

/// <summary>The network hash, fixed by genesis: SHA-256 or SM3, 32 bytes out.</summary>
public interface INetworkHash
{
    HashAlgorithm Algorithm { get; }

    /// <summary>Always 32.</summary>
    int HashBytes { get; }

    byte[] Hash(ReadOnlySpan<byte> data);

    /// <summary>Hash of the concatenation of the parts, without copying them together.</summary>
    byte[] Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second);
}

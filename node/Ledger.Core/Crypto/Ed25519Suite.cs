using Ledger.Core.Protocol;
using NSec.Cryptography;
using NSecPublicKey = NSec.Cryptography.PublicKey;
using BcEd25519 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace Ledger.Core.Crypto;

/// <summary>Pure Ed25519 (RFC 8032 §5.1), verified by libsodium through NSec.</summary>
public sealed class Ed25519Suite : ISignatureSuite
{
    public static Ed25519Suite Instance { get; } = new();

    private Ed25519Suite()
    {
    }

    public KeyAlgorithm Algorithm => KeyAlgorithm.Ed25519;

    public int PublicKeyBytes => 32;

    public int SignatureBytes => 64;

    /// <summary>
    /// Accepts only a canonical encoding (RFC 8032 §5.1.3) of a point in the prime-order subgroup.
    /// NSec checks nothing beyond the length, so the point checks are BouncyCastle's. This is
    /// stricter than libsodium's verify, which also accepts points with a small-order component:
    /// no honestly generated key has one, and refusing them at registration costs nothing.
    /// </summary>
    public bool IsValidPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != PublicKeyBytes)
        {
            return false;
        }
        if (!NSecPublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out _))
        {
            return false;
        }
        return BcEd25519.ValidatePublicKeyFull(publicKey);
    }

    public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeyBytes || signature.Length != SignatureBytes)
        {
            return false;
        }
        if (!NSecPublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out var key))
        {
            return false;
        }
        return SignatureAlgorithm.Ed25519.Verify(key!, message, signature);
    }
}

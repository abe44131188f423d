using System.Security.Cryptography;
using FsCheck.Xunit;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Core.Tests.Crypto;

/// <summary>FsCheck prints the replay seed of any failing case.</summary>
public class SignatureProperties
{
    [Property]
    public bool Ed25519_signature_over_any_message_verifies(byte[] seedMaterial, byte[] message) =>
        RoundTrips(KeyAlgorithm.Ed25519, seedMaterial, message);

    [Property]
    public bool Sm2_signature_over_any_message_verifies(byte[] seedMaterial, byte[] message) =>
        RoundTrips(KeyAlgorithm.Sm2, seedMaterial, message);

    [Property]
    public bool Ed25519_signature_never_verifies_a_message_with_one_byte_changed(
        byte[] seedMaterial, byte[] message, int position, byte delta) =>
        RejectsChangedByte(KeyAlgorithm.Ed25519, seedMaterial, message, position, delta);

    [Property]
    public bool Sm2_signature_never_verifies_a_message_with_one_byte_changed(
        byte[] seedMaterial, byte[] message, int position, byte delta) =>
        RejectsChangedByte(KeyAlgorithm.Sm2, seedMaterial, message, position, delta);

    private static bool RoundTrips(KeyAlgorithm algorithm, byte[] seedMaterial, byte[] message)
    {
        using var key = SigningKey.FromSeed(algorithm, SHA256.HashData(seedMaterial ?? []));
        return SignatureSuites.Verify(key.ToPublicKey(), message ?? [], key.Sign(message ?? []));
    }

    private static bool RejectsChangedByte(KeyAlgorithm algorithm, byte[] seedMaterial, byte[] message, int position, byte delta)
    {
        using var key = SigningKey.FromSeed(algorithm, SHA256.HashData(seedMaterial ?? []));
        var original = message ?? [];
        var signature = key.Sign(original);
        var change = delta == 0 ? (byte)1 : delta;
        byte[] changed;
        if (original.Length == 0)
        {
            changed = [change];
        }
        else
        {
            changed = (byte[])original.Clone();
            changed[(int)((uint)position % (uint)changed.Length)] ^= change;
        }
        return !SignatureSuites.Verify(key.ToPublicKey(), changed, signature);
    }
}

using Ledger.Core.Protocol;

namespace Ledger.Core.Crypto;

public static class SignatureSuites
{
    /// <summary>The suite for a key algorithm, or null when the ledger does not support it.</summary>
    public static ISignatureSuite? Find(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.Ed25519 => Ed25519Suite.Instance,
        KeyAlgorithm.Sm2 => Sm2Suite.Instance,
        _ => null,
    };

    /// <summary>Verifies with the key's own algorithm; false for an unsupported algorithm. Never throws on bad input.</summary>
    public static bool Verify(PublicKey key, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(key);
        var suite = Find(key.Algorithm);
        return suite is not null && suite.Verify(key.Key.Span, message, signature);
    }
}

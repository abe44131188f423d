using System.Security.Cryptography;
using System.Text;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Testing;

/// <summary>Deterministic keys for tests: the seed is SHA-256 of a name, so every run signs the same bytes.</summary>
public static class TestKeys
{
    private static readonly Dictionary<(string, KeyAlgorithm), SigningKey> Cache = [];
    private static readonly Lock Gate = new();

    public static SigningKey For(string name, KeyAlgorithm algorithm = KeyAlgorithm.Ed25519)
    {
        lock (Gate)
        {
            if (!Cache.TryGetValue((name, algorithm), out var key))
            {
                key = SigningKey.FromSeed(algorithm, SHA256.HashData(Encoding.UTF8.GetBytes(name)));
                Cache[(name, algorithm)] = key;
            }

            return key;
        }
    }
}

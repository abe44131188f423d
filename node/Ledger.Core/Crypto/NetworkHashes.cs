using Ledger.Core.Protocol;
using Org.BouncyCastle.Crypto.Digests;

namespace Ledger.Core.Crypto;

/// <summary>SHA-256 (FIPS 180-4). Stateless and thread-safe.</summary>
public sealed class Sha256Hash : INetworkHash
{
    public static Sha256Hash Instance { get; } = new();

    private Sha256Hash()
    {
    }

    private const int JoinedOnStackBytesMax = 1024;

    public HashAlgorithm Algorithm => HashAlgorithm.Sha256;

    public int HashBytes => 32;

    public byte[] Hash(ReadOnlySpan<byte> data) => System.Security.Cryptography.SHA256.HashData(data);

    public byte[] Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        // Short inputs (Merkle leaves and nodes) are joined on the stack and hashed in one call:
        // the same digest as hashing the two parts in turn, without an incremental hash object each.
        if (first.Length + second.Length <= JoinedOnStackBytesMax)
        {
            Span<byte> joined = stackalloc byte[first.Length + second.Length];
            first.CopyTo(joined);
            second.CopyTo(joined[first.Length..]);
            return System.Security.Cryptography.SHA256.HashData(joined);
        }

        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(
            System.Security.Cryptography.HashAlgorithmName.SHA256);
        hash.AppendData(first);
        hash.AppendData(second);
        return hash.GetHashAndReset();
    }
}

/// <summary>SM3 (GB/T 32905-2016). Stateless and thread-safe: each call uses its own digest.</summary>
public sealed class Sm3Hash : INetworkHash
{
    public static Sm3Hash Instance { get; } = new();

    private Sm3Hash()
    {
    }

    public HashAlgorithm Algorithm => HashAlgorithm.Sm3;

    public int HashBytes => 32;

    public byte[] Hash(ReadOnlySpan<byte> data) => Hash(data, ReadOnlySpan<byte>.Empty);

    public byte[] Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        var digest = new SM3Digest();
        digest.BlockUpdate(first);
        digest.BlockUpdate(second);
        var output = new byte[32];
        digest.DoFinal(output);
        return output;
    }
}

public static class NetworkHashes
{
    /// <summary>The shared instance for a genesis hash algorithm.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// UNSPECIFIED or unknown: a caller bug, since genesis validation rejects those before any hashing.
    /// </exception>
    public static INetworkHash For(HashAlgorithm algorithm) => algorithm switch
    {
        HashAlgorithm.Sha256 => Sha256Hash.Instance,
        HashAlgorithm.Sm3 => Sm3Hash.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "no network hash for this algorithm"),
    };
}

using System.Diagnostics.CodeAnalysis;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Math.EC;

namespace Ledger.Core.Crypto;

/// <summary>
/// An SM2 public key made ready for verifying: its decoded point and its Z_A (GB/T 32918.2 §5.5).
/// BouncyCastle keeps a point's WNAF table on the point object after its first multiplication,
/// so reusing the same object also reuses that table.
/// </summary>
internal sealed class Sm2VerifyKey
{
    internal Sm2VerifyKey(ECPoint point, byte[] distinguishingHash)
    {
        Point = point;
        DistinguishingHash = distinguishingHash;
    }

    internal ECPoint Point { get; }

    /// <summary>Z_A, 32 bytes.</summary>
    internal byte[] DistinguishingHash { get; }

    /// <summary>Decodes and checks the key (null when it is not a point on the curve) and computes Z_A.</summary>
    internal static Sm2VerifyKey? TryCreate(ReadOnlySpan<byte> publicKey)
    {
        var point = Sm2.TryDecodePublicKey(publicKey);
        if (point is null)
        {
            return null;
        }
        var zA = new byte[32];
        Sm2.DistinguishingHash(publicKey, zA);
        return new Sm2VerifyKey(point, zA);
    }

    /// <summary>e = SM3(Z_A || M), GB/T 32918.2 §6.1 steps A1-A2.</summary>
    internal byte[] MessageDigest(ReadOnlySpan<byte> message)
    {
        var digest = new SM3Digest();
        digest.BlockUpdate(DistinguishingHash);
        digest.BlockUpdate(message);
        var e = new byte[32];
        digest.DoFinal(e);
        return e;
    }
}

/// <summary>
/// Decoded SM2 public keys by their 65-byte encoding, for verifying many signatures by the same
/// few keys. Bounded: when full it is emptied and refilled, so memory stays at most
/// <see cref="Capacity"/> keys whatever the input. Only valid keys are kept. Thread-safe (one lock).
/// </summary>
internal sealed class Sm2KeyCache
{
    /// <summary>About 1.5 KB per key with its WNAF table; a permissioned network has far fewer signers.</summary>
    internal const int CapacityDefault = 4096;

    private readonly Dictionary<byte[], Sm2VerifyKey> _keys;
    private readonly Dictionary<byte[], Sm2VerifyKey>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly Lock _gate = new();

    internal Sm2KeyCache(int capacity = CapacityDefault)
    {
        Invariant.Require(capacity > 0, "an SM2 key cache holds at least one key");
        Capacity = capacity;
        _keys = new Dictionary<byte[], Sm2VerifyKey>(SpanKeyComparer.Instance);
        _lookup = _keys.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    internal int Capacity { get; }

    internal int Count
    {
        get
        {
            lock (_gate)
            {
                return _keys.Count;
            }
        }
    }

    /// <summary>The ready key, decoding it on first sight; false when the bytes are not a valid SM2 public key.</summary>
    internal bool TryGet(ReadOnlySpan<byte> publicKey, [NotNullWhen(true)] out Sm2VerifyKey? key)
    {
        lock (_gate)
        {
            if (_lookup.TryGetValue(publicKey, out key))
            {
                return true;
            }
        }
        // Decoded outside the lock: two threads may both decode a new key, and one result is kept.
        key = Sm2VerifyKey.TryCreate(publicKey);
        if (key is null)
        {
            return false;
        }
        lock (_gate)
        {
            if (_keys.Count >= Capacity)
            {
                _keys.Clear();
            }
            _keys.TryAdd(publicKey.ToArray(), key);
        }
        return true;
    }

    /// <summary>Byte-wise equality that also looks up by span, so a lookup allocates nothing.</summary>
    private sealed class SpanKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        internal static readonly SpanKeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y.AsSpan());

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        /// <summary>FNV-1a: deterministic, unlike HashCode's per-process seed.</summary>
        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            var hash = 2166136261u;
            foreach (var b in bytes)
            {
                hash = unchecked((hash ^ b) * 16777619u);
            }
            return unchecked((int)hash);
        }
    }
}

using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using Org.BouncyCastle.Math.EC.Multiplier;
using Org.BouncyCastle.Utilities;

namespace Ledger.Core.Crypto;

/// <summary>
/// SM2 signature arithmetic (GB/T 32918.2-2016 §6 and §7) on the recommended curve sm2p256v1
/// (GB/T 32918.5-2017), with SM3 and the distinguishing id "1234567812345678".
/// BouncyCastle's SM2Signer cannot take a deterministic nonce and draws a SecureRandom when
/// initialised for signing, so signing and verifying are written here on its curve arithmetic.
/// </summary>
internal static class Sm2
{
    internal const int ScalarBytes = 32;
    internal const int PublicKeyBytes = 1 + (2 * ScalarBytes);
    internal const int SignatureBytes = 2 * ScalarBytes;
    internal const string DefaultDistinguishingId = "1234567812345678";

    /// <summary>
    /// BouncyCastle's custom-field form of the curve: about six times faster than the generic
    /// form GMNamedCurves returns for the same parameters. Shared, so the base point's
    /// precomputed tables are built once.
    /// </summary>
    internal static readonly ECDomainParameters Domain = new(CustomNamedCurves.GetByName("sm2p256v1"));

    internal static BigInteger N => Domain.N;

    /// <summary>Private keys are in [1, n-2] (GB/T 32918.1 §6.1): 1 + d must be invertible mod n.</summary>
    internal static readonly BigInteger PrivateKeyMax = Domain.N.Subtract(BigInteger.Two);

    /// <summary>SM3 state after ENTL_A || ID_A || a || b || x_G || y_G, the part of Z_A shared by every key.</summary>
    private static readonly SM3Digest ZPrefix = CreateZPrefix(
        System.Text.Encoding.ASCII.GetBytes(DefaultDistinguishingId));

    /// <summary>A nonce is unusable with probability about 2^-255; more than one retry means a bug.</summary>
    private const int NonceAttemptsMax = 8;

    private static readonly ECMultiplier BasePointMultiplier = new FixedPointCombMultiplier();

    /// <summary>Decodes 0x04 || X || Y (GB/T 32918.1 §4.2) and checks the point is on the curve.</summary>
    internal static ECPoint? TryDecodePublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != PublicKeyBytes || publicKey[0] != 0x04)
        {
            return null;
        }
        try
        {
            // DecodePoint rejects coordinates >= p and points off the curve; the cofactor is 1,
            // so every point on the curve other than infinity is in the group of order n.
            return Domain.Curve.DecodePoint(publicKey.ToArray());
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    internal static byte[] EncodePublicKey(ECPoint point) => point.Normalize().GetEncoded(compressed: false);

    internal static ECPoint PublicPoint(BigInteger privateKey) =>
        BasePointMultiplier.Multiply(Domain.G, privateKey).Normalize();

    internal static bool IsValidPrivateKey(BigInteger d) =>
        d.SignValue > 0 && d.CompareTo(PrivateKeyMax) <= 0;

    /// <summary>Z_A, GB/T 32918.2 §5.5: binds the signer's id and key into every digest. publicKey is the checked 65-byte encoding.</summary>
    internal static void DistinguishingHash(ReadOnlySpan<byte> publicKey, Span<byte> zA)
    {
        var z = new SM3Digest(ZPrefix);
        z.BlockUpdate(publicKey[1..]);
        z.DoFinal(zA);
    }

    /// <summary>e = SM3(Z_A || M), GB/T 32918.2 §6.1 steps A1-A2.</summary>
    internal static byte[] MessageDigest(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message)
    {
        Span<byte> zA = stackalloc byte[32];
        DistinguishingHash(publicKey, zA);
        var e = new SM3Digest();
        e.BlockUpdate(zA);
        e.BlockUpdate(message);
        var eHash = new byte[32];
        e.DoFinal(eHash);
        return eHash;
    }

    /// <summary>
    /// GB/T 32918.2 §6.1 with the nonce k drawn as in RFC 6979 §3.2 from HMAC-SM3 over (d, e):
    /// the same key and message always give the same signature, and no randomness is needed.
    /// </summary>
    internal static byte[] Sign(BigInteger d, byte[] eHash)
    {
        var nonces = new HMacDsaKCalculator(new SM3Digest());
        nonces.Init(N, d, eHash);
        var e = new BigInteger(1, eHash);
        for (var attempt = 0; attempt < NonceAttemptsMax; attempt++)
        {
            var signature = TrySignWithNonce(d, e, nonces.NextK());
            if (signature is not null)
            {
                return signature;
            }
        }
        throw new InvalidOperationException($"no usable SM2 nonce in {NonceAttemptsMax} attempts: the curve or digest is broken");
    }

    /// <summary>Steps A4-A7; null when the standard says to pick another k (r = 0, r + k = n, or s = 0).</summary>
    internal static byte[]? TrySignWithNonce(BigInteger d, BigInteger e, BigInteger k)
    {
        var x1 = BasePointMultiplier.Multiply(Domain.G, k).Normalize().AffineXCoord.ToBigInteger();
        var r = e.Add(x1).Mod(N);
        if (r.SignValue == 0 || r.Add(k).Equals(N))
        {
            return null;
        }
        var inverse = BigIntegers.ModOddInverse(N, d.Add(BigInteger.One));
        var s = inverse.Multiply(k.Subtract(r.Multiply(d))).Mod(N);
        if (s.SignValue == 0)
        {
            return null;
        }
        var signature = new byte[SignatureBytes];
        BigIntegers.AsUnsignedByteArray(r, signature, 0, ScalarBytes);
        BigIntegers.AsUnsignedByteArray(s, signature, ScalarBytes, ScalarBytes);
        return signature;
    }

    /// <summary>GB/T 32918.2 §7.1 steps B1-B7 for a raw r || s signature.</summary>
    internal static bool Verify(ECPoint publicPoint, byte[] eHash, ReadOnlySpan<byte> signature)
    {
        var r = new BigInteger(1, signature[..ScalarBytes]);
        var s = new BigInteger(1, signature[ScalarBytes..]);
        if (!InScalarRange(r) || !InScalarRange(s))
        {
            return false;
        }
        var t = r.Add(s).Mod(N);
        if (t.SignValue == 0)
        {
            return false;
        }
        var point = ECAlgorithms.SumOfTwoMultiplies(Domain.G, s, publicPoint, t).Normalize();
        if (point.IsInfinity)
        {
            return false;
        }
        var expected = new BigInteger(1, eHash).Add(point.AffineXCoord.ToBigInteger()).Mod(N);
        return expected.Equals(r);
    }

    private static bool InScalarRange(BigInteger value) => value.SignValue > 0 && value.CompareTo(N) < 0;

    /// <summary>GB/T 32918.2 §5.5: ENTL_A is the id's length in bits, two bytes big-endian.</summary>
    private static SM3Digest CreateZPrefix(byte[] distinguishingId)
    {
        var digest = new SM3Digest();
        var bits = distinguishingId.Length * 8;
        digest.Update((byte)(bits >> 8));
        digest.Update((byte)bits);
        digest.BlockUpdate(distinguishingId);
        digest.BlockUpdate(Domain.Curve.A.GetEncoded());
        digest.BlockUpdate(Domain.Curve.B.GetEncoded());
        digest.BlockUpdate(Domain.G.AffineXCoord.GetEncoded());
        digest.BlockUpdate(Domain.G.AffineYCoord.GetEncoded());
        return digest;
    }
}

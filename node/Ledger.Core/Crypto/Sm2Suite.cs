using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using Ledger.Core.Protocol;

namespace Ledger.Core.Crypto;

/// <summary>
/// SM2 with SM3 (GB/T 32918.2-2016) on sm2p256v1, distinguishing id "1234567812345678"
/// (GB/T 35276-2017, formerly GM/T 0009-2012). Public key 0x04 || X || Y; signature r || s, 32 bytes each, big-endian.
/// </summary>
public sealed class Sm2Suite : ISignatureSuite
{
    public static Sm2Suite Instance { get; } = new();

    /// <summary>Keys decoded once, with Z_A and the point's multiplication table, for every later signature by them.</summary>
    private readonly Sm2KeyCache _keys = new();

    private Sm2Suite()
    {
    }

    public KeyAlgorithm Algorithm => KeyAlgorithm.Sm2;

    public int PublicKeyBytes => Sm2.PublicKeyBytes;

    public int SignatureBytes => Sm2.SignatureBytes;

    public bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) => Sm2.TryDecodePublicKey(publicKey) is not null;

    public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureBytes || !_keys.TryGet(publicKey, out var key))
        {
            return false;
        }
        return Sm2.Verify(key.Point, key.MessageDigest(message), signature);
    }

    /// <summary>Verify without the key cache: decodes the key and computes Z_A every call. For tests and benchmarks.</summary>
    internal static bool VerifyUncached(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != Sm2.SignatureBytes)
        {
            return false;
        }
        var point = Sm2.TryDecodePublicKey(publicKey);
        if (point is null)
        {
            return false;
        }
        return Sm2.Verify(point, Sm2.MessageDigest(publicKey, message), signature);
    }

    /// <summary>
    /// r || s to the DER SEQUENCE { r INTEGER, s INTEGER } (GB/T 35276-2017) that OpenSSL
    /// reads and writes.
    /// </summary>
    public static byte[] SignatureToDer(ReadOnlySpan<byte> signature)
    {
        if (signature.Length != Sm2.SignatureBytes)
        {
            throw new ArgumentException($"an SM2 signature is {Sm2.SignatureBytes} bytes, not {signature.Length}", nameof(signature));
        }
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(UnsignedInteger(signature[..Sm2.ScalarBytes]));
            writer.WriteInteger(UnsignedInteger(signature[Sm2.ScalarBytes..]));
        }
        return writer.Encode();
    }

    /// <summary>DER SEQUENCE { r, s } to r || s. Does not range-check r and s: Verify does.</summary>
    /// <exception cref="FormatException">Not a DER pair of non-negative integers of at most 32 bytes.</exception>
    public static byte[] SignatureFromDer(ReadOnlySpan<byte> der) =>
        TrySignatureFromDer(der, out var signature)
            ? signature
            : throw new FormatException("not a DER-encoded SM2 signature");

    public static bool TrySignatureFromDer(ReadOnlySpan<byte> der, [NotNullWhen(true)] out byte[]? signature)
    {
        signature = null;
        try
        {
            var reader = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var output = new byte[Sm2.SignatureBytes];
            if (!TryReadScalar(sequence, output.AsSpan(0, Sm2.ScalarBytes))
                || !TryReadScalar(sequence, output.AsSpan(Sm2.ScalarBytes)))
            {
                return false;
            }
            sequence.ThrowIfNotEmpty();
            signature = output;
            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    private static System.Numerics.BigInteger UnsignedInteger(ReadOnlySpan<byte> bigEndian) =>
        new(bigEndian, isUnsigned: true, isBigEndian: true);

    private static bool TryReadScalar(AsnReader sequence, Span<byte> destination)
    {
        var bytes = sequence.ReadIntegerBytes().Span;
        if ((bytes[0] & 0x80) != 0)
        {
            return false;
        }
        if (bytes[0] == 0 && bytes.Length > 1)
        {
            bytes = bytes[1..];
        }
        if (bytes.Length > destination.Length)
        {
            return false;
        }
        destination.Clear();
        bytes.CopyTo(destination[(destination.Length - bytes.Length)..]);
        return true;
    }
}

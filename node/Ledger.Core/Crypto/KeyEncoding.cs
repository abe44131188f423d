using System.Formats.Asn1;
using Ledger.Core.Protocol;

namespace Ledger.Core.Crypto;

/// <summary>A private key as PKCS#8 holds it: Ed25519's 32-byte seed or SM2's 32-byte scalar d.</summary>
internal readonly record struct PrivateKeyInfo(KeyAlgorithm Algorithm, byte[] PrivateKey, byte[]? PublicKey);

/// <summary>
/// DER for PKCS#8 PrivateKeyInfo (RFC 5208, RFC 5958) and SubjectPublicKeyInfo (RFC 5280 §4.1),
/// laid out exactly as OpenSSL 3 writes them so that keys round-trip byte for byte.
/// </summary>
internal static class KeyEncoding
{
    private const string Ed25519Oid = "1.3.101.112";            // RFC 8410 §3
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";  // RFC 5480 §2.1.1
    private const string Sm2CurveOid = "1.2.156.10197.1.301";   // GB/T 33560 (GM/T 0006): SM2 on sm2p256v1

    internal static byte[] WritePrivateKeyInfo(KeyAlgorithm algorithm, ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(0);
            WriteAlgorithmIdentifier(writer, algorithm);
            writer.WriteOctetString(algorithm == KeyAlgorithm.Ed25519
                ? WriteCurvePrivateKey(privateKey)
                : WriteEcPrivateKey(privateKey, publicKey));
        }
        return writer.Encode();
    }

    internal static byte[] WriteSubjectPublicKeyInfo(KeyAlgorithm algorithm, ReadOnlySpan<byte> publicKey)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            WriteAlgorithmIdentifier(writer, algorithm);
            writer.WriteBitString(publicKey);
        }
        return writer.Encode();
    }

    /// <summary>Reads PKCS#8 v1 or v2 (RFC 5958 OneAsymmetricKey); attributes are skipped.</summary>
    /// <exception cref="AsnContentException">Malformed DER.</exception>
    /// <exception cref="FormatException">Well-formed DER that is not a key the ledger supports.</exception>
    internal static PrivateKeyInfo ReadPrivateKeyInfo(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var info = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        if (!info.TryReadInt32(out var version) || version is not (0 or 1))
        {
            throw new FormatException("unsupported PKCS#8 version");
        }
        var algorithm = ReadAlgorithmIdentifier(info);
        var inner = info.ReadOctetString();
        SkipOptional(info, new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true));
        var outerPublicKey = ReadOptionalPublicKey(info, new Asn1Tag(TagClass.ContextSpecific, 1));
        info.ThrowIfNotEmpty();
        return algorithm == KeyAlgorithm.Ed25519
            ? new PrivateKeyInfo(algorithm, ReadCurvePrivateKey(inner), outerPublicKey)
            : ReadEcPrivateKey(inner, outerPublicKey);
    }

    /// <exception cref="AsnContentException">Malformed DER.</exception>
    /// <exception cref="FormatException">Well-formed DER that is not a key the ledger supports.</exception>
    internal static PublicKey ReadSubjectPublicKeyInfo(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var info = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        var algorithm = ReadAlgorithmIdentifier(info);
        var key = info.ReadBitString(out var unusedBits);
        info.ThrowIfNotEmpty();
        if (unusedBits != 0)
        {
            throw new FormatException("public key bit string has unused bits");
        }
        return new PublicKey { Algorithm = algorithm, Key = Google.Protobuf.ByteString.CopyFrom(key) };
    }

    /// <summary>Ed25519: no parameters (RFC 8410 §3). SM2: id-ecPublicKey with the named curve, as OpenSSL 3 writes it.</summary>
    private static void WriteAlgorithmIdentifier(AsnWriter writer, KeyAlgorithm algorithm)
    {
        using (writer.PushSequence())
        {
            if (algorithm == KeyAlgorithm.Ed25519)
            {
                writer.WriteObjectIdentifier(Ed25519Oid);
                return;
            }
            writer.WriteObjectIdentifier(EcPublicKeyOid);
            writer.WriteObjectIdentifier(Sm2CurveOid);
        }
    }

    private static KeyAlgorithm ReadAlgorithmIdentifier(AsnReader info)
    {
        var identifier = info.ReadSequence();
        var oid = identifier.ReadObjectIdentifier();
        if (oid == Ed25519Oid)
        {
            identifier.ThrowIfNotEmpty();
            return KeyAlgorithm.Ed25519;
        }
        if (oid != EcPublicKeyOid)
        {
            throw new FormatException($"unsupported key algorithm {oid}: the ledger takes Ed25519 or SM2");
        }
        var curve = identifier.ReadObjectIdentifier();
        identifier.ThrowIfNotEmpty();
        if (curve != Sm2CurveOid)
        {
            throw new FormatException($"unsupported elliptic curve {curve}: the ledger takes SM2 ({Sm2CurveOid})");
        }
        return KeyAlgorithm.Sm2;
    }

    /// <summary>RFC 8410 §7: CurvePrivateKey ::= OCTET STRING, inside the PKCS#8 privateKey octets.</summary>
    private static byte[] WriteCurvePrivateKey(ReadOnlySpan<byte> seed)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(seed);
        return writer.Encode();
    }

    private static byte[] ReadCurvePrivateKey(byte[] inner)
    {
        var reader = new AsnReader(inner, AsnEncodingRules.DER);
        var seed = reader.ReadOctetString();
        reader.ThrowIfNotEmpty();
        if (seed.Length != 32)
        {
            throw new FormatException($"an Ed25519 private key is 32 bytes, not {seed.Length}");
        }
        return seed;
    }

    /// <summary>
    /// RFC 5915 §3 ECPrivateKey. OpenSSL 3 writes version 1, d padded to 32 bytes, no [0]
    /// parameters (the PKCS#8 AlgorithmIdentifier names the curve) and the [1] public key.
    /// </summary>
    private static byte[] WriteEcPrivateKey(ReadOnlySpan<byte> d, ReadOnlySpan<byte> publicKey)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(1);
            writer.WriteOctetString(d);
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true)))
            {
                writer.WriteBitString(publicKey);
            }
        }
        return writer.Encode();
    }

    private static PrivateKeyInfo ReadEcPrivateKey(byte[] inner, byte[]? outerPublicKey)
    {
        var reader = new AsnReader(inner, AsnEncodingRules.DER);
        var key = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        if (!key.TryReadInt32(out var version) || version != 1)
        {
            throw new FormatException("unsupported ECPrivateKey version");
        }
        var d = key.ReadOctetString();
        ReadOptionalCurve(key);
        var publicKey = ReadOptionalExplicitPublicKey(key) ?? outerPublicKey;
        key.ThrowIfNotEmpty();
        if (d.Length is 0 or > Sm2.ScalarBytes)
        {
            throw new FormatException($"an SM2 private key is at most {Sm2.ScalarBytes} bytes, not {d.Length}");
        }
        return new PrivateKeyInfo(KeyAlgorithm.Sm2, LeftPad(d, Sm2.ScalarBytes), publicKey);
    }

    private static void ReadOptionalCurve(AsnReader key)
    {
        var tag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        if (!key.HasData || !key.PeekTag().HasSameClassAndValue(tag))
        {
            return;
        }
        var parameters = key.ReadSequence(tag);
        var curve = parameters.ReadObjectIdentifier();
        parameters.ThrowIfNotEmpty();
        if (curve != Sm2CurveOid)
        {
            throw new FormatException($"ECPrivateKey names curve {curve}, not SM2");
        }
    }

    private static byte[]? ReadOptionalExplicitPublicKey(AsnReader key)
    {
        var tag = new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true);
        if (!key.HasData || !key.PeekTag().HasSameClassAndValue(tag))
        {
            return null;
        }
        var wrapper = key.ReadSequence(tag);
        var publicKey = wrapper.ReadBitString(out var unusedBits);
        wrapper.ThrowIfNotEmpty();
        return unusedBits == 0 ? publicKey : throw new FormatException("public key bit string has unused bits");
    }

    /// <summary>RFC 5958 §2: publicKey [1] IMPLICIT BIT STRING.</summary>
    private static byte[]? ReadOptionalPublicKey(AsnReader info, Asn1Tag tag)
    {
        if (!info.HasData || !info.PeekTag().HasSameClassAndValue(tag))
        {
            return null;
        }
        var publicKey = info.ReadBitString(out var unusedBits, tag);
        return unusedBits == 0 ? publicKey : throw new FormatException("public key bit string has unused bits");
    }

    private static void SkipOptional(AsnReader reader, Asn1Tag tag)
    {
        if (reader.HasData && reader.PeekTag().HasSameClassAndValue(tag))
        {
            reader.ReadEncodedValue();
        }
    }

    private static byte[] LeftPad(byte[] value, int length)
    {
        if (value.Length == length)
        {
            return value;
        }
        var padded = new byte[length];
        value.CopyTo(padded, length - value.Length);
        return padded;
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Security.Cryptography;
using Ledger.Core.Protocol;

namespace Ledger.Core.Crypto;

/// <summary>RFC 7468 textual encoding, in OpenSSL's layout: 64-character lines, LF, a final LF.</summary>
internal static class Pem
{
    internal const string PrivateKeyLabel = "PRIVATE KEY";
    internal const string PublicKeyLabel = "PUBLIC KEY";

    /// <summary>Bounds the text we are willing to scan; real keys are a few hundred characters.</summary>
    internal const int TextCharsMax = 64 * 1024;

    internal static string Write(string label, byte[] der) => PemEncoding.WriteString(label, der) + "\n";

    /// <summary>The DER of the first block with this label; false with a reason otherwise.</summary>
    internal static bool TryRead(string text, string label, [NotNullWhen(true)] out byte[]? der, out string error)
    {
        der = null;
        if (text.Length > TextCharsMax)
        {
            error = $"PEM text is longer than {TextCharsMax} characters";
            return false;
        }
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual(label))
            {
                der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
                error = string.Empty;
                return true;
            }
            rest = rest[fields.Location.End..];
        }
        error = $"no \"-----BEGIN {label}-----\" block";
        return false;
    }
}

/// <summary>SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----"), as `openssl pkey -pubout` writes it.</summary>
public static class PublicKeyPem
{
    public static string Write(PublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var suite = SignatureSuites.Find(key.Algorithm)
            ?? throw new ArgumentException($"unsupported key algorithm {key.Algorithm}", nameof(key));
        if (!suite.IsValidPublicKey(key.Key.Span))
        {
            throw new ArgumentException($"not a valid {key.Algorithm} public key", nameof(key));
        }
        return Pem.Write(Pem.PublicKeyLabel, KeyEncoding.WriteSubjectPublicKeyInfo(key.Algorithm, key.Key.Span));
    }

    /// <exception cref="FormatException">Not a supported, valid public key.</exception>
    public static PublicKey Read(string pem) =>
        TryRead(pem, out var key, out var error) ? key : throw new FormatException(error);

    public static bool TryRead(string pem, [NotNullWhen(true)] out PublicKey? key, out string error)
    {
        ArgumentNullException.ThrowIfNull(pem);
        key = null;
        if (!Pem.TryRead(pem, Pem.PublicKeyLabel, out var der, out error))
        {
            return false;
        }
        try
        {
            var candidate = KeyEncoding.ReadSubjectPublicKeyInfo(der);
            if (!SignatureSuites.Find(candidate.Algorithm)!.IsValidPublicKey(candidate.Key.Span))
            {
                error = $"not a valid {candidate.Algorithm} public key";
                return false;
            }
            key = candidate;
            return true;
        }
        catch (Exception exception) when (exception is AsnContentException or FormatException)
        {
            error = $"malformed public key: {exception.Message}";
            return false;
        }
    }
}

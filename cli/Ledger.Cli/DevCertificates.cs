using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ledger.Cli;

/// <summary>
/// A self-signed network CA and node certificates for development networks (D28): ECDSA P-256,
/// each node certificate naming its validator id as common name, valid for server and client
/// authentication on 127.0.0.1 and localhost. Files are PEM: ca.pem (public), ca.key.pem, and per
/// node &lt;id&gt;.pem and &lt;id&gt;.key.pem. A real network's operators bring their own (docs/NETWORK.md).
/// </summary>
public static class DevCertificates
{
    public const string CaFileName = "ca.pem";
    public const string CaKeyFileName = "ca.key.pem";
    private static readonly TimeSpan Validity = TimeSpan.FromDays(5 * 365);

    public static string CertificateFileName(string validatorId) => validatorId + ".pem";

    public static string KeyFileName(string validatorId) => validatorId + ".key.pem";

    /// <summary>The CA in directory, created on first use; then a certificate for every validator that has none. Returns the CA file.</summary>
    public static string Ensure(string directory, IEnumerable<string> validatorIds)
    {
        Directory.CreateDirectory(directory);
        var caFile = Path.Combine(directory, CaFileName);
        var caKeyFile = Path.Combine(directory, CaKeyFileName);
        if (!File.Exists(caFile) || !File.Exists(caKeyFile))
        {
            using var created = CreateAuthority("Ledger development network CA");
            WritePair(created, caFile, caKeyFile);
        }

        using var authority = X509Certificate2.CreateFromPemFile(caFile, caKeyFile);
        foreach (var id in validatorIds)
        {
            var certificateFile = Path.Combine(directory, CertificateFileName(id));
            var keyFile = Path.Combine(directory, KeyFileName(id));
            if (!File.Exists(certificateFile) || !File.Exists(keyFile))
            {
                using var node = Issue(authority, id);
                WritePair(node, certificateFile, keyFile);
            }
        }

        return caFile;
    }

    /// <summary>A self-signed CA certificate with its private key.</summary>
    public static X509Certificate2 CreateAuthority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddHours(-1), now.Add(Validity));
    }

    /// <summary>A node certificate (common name = validator id, SAN 127.0.0.1 and localhost) signed by the authority, with its private key.</summary>
    public static X509Certificate2 Issue(X509Certificate2 authority, string validatorId)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + validatorId), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var now = DateTimeOffset.UtcNow;
        var notAfter = now.Add(Validity) < authority.NotAfter ? now.Add(Validity) : new DateTimeOffset(authority.NotAfter);
        using var issued = request.Create(authority, now.AddHours(-1), notAfter, RandomNumberGenerator.GetBytes(16));
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Writes the certificate (PEM) and its private key (PKCS#8 PEM, readable by the owner only where the OS allows).</summary>
    public static void WritePair(X509Certificate2 certificate, string certificateFile, string keyFile)
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException($"{certificate.Subject} has no ECDSA private key");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem() + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}

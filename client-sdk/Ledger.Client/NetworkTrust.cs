using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ledger.Client;

/// <summary>
/// Trusting a ledger network's own CA for https (docs/DECISIONS.md D28): the node's certificate
/// must chain to one of the CA certificates given, not to the operating system's store, and must
/// name the host dialled.
/// </summary>
public static class NetworkTrust
{
    /// <summary>The CA certificates in a PEM file.</summary>
    /// <exception cref="ArgumentException">The file cannot be read or holds no certificate.</exception>
    public static X509Certificate2Collection ReadCaFile(string path)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ArgumentException($"CA file {path} cannot be read: {exception.Message}", nameof(path), exception);
        }

        return authorities.Count > 0 ? authorities : throw new ArgumentException($"CA file {path} holds no certificate", nameof(path));
    }

    /// <summary>An HTTP handler that accepts only server certificates chaining to the given CA certificates.</summary>
    public static SocketsHttpHandler CreateHandler(X509Certificate2Collection authorities)
    {
        ArgumentNullException.ThrowIfNull(authorities);
        return new SocketsHttpHandler
        {
            // As gRPC's own default handler does: past the server's limit of concurrent streams on one
            // connection (Kestrel: 100) calls go on another connection instead of queueing behind it.
            EnableMultipleHttp2Connections = true,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    certificate is X509Certificate2 server
                    && !errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)
                    && !errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)
                    && Chains(server, authorities),
            },
        };
    }

    private static bool Chains(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        return chain.Build(certificate);
    }
}

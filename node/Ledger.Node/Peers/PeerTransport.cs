using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ledger.Node.Options;

namespace Ledger.Node.Peers;

/// <summary>
/// This node's certificate and the network CA (D28): what the listener serves, what peer links
/// present and how a peer's certificate is judged. A peer certificate names its validator id as
/// its common name and must chain to the network CA alone (never the OS store).
/// </summary>
public sealed class PeerTransport
{
    private PeerTransport(X509Certificate2? certificate, X509Certificate2Collection authorities)
    {
        Certificate = certificate;
        Authorities = authorities;
    }

    /// <summary>No TLS: the development plaintext flag.</summary>
    public static PeerTransport Plaintext { get; } = new(null, []);

    public bool Secure => Certificate is not null;

    /// <summary>This node's certificate with its private key; null in plaintext.</summary>
    public X509Certificate2? Certificate { get; }

    public X509Certificate2Collection Authorities { get; }

    /// <summary>What is wrong with a node file's transport settings, each naming its field; empty when none.</summary>
    public static IReadOnlyList<string> Problems(NodeOptions options)
    {
        var problems = new List<string>();
        var tls = options.Tls;
        var scheme = tls.DevelopmentPlaintext ? "http" : "https";
        if (!tls.DevelopmentPlaintext && (tls.CertificateFile.Length == 0 || tls.KeyFile.Length == 0 || tls.CaFile.Length == 0))
        {
            problems.Add("Node:Tls needs CertificateFile, KeyFile and CaFile (the node's certificate, its key and the network CA); "
                + "plaintext is only for development and must be asked for with Node:Tls:DevelopmentPlaintext = true");
        }

        if (Uri.TryCreate(options.ListenUrl, UriKind.Absolute, out var listen) && listen.Scheme != scheme)
        {
            problems.Add($"Node:ListenUrl must be {scheme}:// {(tls.DevelopmentPlaintext ? "with Tls:DevelopmentPlaintext" : "with TLS")}, not '{options.ListenUrl}'");
        }

        // Plaintext never leaves the machine: a development network on loopback only.
        if (tls.DevelopmentPlaintext && listen is not null && !IsLoopback(listen))
        {
            problems.Add($"Node:ListenUrl '{options.ListenUrl}' is not a loopback address; Tls:DevelopmentPlaintext is for a development network on 127.0.0.1 only");
        }

        foreach (var peer in options.Peers)
        {
            if (Uri.TryCreate(peer.Url, UriKind.Absolute, out var url) && url.Scheme != scheme)
            {
                problems.Add($"Node:Peers: the url of {peer.ValidatorId} must be {scheme}://, not '{peer.Url}'");
            }
            else if (tls.DevelopmentPlaintext && url is not null && !IsLoopback(url))
            {
                problems.Add($"Node:Peers: the url of {peer.ValidatorId} '{peer.Url}' is not a loopback address; Tls:DevelopmentPlaintext is for a development network on 127.0.0.1 only");
            }
        }

        return problems;
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || (System.Net.IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));

    /// <summary>Reads the certificate, key and CA files; a clear exception names the file that fails.</summary>
    public static PeerTransport Load(TlsOptions tls)
    {
        if (tls.DevelopmentPlaintext)
        {
            return Plaintext;
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(tls.CertificateFile, tls.KeyFile);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"Node:Tls: certificate {tls.CertificateFile} with key {tls.KeyFile} cannot be loaded: {exception.Message}", exception);
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(tls.CaFile);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new InvalidOperationException($"Node:Tls: CA file {tls.CaFile} cannot be read: {exception.Message}", exception);
        }

        if (authorities.Count == 0)
        {
            throw new InvalidOperationException($"Node:Tls: CA file {tls.CaFile} holds no certificate");
        }

        var transport = new PeerTransport(certificate, authorities);
        // This certificate serves the listener and identifies this node when it dials: it must allow both.
        if ((transport.ChainProblem(certificate, ServerAuthentication) ?? transport.ChainProblem(certificate, ClientAuthentication)) is { } problem)
        {
            throw new InvalidOperationException($"Node:Tls: this node's own certificate {tls.CertificateFile} is refused by the network CA {tls.CaFile} for server and client authentication: {problem}");
        }

        return transport;
    }

    /// <summary>TLS client authentication (id-kp-clientAuth): what a peer's certificate must allow when it calls us.</summary>
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>TLS server authentication (id-kp-serverAuth): what a peer's certificate must allow when we dial it.</summary>
    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    private const string CommonNameOid = "2.5.4.3";

    /// <summary>
    /// The validator id a certificate names: the value of its one common name, and nothing else (no fallback to
    /// O, OU or e-mail names, which .NET's simple name would take). Empty when the subject has no common name,
    /// several, or a multi-valued name, so such a certificate names no validator.
    /// </summary>
    public static string ValidatorIdOf(X509Certificate2 certificate)
    {
        var names = certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.HasMultipleElements || rdn.GetSingleElementType().Value == CommonNameOid)
            .ToList();
        return names is [{ HasMultipleElements: false } name] ? name.GetSingleElementValue() ?? "" : "";
    }

    /// <summary>Why a certificate does not chain to the network CA for the purpose (an extended key usage OID), or null when it does.</summary>
    public string? ChainProblem(X509Certificate2 certificate, string purpose)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(purpose));
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (chain.Build(certificate))
        {
            return null;
        }

        var reasons = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
        return $"it does not chain to the network CA ({string.Join("; ", reasons)})";
    }

    /// <summary>
    /// The HTTP handler of the link to one peer: presents this node's certificate and accepts the
    /// peer's server certificate only if it chains to the network CA, names the expected validator
    /// and matches the address dialled. Null in plaintext.
    /// </summary>
    public SocketsHttpHandler? HandlerFor(string validatorId, Action<string> refused)
    {
        if (Certificate is null)
        {
            return null;
        }

        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [Certificate],
                // Always present our certificate, whatever CA names the server asks for.
                LocalCertificateSelectionCallback = (_, _, _, _, _) => Certificate,
                RemoteCertificateValidationCallback = (_, remote, _, errors) =>
                {
                    var problem = PeerServerProblem(remote as X509Certificate2, validatorId, errors);
                    if (problem is not null)
                    {
                        refused(problem);
                    }

                    return problem is null;
                },
            },
        };
    }

    private string? PeerServerProblem(X509Certificate2? remote, string validatorId, SslPolicyErrors errors)
    {
        if (remote is null)
        {
            return "it presented no certificate";
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"its certificate ({remote.Subject}) does not name the address dialled";
        }

        if (ChainProblem(remote, ServerAuthentication) is { } problem)
        {
            return $"its certificate ({remote.Subject}): {problem}";
        }

        var named = ValidatorIdOf(remote);
        return named == validatorId ? null : $"its certificate names validator '{named}', not '{validatorId}'";
    }
}

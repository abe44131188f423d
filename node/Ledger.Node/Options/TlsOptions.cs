namespace Ledger.Node.Options;

/// <summary>
/// Transport security (node file section "Node:Tls", docs/DECISIONS.md D28). The client API and the
/// peer service share one HTTPS listener with this node's certificate; peers must present a client
/// certificate signed by the network CA whose common name is a current validator id. Plaintext only
/// with <see cref="DevelopmentPlaintext"/>, which the node logs as a warning at start.
/// </summary>
public sealed class TlsOptions
{
    /// <summary>This node's certificate (PEM); its common name is the node's validator id.</summary>
    public string CertificateFile { get; set; } = "";

    /// <summary>The certificate's private key (PEM, PKCS#8 or EC).</summary>
    public string KeyFile { get; set; } = "";

    /// <summary>The network CA certificate(s) (PEM) that peers' certificates must chain to; not the OS store.</summary>
    public string CaFile { get; set; } = "";

    /// <summary>Serve and dial over plaintext HTTP/2, with no peer authentication: development only.</summary>
    public bool DevelopmentPlaintext { get; set; }

    public bool Enabled => !DevelopmentPlaintext;
}

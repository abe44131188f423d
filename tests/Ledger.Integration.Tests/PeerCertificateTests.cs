using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ledger.Node.Options;
using Ledger.Node.Peers;

namespace Ledger.Integration.Tests;

/// <summary>
/// D28's name and purpose checks on peer certificates, on certificates made here: the validator id is the
/// one common name and nothing else, and a certificate must allow the TLS role it is used in.
/// </summary>
public sealed class PeerCertificateTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ledger-peer-certs-").FullName;
    private readonly X509Certificate2 _authority;
    private readonly PeerTransport _transport;

    public PeerCertificateTests()
    {
        var caFile = Ledger.Cli.DevCertificates.Ensure(_directory, ["node-0"]);
        _authority = X509Certificate2.CreateFromPemFile(caFile, Path.Combine(_directory, Ledger.Cli.DevCertificates.CaKeyFileName));
        _transport = PeerTransport.Load(new TlsOptions
        {
            CertificateFile = Path.Combine(_directory, Ledger.Cli.DevCertificates.CertificateFileName("node-0")),
            KeyFile = Path.Combine(_directory, Ledger.Cli.DevCertificates.KeyFileName("node-0")),
            CaFile = caFile,
        });
    }

    public void Dispose()
    {
        _authority.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void The_validator_id_is_the_common_name_only()
    {
        using var named = Issue("CN=node-1, O=Some Organisation", ClientAndServer);
        Assert.Equal("node-1", PeerTransport.ValidatorIdOf(named));

        // .NET's simple name would fall back to O: here it must name no validator at all.
        using var organisationOnly = Issue("O=node-1, OU=node-1", ClientAndServer);
        Assert.Equal("", PeerTransport.ValidatorIdOf(organisationOnly));

        using var twoNames = Issue("CN=node-1, CN=node-2", ClientAndServer);
        Assert.Equal("", PeerTransport.ValidatorIdOf(twoNames));
    }

    [Fact]
    public void A_certificate_must_allow_the_tls_role_it_is_used_in()
    {
        using var both = Issue("CN=node-1", ClientAndServer);
        Assert.Null(_transport.ChainProblem(both, PeerTransport.ClientAuthentication));
        Assert.Null(_transport.ChainProblem(both, PeerTransport.ServerAuthentication));

        using var serverOnly = Issue("CN=node-1", [PeerTransport.ServerAuthentication]);
        Assert.NotNull(_transport.ChainProblem(serverOnly, PeerTransport.ClientAuthentication));
        Assert.Null(_transport.ChainProblem(serverOnly, PeerTransport.ServerAuthentication));

        using var clientOnly = Issue("CN=node-1", [PeerTransport.ClientAuthentication]);
        Assert.Null(_transport.ChainProblem(clientOnly, PeerTransport.ClientAuthentication));
        Assert.NotNull(_transport.ChainProblem(clientOnly, PeerTransport.ServerAuthentication));
    }

    [Fact]
    public void Plaintext_is_refused_off_loopback()
    {
        NodeOptions Options(string listen, string peer) => new()
        {
            NodeId = "node-0",
            ListenUrl = listen,
            Tls = new TlsOptions { DevelopmentPlaintext = true },
            Peers = [new PeerOptions { ValidatorId = "node-1", Url = peer }],
        };

        Assert.Empty(PeerTransport.Problems(Options("http://127.0.0.1:7101", "http://127.0.0.1:7102")));
        Assert.Contains(PeerTransport.Problems(Options("http://0.0.0.0:7101", "http://127.0.0.1:7102")), p => p.Contains("Node:ListenUrl", StringComparison.Ordinal) && p.Contains("loopback", StringComparison.Ordinal));
        Assert.Contains(PeerTransport.Problems(Options("http://127.0.0.1:7101", "http://10.20.0.5:7102")), p => p.Contains("node-1", StringComparison.Ordinal) && p.Contains("loopback", StringComparison.Ordinal));
    }

    private static readonly string[] ClientAndServer = [PeerTransport.ServerAuthentication, PeerTransport.ClientAuthentication];

    private X509Certificate2 Issue(string subject, string[] purposes)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var usages = new OidCollection();
        foreach (var purpose in purposes)
        {
            usages.Add(new Oid(purpose));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, critical: false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(_authority, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
        return issued.CopyWithPrivateKey(key);
    }
}

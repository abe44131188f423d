using System.CommandLine;
using Grpc.Net.Client;
using Ledger.Client;

namespace Ledger.Cli;

/// <summary>
/// How every command that takes --node reaches the node: `--ca FILE` (or $LEDGER_CA) names the
/// network CA an https node's certificate must chain to (D28); http needs none.
/// </summary>
public static class NodeConnection
{
    public const string CaVariable = "LEDGER_CA";

    /// <summary>--ca FILE, defaulting to $LEDGER_CA.</summary>
    public static Option<FileInfo?> CaOption() => new("--ca")
    {
        HelpName = "FILE",
        Description = $"the network CA (PEM) an https --node must chain to, e.g. devnet-data/tls/ca.pem (default: ${CaVariable})",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(CaVariable) is { Length: > 0 } path ? new FileInfo(path) : null,
    };

    /// <summary>SDK options for node, trusting ca when the node speaks https.</summary>
    public static LedgerClientOptions ClientOptions(Uri node, FileInfo? ca) =>
        new() { Endpoint = node, CaFile = TrustedCa(node, ca) ?? string.Empty };

    /// <summary>A gRPC channel to node, trusting ca when the node speaks https.</summary>
    /// <exception cref="IOException">The CA file cannot be read.</exception>
    public static GrpcChannel Channel(Uri node, FileInfo? ca, int receiveBytesMax = 4 * 1024 * 1024)
    {
        var path = TrustedCa(node, ca);
        return GrpcChannel.ForAddress(node, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = receiveBytesMax,
            HttpHandler = path is null ? null : NetworkTrust.CreateHandler(ReadCa(path)),
            DisposeHttpClient = path is not null,
        });
    }

    /// <summary>A node's error, with a hint when TLS refused the node's certificate.</summary>
    public static string Explain(string message) =>
        message.Contains("SSL connection could not be established", StringComparison.Ordinal)
            ? message + $" (an https node's certificate must chain to the network CA: give it with --ca FILE or ${CaVariable})"
            : message;

    private static System.Security.Cryptography.X509Certificates.X509Certificate2Collection ReadCa(string path)
    {
        try
        {
            return NetworkTrust.ReadCaFile(path);
        }
        catch (ArgumentException exception)
        {
            throw new IOException("--ca: " + exception.Message.Replace(" (Parameter 'path')", string.Empty, StringComparison.Ordinal), exception);
        }
    }

    private static string? TrustedCa(Uri node, FileInfo? ca) => node.Scheme == "https" && ca is not null ? ca.FullName : null;
}

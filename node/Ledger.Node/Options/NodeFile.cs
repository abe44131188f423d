using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Node.Options;

/// <summary>Loading what a node file points at: its genesis and its validator key, each checked with a clear error.</summary>
public static class NodeFile
{
    /// <summary>Relative paths in a node file are relative to the file's own folder.</summary>
    public static void ResolvePaths(NodeOptions options, string nodeFileDirectory)
    {
        options.DataDirectory = Resolve(options.DataDirectory, nodeFileDirectory);
        options.KeyFile = Resolve(options.KeyFile, nodeFileDirectory);
        options.NextKeyFile = Resolve(options.NextKeyFile, nodeFileDirectory);
        options.GenesisFile = Resolve(options.GenesisFile, nodeFileDirectory);
        options.Tls.CertificateFile = Resolve(options.Tls.CertificateFile, nodeFileDirectory);
        options.Tls.KeyFile = Resolve(options.Tls.KeyFile, nodeFileDirectory);
        options.Tls.CaFile = Resolve(options.Tls.CaFile, nodeFileDirectory);
    }

    public static Genesis LoadGenesis(string path)
    {
        Genesis genesis;
        try
        {
            genesis = JsonParser.Default.Parse<Genesis>(File.ReadAllText(path));
        }
        catch (Exception exception) when (exception is InvalidProtocolBufferException or InvalidJsonException or IOException)
        {
            throw new InvalidOperationException($"genesis file {path} cannot be read: {exception.Message}", exception);
        }

        var problems = GenesisValidator.Problems(genesis);
        return problems.Count == 0
            ? genesis
            : throw new InvalidOperationException($"genesis file {path} is not valid: {string.Join("; ", problems)}");
    }

    public static SigningKey LoadKey(string path)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (IOException exception)
        {
            throw new InvalidOperationException($"key file {path} cannot be read: {exception.Message}", exception);
        }

        return SigningKey.TryFromPkcs8Pem(pem, out var key, out var error)
            ? key!
            : throw new InvalidOperationException($"key file {path} is not a PKCS#8 Ed25519 or SM2 private key: {error}");
    }

    private static string Resolve(string path, string directory) =>
        path.Length == 0 || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(directory, path));
}

using System.CommandLine;
using Ledger.Client.Keys;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Cli;

/// <summary>
/// `ledger keys new --algorithm ed25519|sm2 --out FILE`: a PKCS#8 PEM private key, as openssl genpkey
/// writes it, and beside it the public key (FILE with .pub.pem) to send to whoever builds the genesis.
/// `ledger keys public --key FILE` prints the public key of a private key file.
/// </summary>
public static class KeysCommand
{
    public static Command Create()
    {
        var algorithm = new Option<string>("--algorithm") { Description = "ed25519 or sm2", DefaultValueFactory = _ => "ed25519" };
        algorithm.AcceptOnlyFromAmong("ed25519", "sm2");
        var output = new Option<FileInfo>("--out") { Description = "where to write the private key (PEM, mode 0600)", Required = true };
        var create = new Command("new", "generate a private key and write its public key beside it") { algorithm, output };
        create.SetAction(result => New(result.GetValue(algorithm)!, result.GetValue(output)!));

        var key = new Option<FileInfo>("--key") { Description = "a PKCS#8 PEM private key", Required = true };
        var show = new Command("public", "print the public key (PEM) of a private key file") { key };
        show.SetAction(result => Public(result.GetValue(key)!));
        return new Command("keys", "key files") { create, show };
    }

    /// <summary>keys/bureau.pem → keys/bureau.pub.pem; keys/bureau → keys/bureau.pub.pem.</summary>
    public static string PublicKeyPath(string privateKeyPath) =>
        Path.ChangeExtension(privateKeyPath, null) + ".pub.pem";

    private static int New(string algorithm, FileInfo output)
    {
        using var key = KeyFile.Generate(algorithm == "sm2" ? KeyAlgorithm.Sm2 : KeyAlgorithm.Ed25519);
        var publicPath = PublicKeyPath(output.FullName);
        try
        {
            output.Directory?.Create();
            if (File.Exists(publicPath))
            {
                Console.Error.WriteLine($"{publicPath} already exists");
                return 1;
            }

            KeyFile.Write(output.FullName, key);
            File.WriteAllText(publicPath, key.ToPublicKeyPem());
        }
        catch (IOException exception)
        {
            Console.Error.WriteLine($"{output.FullName}: {exception.Message}");
            return 1;
        }

        Console.WriteLine($"wrote {output.FullName} (private: keep it on this machine)");
        Console.WriteLine($"wrote {publicPath} (public: send it for the network plan)");
        Console.WriteLine($"public key ({algorithm}, base64): {Convert.ToBase64String(key.PublicKeyBytes)}");
        return 0;
    }

    private static int Public(FileInfo file)
    {
        try
        {
            using var key = KeyFile.Load(file.FullName);
            Console.Write(key.ToPublicKeyPem());
            return 0;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            Console.Error.WriteLine($"{file.FullName}: {exception.Message}");
            return 1;
        }
    }
}

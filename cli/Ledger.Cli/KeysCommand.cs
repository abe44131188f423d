using System.CommandLine;
using Ledger.Client.Keys;
using Ledger.Core.Protocol;

namespace Ledger.Cli;

/// <summary>`ledger keys new --algorithm ed25519|sm2 --out FILE`: a PKCS#8 PEM private key, as openssl genpkey writes it.</summary>
public static class KeysCommand
{
    public static Command Create()
    {
        var algorithm = new Option<string>("--algorithm") { Description = "ed25519 or sm2", DefaultValueFactory = _ => "ed25519" };
        algorithm.AcceptOnlyFromAmong("ed25519", "sm2");
        var output = new Option<FileInfo>("--out") { Description = "where to write the private key (PEM, mode 0600)", Required = true };
        var create = new Command("new", "generate a private key") { algorithm, output };
        create.SetAction(result => New(result.GetValue(algorithm)!, result.GetValue(output)!));
        return new Command("keys", "key files") { create };
    }

    private static int New(string algorithm, FileInfo output)
    {
        using var key = KeyFile.Generate(algorithm == "sm2" ? KeyAlgorithm.Sm2 : KeyAlgorithm.Ed25519);
        try
        {
            KeyFile.Write(output.FullName, key);
        }
        catch (IOException exception)
        {
            Console.Error.WriteLine($"{output.FullName}: {exception.Message}");
            return 1;
        }

        Console.WriteLine($"wrote {output.FullName}");
        Console.WriteLine($"public key ({algorithm}, base64): {Convert.ToBase64String(key.PublicKeyBytes)}");
        return 0;
    }
}

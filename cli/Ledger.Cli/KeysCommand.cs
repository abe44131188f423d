using System.CommandLine;
using System.Security.Cryptography;
using Ledger.Core.Crypto;
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
        if (output.Exists)
        {
            Console.Error.WriteLine($"{output.FullName} exists; refusing to overwrite a key");
            return 1;
        }

        var seed = RandomNumberGenerator.GetBytes(32);
        using var key = SigningKey.FromSeed(algorithm == "sm2" ? KeyAlgorithm.Sm2 : KeyAlgorithm.Ed25519, seed);
        CryptographicOperations.ZeroMemory(seed);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(output.FullName, System.Text.Encoding.ASCII, options))
        {
            writer.Write(key.ToPkcs8Pem());
        }

        Console.WriteLine($"wrote {output.FullName}");
        Console.WriteLine($"public key ({algorithm}, base64): {Convert.ToBase64String(key.PublicKeyBytes)}");
        return 0;
    }
}

using System.Security.Cryptography;
using System.Text;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Client.Keys;

/// <summary>
/// Private keys in PKCS#8 PEM files, the format <c>openssl genpkey -algorithm ed25519</c> or
/// <c>-algorithm SM2</c> writes, so keys move freely between OpenSSL, the CLI and the SDK.
/// </summary>
public static class KeyFile
{
    /// <summary>A key file is a few hundred bytes; anything larger is not one.</summary>
    public const int FileBytesMax = 16 * 1024;

    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>A new key from 32 bytes of the operating system's CSPRNG.</summary>
    public static SigningKey Generate(KeyAlgorithm algorithm)
    {
        if (algorithm is not (KeyAlgorithm.Ed25519 or KeyAlgorithm.Sm2))
        {
            throw new ArgumentException($"algorithm must be Ed25519 or Sm2, not {algorithm}", nameof(algorithm));
        }

        Span<byte> seed = stackalloc byte[32];
        RandomNumberGenerator.Fill(seed);
        try
        {
            return SigningKey.FromSeed(algorithm, seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Reads a PKCS#8 PEM private key.</summary>
    /// <exception cref="FormatException">The file is not a supported private key; the message names the file.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static async Task<SigningKey> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        RequireSmall(path);
        var pem = await File.ReadAllTextAsync(path, Encoding.ASCII, cancellationToken).ConfigureAwait(false);
        return Parse(path, pem);
    }

    /// <summary>Reads a PKCS#8 PEM private key (synchronous form of <see cref="LoadAsync"/>).</summary>
    /// <exception cref="FormatException">The file is not a supported private key; the message names the file.</exception>
    public static SigningKey Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        RequireSmall(path);
        return Parse(path, File.ReadAllText(path, Encoding.ASCII));
    }

    /// <summary>
    /// Writes the key as PKCS#8 PEM, readable and writable by its owner only (mode 0600 on Unix).
    /// The file is written beside its destination and moved into place, so a reader never sees half a key
    /// and the mode is 0600 from the first byte.
    /// </summary>
    /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false.</exception>
    public static async Task WriteAsync(string path, SigningKey key, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(key);
        if (!overwrite && File.Exists(path))
        {
            throw new IOException($"{path} already exists; pass overwrite: true to replace it");
        }

        var full = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var stream = new FileStream(temporary, PrivateFileOptions());
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(key.ToPkcs8Pem()), cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, full, overwrite);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Synchronous form of <see cref="WriteAsync"/>.</summary>
    public static void Write(string path, SigningKey key, bool overwrite = false) =>
        WriteAsync(path, key, overwrite, CancellationToken.None).GetAwaiter().GetResult();

    private static FileStreamOptions PrivateFileOptions()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerReadWrite;
        }

        return options;
    }

    private static void RequireSmall(string path)
    {
        var length = new FileInfo(path).Length;
        if (length > FileBytesMax)
        {
            throw new FormatException($"{path} is {length} bytes; a key file is at most {FileBytesMax}");
        }
    }

    private static SigningKey Parse(string path, string pem) =>
        SigningKey.TryFromPkcs8Pem(pem, out var key, out var error)
            ? key
            : throw new FormatException($"{path}: {error}");
}

using Ledger.Client.Keys;
using Ledger.Core.Protocol;

namespace Ledger.Client.Tests;

public sealed class KeyFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ledger-keyfile-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(KeyAlgorithm.Ed25519)]
    [InlineData(KeyAlgorithm.Sm2)]
    public async Task A_generated_key_written_and_loaded_is_the_same_key(KeyAlgorithm algorithm)
    {
        var path = Path.Combine(_directory, "signer.pem");
        using var key = KeyFile.Generate(algorithm);

        await KeyFile.WriteAsync(path, key);
        using var loaded = await KeyFile.LoadAsync(path);

        Assert.Equal(algorithm, loaded.Algorithm);
        Assert.Equal(key.PublicKeyBytes, loaded.PublicKeyBytes);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public void A_key_file_is_readable_and_writable_by_its_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only.
        }

        var path = Path.Combine(_directory, "signer.pem");
        using var key = KeyFile.Generate(KeyAlgorithm.Ed25519);
        KeyFile.Write(path, key);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        KeyFile.Write(path, key, overwrite: true);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Two_generated_keys_differ()
    {
        using var first = KeyFile.Generate(KeyAlgorithm.Ed25519);
        using var second = KeyFile.Generate(KeyAlgorithm.Ed25519);

        Assert.NotEqual(first.PublicKeyBytes, second.PublicKeyBytes);
    }

    [Fact]
    public void An_existing_file_is_not_overwritten_unless_asked()
    {
        var path = Path.Combine(_directory, "signer.pem");
        using var first = KeyFile.Generate(KeyAlgorithm.Ed25519);
        using var second = KeyFile.Generate(KeyAlgorithm.Ed25519);
        KeyFile.Write(path, first);

        Assert.Throws<IOException>(() => KeyFile.Write(path, second));
        KeyFile.Write(path, second, overwrite: true);

        using var loaded = KeyFile.Load(path);
        Assert.Equal(second.PublicKeyBytes, loaded.PublicKeyBytes);
        Assert.Single(Directory.GetFiles(_directory));
    }

    [Fact]
    public void A_file_that_is_not_a_key_is_refused_naming_the_file()
    {
        var path = Path.Combine(_directory, "not-a-key.pem");
        File.WriteAllText(path, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

        var exception = Assert.Throws<FormatException>(() => KeyFile.Load(path));

        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unspecified_algorithm_is_refused()
    {
        var exception = Assert.Throws<ArgumentException>(() => KeyFile.Generate(KeyAlgorithm.Unspecified));

        Assert.Equal("algorithm", exception.ParamName);
    }
}

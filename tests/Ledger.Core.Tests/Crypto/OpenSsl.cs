using System.ComponentModel;
using System.Diagnostics;

namespace Ledger.Core.Tests.Crypto;

/// <summary>Runs the `openssl` executable for interop tests; absent on some machines, so tests ask first.</summary>
internal static class OpenSsl
{
    private static readonly TimeSpan RunTimeoutMax = TimeSpan.FromSeconds(60);
    private static readonly Lazy<bool> Available = new(Probe);

    /// <summary>True when `openssl version` runs and reports OpenSSL 3, whose SM2 and -rawin these tests need.</summary>
    public static bool IsAvailable => Available.Value;

    public static string Run(string workingDirectory, params string[] arguments)
    {
        var (exitCode, output, error) = TryRun(workingDirectory, arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException(
                $"openssl {string.Join(' ', arguments)} exited {exitCode}: {error}{output}");
        }
        return output;
    }

    public static (int ExitCode, string Output, string Error) TryRun(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(RunTimeoutMax))
        {
            process.Kill();
            throw new TimeoutException($"openssl {string.Join(' ', arguments)} ran longer than {RunTimeoutMax}");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    private static bool Probe()
    {
        try
        {
            var (exitCode, output, _) = TryRun(Path.GetTempPath(), "version");
            return exitCode == 0 && output.StartsWith("OpenSSL 3.", StringComparison.Ordinal);
        }
        catch (Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>A fresh directory per test, so interop tests can run in parallel; removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("ledger-crypto-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

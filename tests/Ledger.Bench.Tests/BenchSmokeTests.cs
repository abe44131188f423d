using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace Ledger.Bench.Tests;

/// <summary>
/// Each benchmark command of issue 9, run as a process with tiny sizes: it starts what it needs on free
/// ports, finishes, exits 0 and prints its "figure:" line. The figures themselves are never asserted.
/// </summary>
public sealed class BenchSmokeTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private readonly string _chains = Path.Combine(Path.GetTempPath(), "ledger-bench-smoke-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task Every_target_command_starts_finishes_and_prints_its_figure()
    {
        string[][] commands =
        [
            ["limits", "--each", "0.1"],
            ["sm2", "--each", "0.1"],
            ["transfers", "--validators", "4", "--seconds", "2", "--workers", "16", "--traders", "8", "--rate", "20", "--open-seconds", "1", "--each", "0.1"],
            ["transfers", "--validators", "1", "--seconds", "2", "--workers", "16", "--traders", "8", "--rate", "20", "--open-seconds", "1", "--each", "0.1"],
            ["scenario", "--records", "1200", "--in-flight", "4", "--each", "0.1"],
            ["verify", "--transactions", "200", "--chains", _chains, "--each", "0.1"],
        ];
        foreach (var command in commands)
        {
            var (exitCode, text) = await RunAsync(command);
            output.WriteLine($"$ Ledger.Bench {string.Join(' ', command)}  (exit {exitCode})\n{text}");
            Assert.True(exitCode == 0, $"{command[0]} exited {exitCode}:\n{text}");
            Assert.Contains("figure: ", text, StringComparison.Ordinal);
            Assert.Contains("machine: ", text, StringComparison.Ordinal);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string[] arguments)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Ledger.Bench.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var text = new StringBuilder();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (text)
            {
                return (-1, $"timed out after {CommandTimeout.TotalSeconds} s\n{text}");
            }
        }

        lock (text)
        {
            return (process.ExitCode, text.ToString());
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_chains))
        {
            Directory.Delete(_chains, recursive: true);
        }
    }
}

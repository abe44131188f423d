using System.Diagnostics;
using System.Runtime.InteropServices;
using Grpc.Core;

namespace Ledger.Bench.Soak;

/// <summary>
/// One validator process (Ledger.Node.dll from beside this program) started from its node file;
/// killable with SIGKILL and restartable on the same data. Its output is appended to its log file
/// across restarts.
/// </summary>
public sealed class SoakNode(string nodeId, Uri url, string nodeFile, string keyFile, string dataDirectory, string logFile, string tlsDirectory)
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private readonly Lock _logLock = new();
    private Process? _process;

    public string NodeId { get; } = nodeId;

    public Uri Url { get; } = url;

    /// <summary>The network CA's folder: ca.pem and this node's certificate and key (D28).</summary>
    public string TlsDirectory { get; } = tlsDirectory;

    public string CaFile => Path.Combine(TlsDirectory, Ledger.Cli.DevCertificates.CaFileName);

    public string NodeFile { get; } = nodeFile;

    public string KeyFile { get; } = keyFile;

    public string DataDirectory { get; } = dataDirectory;

    public string LogFile { get; } = logFile;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>CPU time (user + system) the running node process has used so far; zero when it is not running.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            if (_process is not { HasExited: false } process)
            {
                return TimeSpan.Zero;
            }

            process.Refresh();
            return process.TotalProcessorTime;
        }
    }

    /// <summary>Starts the process and returns when it answers GetStatus.</summary>
    public async Task StartAsync(CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LogFile)!);
        Append($"--- start {DateTime.UtcNow:O}");
        var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Ledger.Node.dll"));
        start.ArgumentList.Add("--node-file");
        start.ArgumentList.Add(NodeFile);
        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {NodeId}");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilServingAsync(_process, cancellation);
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a power cut of the process.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            Append($"--- SIGKILL {DateTime.UtcNow:O}");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM, as an operator's Ctrl-C; SIGKILL if the node has not stopped within <see cref="StopTimeout"/>. True when it stopped by itself.</summary>
    public async Task<bool> StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return true;
        }

        _ = SendSignal(process.Id, 15);
        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            return false;
        }
    }

    private async Task WaitUntilServingAsync(Process process, CancellationToken cancellation)
    {
        await using var client = SoakNetwork.Client(Url, CaFile);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{NodeId} exited with code {process.ExitCode} while starting (log: {LogFile})");
            }

            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                await client.GetStatusAsync(attempt.Token);
                return;
            }
            catch (Exception exception) when (exception is Ledger.Client.LedgerClientException or RpcException or OperationCanceledException
                                              && DateTime.UtcNow < deadline && !cancellation.IsCancellationRequested)
            {
                await Task.Delay(200, cancellation);
            }
        }
    }

    public void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            File.AppendAllText(LogFile, line + Environment.NewLine);
        }
    }

    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}

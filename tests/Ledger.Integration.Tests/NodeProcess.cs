using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Grpc.Net.Client;
using Ledger.Core.Protocol;
using Ledger.Testing;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Integration.Tests;

/// <summary>
/// A real node process (Ledger.Node.dll) on 127.0.0.1 and a free port, with its own genesis
/// (the TestLedger participants, one validator), key file and RocksDB directory under a temp folder.
/// Restartable on the same data; killable with SIGKILL; everything is stopped and deleted on dispose.
/// Plaintext with the development flag unless started with TLS (D28): then the node serves https
/// with a certificate from a CA made for the test, and <see cref="CaFile"/> is what clients trust.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    public const string ValidatorId = "node-solo";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly StringBuilder _log = new();
    private Process? _process;
    private string? _nodeFile;

    private NodeProcess(string directory, int port, string validatorId = ValidatorId, string? caFile = null)
    {
        Directory = directory;
        Port = port;
        NodeId = validatorId;
        CaFile = caFile;
    }

    public string NodeId { get; }

    public string Directory { get; }

    public int Port { get; }

    public Uri Url => new($"{(CaFile is null ? "http" : "https")}://127.0.0.1:{Port}");

    /// <summary>The CA (PEM) this node's certificate chains to and that it trusts for peers; null in plaintext.</summary>
    public string? CaFile { get; }

    /// <summary>Where /metrics is served over HTTP/1.1, when the node was started with metrics.</summary>
    public Uri? MetricsUrl { get; private set; }

    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>The loopback Admin service (backups), when the node was started with one.</summary>
    public Uri? AdminUrl { get; private set; }

    public Genesis Genesis { get; private set; } = new();

    /// <summary>What the process printed, for a failing test's message.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// A network of count validators of equal power (node-0 … node-n), each its own process with a
    /// full mesh of peers, started together; returns when every node answers. A node named in nextKeys
    /// also holds that key as its NextKeyFile (next-validator.pem), ready for a ChangeValidators re-key.
    /// </summary>
    /// <param name="extraSettings">More node-file settings for every node (JSON members, e.g. limits).</param>
    /// <param name="admin">Each node also serves the admin service on a loopback port of its own.</param>
    /// <param name="tls">Over mutual TLS with one network CA (otherwise the development plaintext flag).</param>
    /// <param name="peerUrl">Where a node (first) reaches a peer (second); the peer's own URL unless given.</param>
    /// <param name="rogueCa">
    /// With tls, validators that get a certificate (for their own id) from a CA of their own instead,
    /// which they alone trust: the others must refuse them.
    /// </param>
    public static async Task<IReadOnlyList<NodeProcess>> StartNetworkAsync(
        int count,
        string extraSettings = "",
        bool admin = false,
        bool tls = false,
        string[]? rogueCa = null,
        IReadOnlyDictionary<string, Ledger.Core.Crypto.SigningKey>? nextKeys = null,
        Func<NodeProcess, NodeProcess, Uri>? peerUrl = null)
    {
        peerUrl ??= (_, to) => to.Url;
        rogueCa ??= [];
        var ids = Enumerable.Range(0, count).Select(i => $"node-{i}").ToArray();
        var root = Path.Combine(Path.GetTempPath(), "ledger-net-" + Guid.NewGuid().ToString("N")[..12]);
        var networkCa = tls ? Ledger.Cli.DevCertificates.Ensure(Path.Combine(root, "tls"), ids.Except(rogueCa)) : null;
        var caFiles = ids.ToDictionary(id => id, id => rogueCa.Contains(id) ? Ledger.Cli.DevCertificates.Ensure(Path.Combine(root, "tls-" + id), [id]) : networkCa);
        var nodes = ids.Select(id => new NodeProcess(Path.Combine(root, id), FreePort(), id, caFiles[id])).ToList();
        var genesis = new TestLedger().Genesis.Clone();
        genesis.Validators.Clear();
        genesis.Validators.Add(ids.Select(id => new Validator { ValidatorId = id, PublicKey = TestKeys.For(id).ToPublicKey(), Power = 10 }));
        foreach (var node in nodes)
        {
            System.IO.Directory.CreateDirectory(node.Directory);
            node.Genesis = genesis;
            node.AdminUrl = admin ? new Uri($"http://127.0.0.1:{FreePort()}") : null;
            var peers = string.Join(",", nodes.Where(n => n != node).Select(n => $$"""{ "ValidatorId": "{{n.NodeId}}", "Url": "{{peerUrl(node, n)}}" }"""));
            var nextKey = "";
            if (nextKeys?.GetValueOrDefault(node.NodeId) is { } next)
            {
                File.WriteAllText(Path.Combine(node.Directory, "next-validator.pem"), next.ToPkcs8Pem());
                nextKey = "\"NextKeyFile\": \"next-validator.pem\",";
            }

            node.WriteFiles(genesis, $$"""
                "TimeoutProposeMs": 400, "TimeoutPrevoteMs": 200, "TimeoutPrecommitMs": 200, "TimeoutDeltaMs": 100, {{nextKey}}
                "Peers": [ {{peers}} ]{{node.AdminSetting}}{{(extraSettings.Length == 0 ? "" : ", " + extraSettings)}}
                """);
        }

        try
        {
            await Task.WhenAll(nodes.Select(n => n.StartAgainAsync()));
        }
        catch
        {
            // One node failed to start: the test never gets the list, so stop the others here.
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            throw;
        }

        return nodes;
    }

    /// <param name="extraSettings">More node-file settings (JSON members, e.g. limits).</param>
    public static async Task<NodeProcess> StartAsync(int blockIntervalMs = 50, bool metrics = false, string extraSettings = "", bool admin = false, bool tls = false)
    {
        var directory = Path.Combine(Path.GetTempPath(), "ledger-it-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var caFile = tls ? Ledger.Cli.DevCertificates.Ensure(Path.Combine(directory, "tls"), [ValidatorId]) : null;
        var node = new NodeProcess(directory, FreePort(), caFile: caFile);
        var template = new TestLedger();
        node.Genesis = template.Genesis.Clone();
        node.Genesis.Validators.Clear();
        node.Genesis.Validators.Add(new Validator { ValidatorId = ValidatorId, PublicKey = TestKeys.For(ValidatorId).ToPublicKey(), Power = 1 });
        node.MetricsUrl = metrics ? new Uri($"http://127.0.0.1:{FreePort()}/metrics") : null;
        var metricsSetting = node.MetricsUrl is null ? "" : $", \"MetricsListenUrl\": \"http://127.0.0.1:{node.MetricsUrl.Port}\"";
        var extra = extraSettings.Length == 0 ? "" : ", " + extraSettings;
        node.AdminUrl = admin ? new Uri($"http://127.0.0.1:{FreePort()}") : null;
        node.WriteFiles(node.Genesis, $"\"BlockIntervalMs\": {blockIntervalMs}{metricsSetting}{node.AdminSetting}{extra}");
        await node.StartAgainAsync();
        return node;
    }

    /// <summary>
    /// A node from a node file written by someone else (`ledger network init`): nothing is written,
    /// and the node file's folder is deleted on dispose.
    /// </summary>
    public static async Task<NodeProcess> StartFromNodeFileAsync(string nodeFile, Genesis genesis, Uri url, string nodeId, string? caFile = null)
    {
        var node = new NodeProcess(Path.GetDirectoryName(Path.GetFullPath(nodeFile))!, url.Port, nodeId, caFile) { Genesis = genesis, _nodeFile = nodeFile };
        await node.StartAgainAsync();
        return node;
    }

    /// <summary>Starts the process (again) on the same data directory and waits until it answers.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Ledger.Node.dll"));
        start.ArgumentList.Add("--node-file");
        start.ArgumentList.Add(_nodeFile ?? Path.Combine(Directory, "node.json"));
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilServing();
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a power cut of the process.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>The exit code of a node that stops by itself within the time (a node that stays up fails the test).</summary>
    /// <summary>Waits until the node has printed text (its output is read asynchronously, so a line lags the event).</summary>
    public async Task WaitForLogAsync(string text, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the node never printed \"{text}\":\n{Log}");
            await Task.Delay(50);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process!.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"node {NodeId} did not stop within {within.TotalSeconds} s:\n{Log}");
        }

        return _process.ExitCode;
    }

    /// <summary>A graceful stop (SIGTERM), as an operator's Ctrl-C.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _ = Posix.Kill(_process.Id, 15);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _process.WaitForExitAsync(timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task WaitUntilServing()
    {
        using var channel = Channel();
        var client = new ProtocolLedger.LedgerClient(channel);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"the node exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                await client.GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                return;
            }
            catch (Grpc.Core.RpcException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private string AdminSetting => AdminUrl is null ? "" : $", \"AdminListenUrl\": \"http://127.0.0.1:{AdminUrl.Port}\"";

    /// <summary>A gRPC channel to the client API, trusting <see cref="CaFile"/> when there is one.</summary>
    public GrpcChannel Channel() => CaFile is null
        ? GrpcChannel.ForAddress(Url)
        : GrpcChannel.ForAddress(Url, new GrpcChannelOptions { HttpHandler = Ledger.Client.NetworkTrust.CreateHandler(Ledger.Client.NetworkTrust.ReadCaFile(CaFile)), DisposeHttpClient = true });

    /// <summary>The node file's transport settings: this node's certificate from its CA's folder, or the development flag.</summary>
    private string TlsSettings()
    {
        if (CaFile is null)
        {
            return """ "Tls": { "DevelopmentPlaintext": true }, """;
        }

        var folder = Path.GetDirectoryName(CaFile)!;
        return $$"""
            "Tls": {
              "CertificateFile": "{{Path.Combine(folder, Ledger.Cli.DevCertificates.CertificateFileName(NodeId))}}",
              "KeyFile": "{{Path.Combine(folder, Ledger.Cli.DevCertificates.KeyFileName(NodeId))}}",
              "CaFile": "{{CaFile}}"
            },
            """;
    }

    private void WriteFiles(Genesis genesis, string extraSettings)
    {
        File.WriteAllText(Path.Combine(Directory, "genesis.json"), JsonFormatter.Default.Format(genesis));
        File.WriteAllText(Path.Combine(Directory, "validator.pem"), TestKeys.For(NodeId).ToPkcs8Pem());
        File.WriteAllText(Path.Combine(Directory, "node.json"), $$"""
            {
              "Node": {
                "NodeId": "{{NodeId}}",
                "ListenUrl": "{{Url}}",
                "DataDirectory": "data",
                "KeyFile": "validator.pem",
                "GenesisFile": "genesis.json",
                {{TlsSettings()}}
                {{extraSettings}}
              },
              "Logging": { "LogLevel": { "Default": "Warning", "Ledger": "Debug" } }
            }
            """);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A port free now, below the kernel's ephemeral range (32768+ on Linux): a port the kernel hands
    /// out for port 0 can be taken by any outgoing connection before the node binds it, which made
    /// node starts fail now and then with "address already in use" when many tests run at once.
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            lock (HandedOut)
            {
                // Never the same port twice in this process, even if the first node has not bound it yet.
                if (!HandedOut.Add(port))
                {
                    continue;
                }
            }

            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException) when (attempt < 100)
            {
            }
        }
    }
}

internal static class Posix
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    internal static extern int Kill(int pid, int signal);
}

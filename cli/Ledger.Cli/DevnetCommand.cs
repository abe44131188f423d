using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Ledger.Cli;

/// <summary>
/// `ledger devnet [--dir DIR]`: starts every node of network-config/devnet as its own process on
/// 127.0.0.1, with RocksDB data under DIR, prints each endpoint, and stops them cleanly on Ctrl-C.
/// On first start it makes a self-signed network CA and a certificate per node under DIR/tls
/// (D28), so the nodes serve TLS and authenticate each other with mutual TLS.
/// </summary>
public static class DevnetCommand
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    public static Command Create()
    {
        var dir = new Option<DirectoryInfo>("--dir") { Description = "where the nodes keep their RocksDB data", DefaultValueFactory = _ => new DirectoryInfo("devnet-data") };
        var network = new Option<DirectoryInfo?>("--network") { Description = "the network's folder (default: network-config/devnet of this checkout)" };
        var command = new Command("devnet", "start the local network (Ctrl-C stops it)") { dir, network };
        command.SetAction((result, cancellation) => Run(result.GetValue(dir)!, result.GetValue(network) ?? FindNetwork(), cancellation));
        return command;
    }

    private sealed record NodeFile(string Path, string NodeId, Uri Url, string PortalListenUrl)
    {
        /// <summary>Where a browser opens the node's public portal (D36): its https client port, or its PortalListenUrl.</summary>
        public string PortalUrl => PortalListenUrl.Length > 0 ? PortalListenUrl.TrimEnd('/') + "/" : $"https://{Url.Authority}/";
    }

    private static async Task<int> Run(DirectoryInfo dataRoot, DirectoryInfo? network, CancellationToken cancellation)
    {
        if (network is null || !network.Exists)
        {
            Console.Error.WriteLine("network-config/devnet not found; run from the checkout or pass --network DIR");
            return 2;
        }

        var nodes = network.GetFiles("node-*.json").OrderBy(f => f.Name, StringComparer.Ordinal).Select(Read).ToList();
        dataRoot.Create();
        var tls = Path.Combine(dataRoot.FullName, "tls");
        var ca = new FileInfo(DevCertificates.Ensure(tls, nodes.Select(n => n.NodeId)));
        var processes = nodes.Select(node => Start(node, dataRoot, tls)).ToList();
        try
        {
            if (!await AllServing(nodes, processes, ca, cancellation))
            {
                return 1;
            }

            Console.WriteLine($"devnet running: {nodes.Count} node(s), data under {dataRoot.FullName}");
            foreach (var node in nodes)
            {
                Console.WriteLine($"  {node.NodeId,-20} {node.Url}  portal {node.PortalUrl}");
            }

            Console.WriteLine($"network CA: {ca.FullName} (give it as --ca FILE or ${NodeConnection.CaVariable})");
            Console.WriteLine("Ctrl-C stops the network.");
            await Task.WhenAny(Task.Delay(Timeout.Infinite, cancellation), Task.WhenAny(processes.Select(p => p.WaitForExitAsync(CancellationToken.None))));
            return cancellation.IsCancellationRequested ? 0 : 1;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        finally
        {
            await StopAll(processes);
        }
    }

    private static NodeFile Read(FileInfo file)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(file.FullName));
        var node = json.RootElement.GetProperty("Node");
        var portal = node.TryGetProperty("PortalListenUrl", out var portalUrl) ? portalUrl.GetString() ?? "" : "";
        return new NodeFile(file.FullName, node.GetProperty("NodeId").GetString()!, new Uri(node.GetProperty("ListenUrl").GetString()!), portal);
    }

    private static Process Start(NodeFile node, DirectoryInfo dataRoot, string tls)
    {
        var nodeDll = Path.Combine(AppContext.BaseDirectory, "Ledger.Node.dll");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var arguments = new[]
        {
            nodeDll, "--node-file", node.Path,
            $"--Node:DataDirectory={Path.Combine(dataRoot.FullName, node.NodeId)}",
            $"--Node:Tls:CertificateFile={Path.Combine(tls, DevCertificates.CertificateFileName(node.NodeId))}",
            $"--Node:Tls:KeyFile={Path.Combine(tls, DevCertificates.KeyFileName(node.NodeId))}",
            $"--Node:Tls:CaFile={Path.Combine(tls, DevCertificates.CaFileName)}",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {node.NodeId}");
        process.OutputDataReceived += (_, e) => Forward(node.NodeId, e.Data, Console.Out);
        process.ErrorDataReceived += (_, e) => Forward(node.NodeId, e.Data, Console.Error);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<bool> AllServing(IReadOnlyList<NodeFile> nodes, IReadOnlyList<Process> processes, FileInfo ca, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(StartTimeout);
        for (var i = 0; i < nodes.Count; i++)
        {
            while (true)
            {
                if (processes[i].HasExited)
                {
                    Console.Error.WriteLine($"{nodes[i].NodeId} exited with code {processes[i].ExitCode} while starting");
                    return false;
                }

                try
                {
                    await StatusCommand.FetchAsync(nodes[i].Url, ca, timeout.Token);
                    break;
                }
                catch (Grpc.Core.RpcException)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), timeout.Token);
                }
            }
        }

        return true;
    }

    /// <summary>SIGTERM lets each node finish its block and close RocksDB; a node that does not stop in time is killed.</summary>
    private static async Task StopAll(IReadOnlyList<Process> processes)
    {
        foreach (var process in processes.Where(p => !p.HasExited))
        {
            Terminate(process);
        }

        using var timeout = new CancellationTokenSource(StopTimeout);
        foreach (var process in processes)
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Console.WriteLine("devnet stopped");
    }

    private static void Terminate(Process process)
    {
        if (OperatingSystem.IsWindows())
        {
            process.Kill(entireProcessTree: true);
        }
        else
        {
            _ = SendSignal(process.Id, 15);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static void Forward(string nodeId, string? line, TextWriter writer)
    {
        if (line is not null)
        {
            writer.WriteLine($"[{nodeId}] {line}");
        }
    }

    /// <summary>network-config/devnet of the checkout this command runs in: searched upward from the working directory, then from the tool.</summary>
    private static DirectoryInfo? FindNetwork() =>
        new[] { Environment.CurrentDirectory, AppContext.BaseDirectory }
            .SelectMany(Ancestors)
            .Select(dir => new DirectoryInfo(Path.Combine(dir, "network-config", "devnet")))
            .FirstOrDefault(dir => dir.Exists);

    private static IEnumerable<string> Ancestors(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            yield return dir.FullName;
        }
    }
}

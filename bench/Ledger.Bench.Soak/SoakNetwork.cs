using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Client;
using Ledger.Client.Keys;

namespace Ledger.Bench.Soak;

/// <summary>
/// The soak's copy of a network folder: the genesis and keys copied from the source folder, and one
/// node file per validator rewritten for this run's ports, data folders and certificates (mutual TLS
/// with a CA made for the run). How a node is addressed is decided here and in <see cref="Client"/>.
/// </summary>
public sealed class SoakNetwork
{
    private SoakNetwork(string root, string genesisFile, IReadOnlyList<SoakNode> nodes)
    {
        Root = root;
        GenesisFile = genesisFile;
        Nodes = nodes;
    }

    public string Root { get; }

    public string GenesisFile { get; }

    public IReadOnlyList<SoakNode> Nodes { get; }

    /// <summary>A participant's signer from the copied keys folder (keys/&lt;id&gt;.insecure.pem, as in the devnet).</summary>
    public LedgerSigner Signer(string participantId) =>
        new(participantId, KeyFile.Load(Path.Combine(Root, "keys", participantId + ".insecure.pem")));

    /// <summary>The one place SDK clients are made: HTTPS, trusting the soak network's own CA.</summary>
    public static LedgerClient Client(Uri endpoint, string caFile) => new(new LedgerClientOptions
    {
        Endpoint = endpoint,
        CaFile = caFile,
        HeightCacheDuration = TimeSpan.FromSeconds(1),
        SubmitAndWaitTimeout = TimeSpan.FromSeconds(20),
    });

    /// <summary>Copies genesis.json and keys/ of <paramref name="source"/> into <paramref name="root"/> and writes a node file per node-*.json there.</summary>
    public static SoakNetwork Write(string source, string root, IReadOnlyDictionary<string, int>? nodeSettings = null)
    {
        var sourceNodes = System.IO.Directory.GetFiles(source, "node-*.json").Order(StringComparer.Ordinal).ToList();
        if (sourceNodes.Count == 0 || !File.Exists(Path.Combine(source, "genesis.json")))
        {
            throw new InvalidOperationException($"{source} has no genesis.json and node-*.json files");
        }

        System.IO.Directory.CreateDirectory(Path.Combine(root, "keys"));
        var genesisFile = Path.Combine(root, "genesis.json");
        File.Copy(Path.Combine(source, "genesis.json"), genesisFile, overwrite: true);
        foreach (var key in System.IO.Directory.GetFiles(Path.Combine(source, "keys"), "*.pem"))
        {
            File.Copy(key, Path.Combine(root, "keys", Path.GetFileName(key)), overwrite: true);
        }

        var nodes = sourceNodes.Select(file => Describe(file, root)).ToList();
        // The nodes speak mutual TLS with a CA made for this run, as the devnet does (D28).
        Ledger.Cli.DevCertificates.Ensure(Path.Combine(root, "tls"), nodes.Select(n => n.NodeId));
        foreach (var node in nodes)
        {
            File.WriteAllText(node.NodeFile, NodeFileJson(node, nodes, nodeSettings ?? new Dictionary<string, int>()));
        }

        return new SoakNetwork(root, genesisFile, nodes);
    }

    /// <summary>A node of the source folder with a free port of its own and its data, key and log under <paramref name="root"/>.</summary>
    private static SoakNode Describe(string sourceNodeFile, string root)
    {
        var node = JsonNode.Parse(File.ReadAllText(sourceNodeFile))!["Node"]!;
        var nodeId = node["NodeId"]!.GetValue<string>();
        var keyFile = Path.Combine(root, "keys", Path.GetFileName(node["KeyFile"]!.GetValue<string>()));
        return new SoakNode(
            nodeId,
            new Uri($"https://127.0.0.1:{FreePort()}"),
            Path.Combine(root, $"node-{nodeId}.json"),
            keyFile,
            Path.Combine(root, "data", nodeId),
            Path.Combine(root, "logs", nodeId + ".log"),
            Path.Combine(root, "tls"));
    }

    private static string NodeFileJson(SoakNode node, IReadOnlyList<SoakNode> all, IReadOnlyDictionary<string, int> settings)
    {
        var file = new JsonObject
        {
            ["Node"] = new JsonObject
            {
                ["NodeId"] = node.NodeId,
                ["ListenUrl"] = node.Url.ToString().TrimEnd('/'),
                ["DataDirectory"] = node.DataDirectory,
                ["KeyFile"] = node.KeyFile,
                ["GenesisFile"] = "genesis.json",
                ["Tls"] = new JsonObject
                {
                    ["CertificateFile"] = Path.Combine(node.TlsDirectory, Ledger.Cli.DevCertificates.CertificateFileName(node.NodeId)),
                    ["KeyFile"] = Path.Combine(node.TlsDirectory, Ledger.Cli.DevCertificates.KeyFileName(node.NodeId)),
                    ["CaFile"] = node.CaFile,
                },
                ["Peers"] = new JsonArray(all.Where(peer => peer != node)
                    .Select(peer => (JsonNode)new JsonObject { ["ValidatorId"] = peer.NodeId, ["Url"] = peer.Url.ToString().TrimEnd('/') })
                    .ToArray()),
            },
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning", ["Ledger"] = "Information" } },
        };
        foreach (var (name, value) in settings)
        {
            file["Node"]![name] = value;
        }

        return file.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// A port free now, below Linux's ephemeral range (32768+), so no outgoing connection takes it
    /// before the node binds it; never the stock devnet's 7101-7104 or 9101-9104.
    /// </summary>
    private static int FreePort()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            if (!HandedOut.Add(port))
            {
                continue;
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

    private static readonly HashSet<int> HandedOut = [];
}

using System.Text.Json.Nodes;
using Ledger.Bench.Soak;
using Ledger.Client;

namespace Ledger.Bench;

/// <summary>
/// A network of 1 or 4 validators started for one run on free ports, with a CA made for the run: the
/// devnet's genesis and keys (one validator: the genesis keeps only node-bureau), started the soak's way.
/// </summary>
public sealed class BenchNetwork : IAsyncDisposable
{
    private BenchNetwork(SoakNetwork network, string root, bool keep)
    {
        Network = network;
        Root = root;
        _keep = keep;
    }

    private readonly bool _keep;

    public SoakNetwork Network { get; }

    public string Root { get; }

    public IReadOnlyList<SoakNode> Nodes => Network.Nodes;

    /// <summary>Writes and starts the network under <paramref name="root"/> (a fresh temporary folder when null).</summary>
    public static async Task<BenchNetwork> StartAsync(int validators, string? root = null, bool keep = false, IReadOnlyDictionary<string, int>? nodeSettings = null)
    {
        if (validators is not (1 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(validators), "1 or 4 validators (the devnet's keys)");
        }

        root ??= Path.Combine(Path.GetTempPath(), "ledger-bench-" + Guid.NewGuid().ToString("N")[..12]);
        var source = Path.Combine(root, "source");
        WriteSource(Path.Combine(RepoRoot.Find(), "network-config", "devnet"), source, validators);
        var network = SoakNetwork.Write(source, Path.Combine(root, "network"), nodeSettings);
        var started = new BenchNetwork(network, root, keep);
        try
        {
            await Task.WhenAll(network.Nodes.Select(node => node.StartAsync()));
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }

        return started;
    }

    /// <summary>One SDK client per node, trusting this run's CA, with a long commit wait for heavy loads.</summary>
    public IReadOnlyList<LedgerClient> Clients() => Nodes.Select(node =>
    {
        return new LedgerClient(new LedgerClientOptions
        {
            Endpoint = node.Url,
            CaFile = node.CaFile,
            HeightCacheDuration = TimeSpan.FromSeconds(1),
            SubmitAndWaitTimeout = TimeSpan.FromSeconds(60),
            // Transfers are signed before the measured window (TransferLoad.PresignAsync) and must not expire during it.
            ExpiryWindowHeights = 50_000,
        });
    }).ToList();

    public LedgerSigner Signer(string participantId) => Network.Signer(participantId);

    /// <summary>Stops every node (SIGTERM, then SIGKILL) and deletes the folder unless asked to keep it.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Nodes.Select(node => node.StopAsync()));
        if (!_keep)
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The devnet folder, cut down to the first <paramref name="validators"/> validators.</summary>
    private static void WriteSource(string devnet, string source, int validators)
    {
        Directory.CreateDirectory(Path.Combine(source, "keys"));
        foreach (var key in Directory.GetFiles(Path.Combine(devnet, "keys"), "*.pem"))
        {
            File.Copy(key, Path.Combine(source, "keys", Path.GetFileName(key)), overwrite: true);
        }

        var genesis = JsonNode.Parse(File.ReadAllText(Path.Combine(devnet, "genesis.json")))!;
        var kept = genesis["validators"]!.AsArray().Take(validators).Select(v => v!["validatorId"]!.GetValue<string>()).ToList();
        genesis["validators"] = new JsonArray(genesis["validators"]!.AsArray().Take(validators).Select(v => v!.DeepClone()).ToArray());
        File.WriteAllText(Path.Combine(source, "genesis.json"), genesis.ToJsonString());
        foreach (var validator in kept)
        {
            File.Copy(Path.Combine(devnet, $"node-{validator["node-".Length..]}.json"), Path.Combine(source, $"node-{validator["node-".Length..]}.json"), overwrite: true);
        }
    }
}

/// <summary>The repository's root (the folder holding Ledger.sln), found upwards from this program or the current folder.</summary>
public static class RepoRoot
{
    public static string Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "Ledger.sln")))
                {
                    return folder.FullName;
                }
            }
        }

        throw new InvalidOperationException("cannot find the repository (Ledger.sln) above this program or the current folder");
    }
}

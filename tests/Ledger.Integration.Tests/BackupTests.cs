using Ledger.Cli;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;
using Xunit.Abstractions;

namespace Ledger.Integration.Tests;

/// <summary>
/// D31: `ledger backup` of a validator of a running 4-validator network under load; a validator
/// restored from it catches up (without signing until it is past its peers' head) and a validator
/// with an empty data directory rebuilds from genesis by block sync; every data directory verifies
/// with `ledger verify --data` and all reach the same block hashes and state roots.
/// </summary>
public sealed class BackupTests(ITestOutputHelper output) : IAsyncLifetime
{
    private IReadOnlyList<NodeProcess> _nodes = [];
    private readonly string _backup = Path.Combine(Path.GetTempPath(), "ledger-backup-" + Guid.NewGuid().ToString("N")[..12]);

    public async Task InitializeAsync() => _nodes = await NodeProcess.StartNetworkAsync(4, admin: true);

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            output.WriteLine($"--- {node.NodeId}");
            output.WriteLine(string.Join('\n', node.Log.Split('\n').Where(l => !l.Contains("link to")).TakeLast(40)));
            await node.DisposeAsync();
        }

        if (Directory.Exists(_backup))
        {
            Directory.Delete(_backup, recursive: true);
        }
    }

    [Fact]
    public async Task A_restored_validator_and_one_rebuilt_from_genesis_verify_and_reach_the_same_state_roots()
    {
        await using var client = Participants.Client(_nodes[0]);
        using var load = new CancellationTokenSource();
        var loading = Load(client, load.Token);
        await WaitUntil(async () => (await client.GetStatusAsync()).Height >= 4, "the network commits under load");

        // A checkpoint an interrupted backup left beside the data directory is removed by the next backup.
        var stale = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(_nodes[1].DataDirectory))!, $".{Path.GetFileName(_nodes[1].DataDirectory)}-backup-0123456789abcdef");
        Directory.CreateDirectory(stale);
        File.WriteAllText(Path.Combine(stale, "000042.sst"), "left behind");

        var manifest = await BackupCommand.WriteAsync(_nodes[1].AdminUrl!, _backup, CancellationToken.None);
        output.WriteLine($"backup of height {manifest.Height}, {manifest.Files.Count} files");
        Assert.False(Directory.Exists(stale), "the stale checkpoint is removed");
        Assert.True(manifest.Height >= 4);
        Assert.True(File.Exists(Path.Combine(_backup, BackupCommand.ManifestFile)));
        var verified = await VerifyCommand.VerifyDataAsync(_backup, _nodes[0].Genesis);
        Assert.True(verified.Verified, verified.Problem);
        Assert.Equal(manifest.Height, verified.Heights);
        Assert.Equal(Convert.ToHexStringLower(manifest.StateRoot.Span), verified.StateRoot);
        using (var copy = Ledger.Storage.RocksDbChainStore.OpenReadOnly(_backup))
        {
            Assert.Equal(manifest.Height, Ledger.Node.Backup.RestoreGuard.BackupHeight(copy));
            Assert.Null(copy.GetConsensus(Ledger.Node.Consensus.RocksDbSignerStore.Key));
        }

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => BackupCommand.WriteAsync(_nodes[1].AdminUrl!, _backup, CancellationToken.None));
        Assert.Contains("not empty", refused.Message);
        await AssertNoAdminOnTheApiPort(_nodes[1]);
        var (code, printed) = await RunLedger(["backup", "--admin", _nodes[0].AdminUrl!.ToString(), "--out", _backup + "-cli"]);
        Directory.Delete(_backup + "-cli", recursive: true);
        Assert.True(code == 0, printed);
        Assert.Matches("^backup of height [0-9]+ ", printed);
        (code, printed) = await RunLedger(["backup", "--admin", _nodes[0].AdminUrl!.ToString(), "--out", _backup]);
        Assert.True(code == 2, printed);

        // (1) node-3's disk is lost; it comes back from node-1's backup.
        await _nodes[3].KillAsync();
        Directory.Delete(_nodes[3].DataDirectory, recursive: true);
        CopyData(_backup, _nodes[3].DataDirectory);
        await WaitUntil(async () => (await client.GetStatusAsync()).Height >= manifest.Height + 3, "the others commit past the backup");
        await _nodes[3].StartAgainAsync();
        await WaitUntil(() => Task.FromResult(_nodes[3].Log.Contains("signing again")), "the restored validator is past its peers' head and signs again");
        Assert.Contains("Restored from a backup of height", _nodes[3].Log);
        foreach (var line in _nodes[3].Log.Split('\n').Where(l => l.Contains("Restored", StringComparison.Ordinal) || l.Contains("Peers are at", StringComparison.Ordinal) || l.Contains("signing again", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }
        ulong signsFrom;
        await using (var restored = Participants.Client(_nodes[3]))
        {
            signsFrom = (await restored.GetStatusAsync()).Height + 1;
        }

        await WaitUntil(async () => await SignedBy(client, _nodes[3].NodeId, signsFrom), "the restored validator's signature is in a certificate");

        // (2) node-2's disk is lost and nothing is restored: block sync from genesis.
        await _nodes[2].KillAsync();
        Directory.Delete(_nodes[2].DataDirectory, recursive: true);
        await _nodes[2].StartAgainAsync();
        var target = (await client.GetStatusAsync()).Height;
        await using var rebuilt = Participants.Client(_nodes[2]);
        await WaitUntil(async () => (await rebuilt.GetStatusAsync()).Height >= target, "the wiped validator syncs from genesis");

        await load.CancelAsync();
        var committed = await loading;
        output.WriteLine($"{committed} transactions committed under load");
        Assert.True(committed > 0);
        var head = (await client.GetStatusAsync()).Height;
        await WaitUntil(async () => await AllAtLeast(head), "every node reaches the head");
        await AssertSameChain(head);

        foreach (var node in _nodes)
        {
            await node.StopAsync();
        }

        var roots = new List<string>();
        foreach (var node in _nodes)
        {
            var outcome = await VerifyCommand.VerifyDataAsync(node.DataDirectory, node.Genesis);
            Assert.True(outcome.Verified, $"{node.NodeId}: {outcome.Problem}");
            output.WriteLine($"{node.NodeId}: verified {outcome.Heights} heights, state root {outcome.StateRoot}");
            roots.Add(outcome.Heights >= head ? (await BlockStateRoot(node, head)) : "short");
        }

        Assert.Single(roots.Distinct());
    }

    /// <summary>`ledger …` in this process; the exit code and what it printed.</summary>
    private static async Task<(int Code, string Printed)> RunLedger(string[] args)
    {
        var output = new StringWriter();
        var parsed = new System.CommandLine.RootCommand { BackupCommand.Create() }.Parse(args);
        var code = await parsed.InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = output });
        return (code, output.ToString());
    }

    /// <summary>The client API's port does not serve the Admin service, whatever the request says.</summary>
    private static async Task AssertNoAdminOnTheApiPort(NodeProcess node)
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(node.Url);
        var admin = new Admin.AdminClient(channel);
        var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
        {
            using var call = admin.Backup(new BackupRequest());
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(Grpc.Core.StatusCode.Unimplemented, refused.StatusCode);
    }

    /// <summary>FileMethodology transactions from the bureau, one after another, until cancelled; returns how many committed.</summary>
    private static async Task<int> Load(LedgerClient client, CancellationToken cancellation)
    {
        var committed = 0;
        for (var i = 0; !cancellation.IsCancellationRequested; i++)
        {
            try
            {
                var result = await client.SubmitAndWaitAsync(Transactions.FileMethodology($"M-load-{i}", "Methodology", MethodologyLevel.Local, "1", []), Participants.Bureau, cancellation);
                committed += result.IsCommitted ? 1 : 0;
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or TimeoutException)
            {
                // A slow commit while validators restart; the next transaction tries again.
            }
        }

        return committed;
    }

    private static void CopyData(string backup, string data)
    {
        Directory.CreateDirectory(data);
        foreach (var file in Directory.GetFiles(backup).Where(f => Path.GetFileName(f) != BackupCommand.ManifestFile))
        {
            File.Copy(file, Path.Combine(data, Path.GetFileName(file)));
        }
    }

    private static async Task<bool> SignedBy(LedgerClient client, string validatorId, ulong fromHeight)
    {
        var head = (await client.GetStatusAsync()).Height;
        for (var height = fromHeight; height <= head; height++)
        {
            if ((await client.GetBlockAsync(height))?.Certificate.Signatures.Any(s => s.ValidatorId == validatorId) == true)
            {
                return true;
            }
        }

        return false;
    }

    private async Task<bool> AllAtLeast(ulong height)
    {
        foreach (var node in _nodes)
        {
            await using var client = Participants.Client(node);
            if ((await client.GetStatusAsync()).Height < height)
            {
                return false;
            }
        }

        return true;
    }

    private async Task AssertSameChain(ulong head)
    {
        for (var height = 1UL; height <= head; height++)
        {
            var hashes = new HashSet<string>();
            var roots = new HashSet<string>();
            foreach (var node in _nodes)
            {
                await using var client = Participants.Client(node);
                var block = await client.GetBlockAsync(height);
                hashes.Add(Convert.ToHexString(block!.BlockHash.Span));
                roots.Add(Convert.ToHexString(block.Block.Header.StateRoot.Span));
            }

            Assert.True(hashes.Count == 1 && roots.Count == 1, $"the nodes differ at height {height}");
        }
    }

    private static async Task<string> BlockStateRoot(NodeProcess node, ulong height)
    {
        await Task.Yield();
        using var store = Ledger.Storage.RocksDbChainStore.OpenReadOnly(node.DataDirectory);
        return Convert.ToHexStringLower(store.GetBlock(height)!.Header.StateRoot.Span);
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(100);
        }
    }
}

/// <summary>D31: the node refuses an admin listener that other machines could reach.</summary>
public sealed class AdminEndpointTests
{
    [Theory]
    [InlineData("http://0.0.0.0:9201")]
    [InlineData("http://10.1.2.3:9201")]
    [InlineData("http://[::]:9201")]
    [InlineData("http://localhost:9201")]
    [InlineData("http://127.0.0.1")]
    [InlineData("https://127.0.0.1:9201")]
    public void The_admin_listener_must_be_a_loopback_address(string url)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => Ledger.Node.Backup.AdminEndpoint.Parse(url));
        Assert.Contains("Node:AdminListenUrl", refused.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9201", 9201)]
    [InlineData("http://[::1]:9202", 9202)]
    public void A_loopback_admin_listener_is_accepted(string url, int port) =>
        Assert.Equal(port, Ledger.Node.Backup.AdminEndpoint.Parse(url)!.Port);
}

using System.CommandLine;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Net.Client;
using Ledger.Cli;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Consensus;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Ledger.Testing;
using Xunit.Abstractions;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Integration.Tests;

/// <summary>
/// D32 on four real validator processes: a validator key rotated by ChangeValidators while the network
/// runs (the node holds its next key and switches at h + 2), and a compromised validator key removed by
/// the bureau with the runbook's command (docs/NETWORK.md), after which the key's messages count for nothing.
/// </summary>
public sealed class ValidatorKeyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Rotated = "node-3";
    private readonly string _keyDirectory = Path.Combine(Path.GetTempPath(), "ledger-keys-" + Guid.NewGuid().ToString("N")[..12]);
    private IReadOnlyList<NodeProcess> _nodes = [];

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_keyDirectory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            output.WriteLine($"--- {node.NodeId}");
            output.WriteLine(string.Join('\n', node.Log.Split('\n').Where(l => !l.Contains("link to")).TakeLast(40)));
            await node.DisposeAsync();
        }

        Directory.Delete(_keyDirectory, recursive: true);
    }

    [Fact]
    public async Task A_validator_re_keyed_on_a_running_network_signs_with_its_next_key_from_h_plus_2_and_the_chain_verifies()
    {
        var next = TestKeys.For(Rotated + "-next");
        _nodes = await NodeProcess.StartNetworkAsync(4, nextKeys: new Dictionary<string, SigningKey> { [Rotated] = next });
        await using var client = Participants.Client(_nodes[1]);
        await NetworkChecks.FileMethodologies(client, "before", 3);

        var change = await client.SubmitAndWaitAsync(Transactions.ChangeValidators([(Rotated, next.ToPublicKey(), 10)]), Participants.Bureau);
        var effective = change.Height + ValidatorSchedules.EffectDelayHeights;
        Assert.Equal(effective.ToString(System.Globalization.CultureInfo.InvariantCulture), change.Attribute("effective_height"));
        await NetworkChecks.FileMethodologies(client, "switch", 3);

        // Without node-0 the quorum needs node-3: blocks commit only if its votes under the new key count.
        await _nodes[0].KillAsync();
        await NetworkChecks.FileMethodologies(client, "new-key", 3);
        var head = (await client.GetStatusAsync()).Height;
        Assert.Contains($"validator {Rotated} signs with key {Convert.ToBase64String(next.PublicKeyBytes)} from now on", _nodes[3].Log, StringComparison.Ordinal);

        var rekeyed = new ValidatorSet(_nodes[1].Genesis.Validators.Select(v => v.ValidatorId == Rotated ? new Validator(v) { PublicKey = next.ToPublicKey() } : v));
        var signedByRotated = 0;
        for (var height = effective; height <= head; height++)
        {
            var block = (await client.GetBlockAsync(height))!;
            Assert.Null(CommitCertificates.Problem(block.Certificate, TestLedger.ChainId, height, block.BlockHash.ToByteArray(), rekeyed));
            if (block.Certificate.Signatures.FirstOrDefault(s => s.ValidatorId == Rotated) is not { } signature)
            {
                continue;
            }

            signedByRotated++;
            // The same precommit signed with the old key: refused by the certificate check every verifier runs.
            var old = block.Certificate.Clone();
            var vote = ConsensusSigning.Precommits(old).Single(v => v.ValidatorId == Rotated);
            vote.Signature = ByteString.Empty;
            old.Signatures.Single(s => s.ValidatorId == Rotated).Signature = ByteString.CopyFrom(TestKeys.For(Rotated).Sign(ConsensusSigning.VoteSignBytes(TestLedger.ChainId, vote)));
            Assert.Contains($"precommit signature of {Rotated} does not verify", CommitCertificates.Problem(old, TestLedger.ChainId, height, block.BlockHash.ToByteArray(), rekeyed), StringComparison.Ordinal);
        }

        Assert.True(signedByRotated >= 3, $"{Rotated}'s new key signed {signedByRotated} certificates from height {effective} to {head}");
        Assert.Equal(VerifyCommand.VerifiedExitCode, await Verify(_nodes[1]));
    }

    [Fact]
    public async Task A_compromised_validator_key_removed_by_the_bureau_counts_for_nothing_the_other_three_go_on_and_it_rejoins_with_a_new_key()
    {
        _nodes = await NodeProcess.StartNetworkAsync(4);
        await using var client = Participants.Client(_nodes[0]);
        await NetworkChecks.FileMethodologies(client, "before", 2);
        var compromised = TestKeys.For(Rotated);

        // Detect: whoever holds the key signs two conflicting prevotes; the validators keep the evidence.
        var caught = (await client.GetStatusAsync()).Height + 1;
        await SendConflictingPrevotes(_nodes.Take(3), compromised, caught);
        await WaitUntil(async () => (await Evidence(_nodes[0])).Any(e => e.First.ValidatorId == Rotated && e.First.Height == caught), "node-0 keeps the evidence against node-3");

        // Remove: the runbook's command, signed with the bureau's key file.
        var bureauKey = Path.Combine(_keyDirectory, "bureau.pem");
        File.WriteAllText(bureauKey, TestKeys.For(TestLedger.Bureau).ToPkcs8Pem());
        var removal = await RunCli("tx", "change-validators", "--validator", $"{Rotated}=:0", "--node", _nodes[0].Url.ToString(), "--key", bureauKey, "--as", TestLedger.Bureau, "--json");
        Assert.True(removal.ExitCode == 0, removal.Error);
        var effective = ulong.Parse(JsonDocument.Parse(removal.Out).RootElement.GetProperty("attributes").GetProperty("effective_height").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        await _nodes[3].KillAsync();

        // The other three keep committing (all three are needed now: 30 of 30 power, quorum > 20).
        await NetworkChecks.FileMethodologies(client, "after", 3);
        var late = (await client.GetStatusAsync()).Height + 1;
        Assert.True(late > effective);
        await SendConflictingPrevotes(_nodes.Take(3), compromised, late);
        await NetworkChecks.FileMethodologies(client, "later", 2);
        var head = (await client.GetStatusAsync()).Height;

        Assert.DoesNotContain(await Evidence(_nodes[0]), e => e.First.Height >= effective);
        for (var height = effective; height <= head; height++)
        {
            var block = (await client.GetBlockAsync(height))!;
            Assert.DoesNotContain(block.Certificate.Signatures, s => s.ValidatorId == Rotated);
            var forged = block.Certificate.Clone();
            var vote = new Vote { Kind = VoteKind.Precommit, Height = height, Round = forged.Round, BlockHash = forged.BlockHash, ValidatorId = Rotated };
            forged.Signatures.Add(new CommitSignature { ValidatorId = Rotated, Signature = ByteString.CopyFrom(compromised.Sign(ConsensusSigning.VoteSignBytes(TestLedger.ChainId, vote))) });
            var set = new ValidatorSet(_nodes[0].Genesis.Validators.Where(v => v.ValidatorId != Rotated));
            Assert.Contains($"{Rotated} is not a validator at height {height}", CommitCertificates.Problem(forged, TestLedger.ChainId, height, block.BlockHash.ToByteArray(), set), StringComparison.Ordinal);
        }

        // Rejoin: a new node key made on a clean machine, added back by the bureau from its public key file;
        // the node restarts on its old data with the new KeyFile, catches up and signs from h + 2.
        var fresh = TestKeys.For(Rotated + "-rejoined");
        File.WriteAllText(Path.Combine(_nodes[3].Directory, "validator.pem"), fresh.ToPkcs8Pem());
        var freshPublic = Path.Combine(_keyDirectory, "node-3-rejoined.pub.pem");
        File.WriteAllText(freshPublic, fresh.ToPublicKeyPem());
        var rejoin = await RunCli("tx", "change-validators", "--validator", $"{Rotated}={freshPublic}:10", "--node", _nodes[0].Url.ToString(), "--key", bureauKey, "--as", TestLedger.Bureau, "--json");
        Assert.True(rejoin.ExitCode == 0, rejoin.Error);
        var back = ulong.Parse(JsonDocument.Parse(rejoin.Out).RootElement.GetProperty("attributes").GetProperty("effective_height").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        await _nodes[3].StartAgainAsync();
        await NetworkChecks.FileMethodologies(client, "rejoined", 3);
        Assert.True((await client.GetStatusAsync()).Height >= back);

        // Without node-2 the quorum (3 of 4) needs the rejoined node-3 and its new key.
        await _nodes[2].KillAsync();
        await NetworkChecks.FileMethodologies(client, "needs-node-3", 2);
        Assert.Contains($"validator {Rotated} signs with key {Convert.ToBase64String(fresh.PublicKeyBytes)} from now on", _nodes[3].Log, StringComparison.Ordinal);
        Assert.Equal(VerifyCommand.VerifiedExitCode, await Verify(_nodes[0]));
    }

    /// <summary>Two prevotes for different blocks at round 0 of height, signed with key as node-3, sent over the peer API.</summary>
    private static async Task SendConflictingPrevotes(IEnumerable<NodeProcess> nodes, SigningKey key, ulong height)
    {
        var votes = new[] { (byte)0xA1, (byte)0xB2 }.Select(fill =>
        {
            var vote = new Vote { Kind = VoteKind.Prevote, Height = height, Round = 0, BlockHash = ByteString.CopyFrom(Enumerable.Repeat(fill, BlockHashing.HashBytes).ToArray()), ValidatorId = Rotated };
            vote.Signature = ByteString.CopyFrom(key.Sign(ConsensusSigning.VoteSignBytes(TestLedger.ChainId, vote)));
            return vote;
        }).ToList();
        foreach (var node in nodes)
        {
            using var channel = GrpcChannel.ForAddress(node.Url);
            using var call = new Peer.PeerClient(channel).Consensus();
            foreach (var vote in votes)
            {
                await call.RequestStream.WriteAsync(new PeerConsensusMessage { From = Rotated, Message = new ConsensusMessage { Vote = vote } });
            }

            await call.RequestStream.CompleteAsync();
            await call;
        }
    }

    private static async Task<IReadOnlyList<DoubleSignEvidence>> Evidence(NodeProcess node)
    {
        using var channel = GrpcChannel.ForAddress(node.Url);
        return (await new ProtocolLedger.LedgerClient(channel).ListEvidenceAsync(new ListEvidenceRequest())).Evidence;
    }

    /// <summary>`ledger verify --node URL --genesis FILE`, in-process.</summary>
    private static async Task<int> Verify(NodeProcess node)
    {
        var genesis = Path.Combine(node.Directory, "genesis.json");
        return await new RootCommand { VerifyCommand.Create() }.Parse(["verify", "--node", node.Url.ToString(), "--genesis", genesis]).InvokeAsync(new InvocationConfiguration { Output = TextWriter.Null, Error = TextWriter.Null });
    }

    private static async Task<(int ExitCode, string Out, string Error)> RunCli(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await new RootCommand { TxCommand.Create() }.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(100);
        }
    }
}

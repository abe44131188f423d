using System.CommandLine;
using Google.Protobuf;
using Ledger.Cli;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Client.Keys;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;

namespace Ledger.Integration.Tests;

/// <summary>
/// `ledger keys new` on each organisation's machine, `ledger network init` from their public keys
/// only, and a network of real node processes started from the files it wrote, over mutual TLS
/// with the network CA the plan names (D28).
/// </summary>
public sealed class NetworkInitTests : IDisposable
{
    private static readonly string[] Organisations = ["bureau", "operator", "verifier"];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "ledger-netinit-" + Guid.NewGuid().ToString("N")[..12]);

    public NetworkInitTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task A_network_built_from_public_keys_starts_and_commits_on_every_node()
    {
        var ports = Organisations.ToDictionary(o => o, _ => NodeProcess.FreePort());
        foreach (var organisation in Organisations)
        {
            Assert.Equal(0, await Run("keys", "new", "--out", Key(organisation)));
            Assert.Equal(0, await Run("keys", "new", "--algorithm", "sm2", "--out", Key("node-" + organisation)));
            Assert.True(File.Exists(Path.Combine(_root, "org-keys", organisation + ".pub.pem")));
        }

        // The network CA (here made by the test) and one certificate per node; the plan names only the CA's certificate.
        var caDirectory = Path.Combine(_root, "ca");
        DevCertificates.Ensure(caDirectory, Organisations.Select(o => "node-" + o));
        var plan = WritePlan(ports);
        var output = Path.Combine(_root, "network");
        Assert.Equal(0, await Run("network", "init", "--plan", plan, "--out", output));
        Assert.Equal(2, await Run("network", "init", "--plan", plan, "--out", output));
        Assert.Equal(0, await Run("network", "show", "--genesis", Path.Combine(output, "genesis.json")));

        var genesis = JsonParser.Default.Parse<Genesis>(await File.ReadAllTextAsync(Path.Combine(output, "genesis.json")));
        Assert.Empty(GenesisValidator.Problems(genesis));
        Assert.Equal(HashAlgorithm.Sm3, genesis.HashAlgorithm);
        Assert.Equal("鄂尔多斯市生态环境局", genesis.Participants.Single(p => p.ParticipantId == "bureau").Name);
        Assert.Equal([Role.Operator], genesis.Participants.Single(p => p.ParticipantId == "operator").Roles);
        Assert.Equal(["node-bureau", "node-operator", "node-verifier"], genesis.Validators.Select(v => v.ValidatorId).Order(StringComparer.Ordinal));
        using (var bureauKey = KeyFile.Load(Key("bureau")))
        {
            Assert.Equal(bureauKey.ToPublicKey(), genesis.Participants.Single(p => p.ParticipantId == "bureau").PublicKey);
        }

        // Each organisation puts its own node key where its node file says; nothing else is private.
        Directory.CreateDirectory(Path.Combine(output, "keys"));
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(caDirectory, DevCertificates.CaFileName)), await File.ReadAllTextAsync(Path.Combine(output, "tls", "ca.pem")));
        foreach (var organisation in Organisations)
        {
            File.Copy(Key("node-" + organisation), Path.Combine(output, "keys", $"node-{organisation}.pem"));
            var validator = "node-" + organisation;
            File.Copy(Path.Combine(caDirectory, DevCertificates.CertificateFileName(validator)), Path.Combine(output, "tls", validator + ".pem"));
            File.Copy(Path.Combine(caDirectory, DevCertificates.KeyFileName(validator)), Path.Combine(output, "tls", validator + ".key.pem"));
        }

        var nodes = new List<NodeProcess>();
        try
        {
            // One by one, so that every started node is in the list the finally block stops.
            foreach (var organisation in Organisations)
            {
                nodes.Add(await NodeProcess.StartFromNodeFileAsync(
                    Path.Combine(output, $"node-{organisation}.json"), genesis, new Uri($"https://127.0.0.1:{ports[organisation]}"), "node-" + organisation, Path.Combine(output, "tls", "ca.pem")));
            }

            using var bureauKey = KeyFile.Load(Key("bureau"));
            using var traderKey = KeyFile.Generate(KeyAlgorithm.Ed25519);
            await using var client = Participants.Client(nodes[1]);
            var committed = await client.SubmitAndWaitAsync(
                Transactions.RegisterParticipant("trader-1", "Trader One", [Role.Trader], traderKey.ToPublicKey()),
                new LedgerSigner("bureau", bureauKey));

            var genesisHash = GenesisHash.Format(GenesisHash.Compute(genesis));
            foreach (var node in nodes)
            {
                await using var reader = Participants.Client(node);
                var status = await WaitForHeight(reader, committed.Height);
                Assert.Equal("ordos-netinit", status.ChainId);
                Assert.NotNull(await reader.GetParticipantAsync("trader-1"));
                Assert.Contains(genesisHash, node.Log, StringComparison.Ordinal);
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public void A_private_key_in_the_plan_is_refused_and_every_problem_is_named()
    {
        Directory.CreateDirectory(Path.Combine(_root, "org-keys"));
        using (var key = KeyFile.Generate(KeyAlgorithm.Ed25519))
        {
            KeyFile.Write(Key("bureau"), key);
            File.WriteAllText(KeysCommand.PublicKeyPath(Key("node-bureau")), key.ToPublicKeyPem());
        }

        var plan = new NetworkPlan
        {
            ChainId = "ordos-netinit",
            HashAlgorithm = "MD5",
            GenesisTime = "2026-01-01",
            Organisations =
            [
                new PlanOrganisation
                {
                    ParticipantId = "bureau",
                    Name = "Bureau",
                    Roles = ["BUREAU", "MAYOR"],
                    PublicKeyFile = "org-keys/bureau.pem",
                    Node = new PlanNode { ValidatorId = "node-bureau", PublicKeyFile = "org-keys/node-bureau.pub.pem", Address = "http://127.0.0.1" },
                },
            ],
        };

        var (config, problems) = NetworkConfig.Build(plan, _root);

        Assert.Null(config);
        Assert.Contains(problems, p => p.Contains("PRIVATE key", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("hashAlgorithm", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("genesisTime", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("unknown role 'MAYOR'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("node.address", StringComparison.Ordinal));
    }

    [Fact]
    public void A_plaintext_address_needs_the_development_flag_and_tls_node_files_name_their_certificates()
    {
        Directory.CreateDirectory(Path.Combine(_root, "org-keys"));
        foreach (var name in new[] { "bureau", "node-bureau" })
        {
            using var key = KeyFile.Generate(KeyAlgorithm.Ed25519);
            File.WriteAllText(KeysCommand.PublicKeyPath(Key(name)), key.ToPublicKeyPem());
        }

        NetworkPlan Plan(string address, bool plaintext) => new()
        {
            ChainId = "ordos-netinit",
            HashAlgorithm = "SHA256",
            GenesisTime = "2026-01-01T00:00:00+08:00",
            DevelopmentPlaintext = plaintext,
            Organisations =
            [
                new PlanOrganisation
                {
                    ParticipantId = "bureau",
                    Name = "Bureau",
                    Roles = ["BUREAU"],
                    PublicKeyFile = "org-keys/bureau.pub.pem",
                    Node = new PlanNode { ValidatorId = "node-bureau", PublicKeyFile = "org-keys/node-bureau.pub.pem", Address = address },
                },
            ],
        };

        var (refused, problems) = NetworkConfig.Build(Plan("http://127.0.0.1:7101", plaintext: false), _root);
        Assert.Null(refused);
        Assert.Contains(problems, p => p.Contains("must be https://", StringComparison.Ordinal));

        var (plaintext, _) = NetworkConfig.Build(Plan("http://127.0.0.1:7101", plaintext: true), _root);
        Assert.Contains("\"DevelopmentPlaintext\": true", plaintext!.NodeFiles["node-bureau.json"], StringComparison.Ordinal);

        var (secure, _) = NetworkConfig.Build(Plan("https://127.0.0.1:7101", plaintext: false), _root);
        Assert.Contains("\"CertificateFile\": \"tls/node-bureau.pem\"", secure!.NodeFiles["node-bureau.json"], StringComparison.Ordinal);
        Assert.Contains("\"CaFile\": \"tls/ca.pem\"", secure.NodeFiles["node-bureau.json"], StringComparison.Ordinal);
    }

    private static async Task<NodeStatus> WaitForHeight(LedgerClient client, ulong height)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var status = await client.GetStatusAsync();
            if (status.Height >= height || DateTime.UtcNow > deadline)
            {
                Assert.True(status.Height >= height, $"height {status.Height}, expected {height}");
                return status;
            }

            await Task.Delay(100);
        }
    }

    private static async Task<int> Run(params string[] args)
    {
        var root = new RootCommand { KeysCommand.Create(), NetworkCommand.Create() };
        return await root.Parse(args).InvokeAsync();
    }

    private string Key(string name) => Path.Combine(_root, "org-keys", name + ".pem");

    private string WritePlan(IReadOnlyDictionary<string, int> ports)
    {
        var names = new Dictionary<string, (string Name, string Role)>
        {
            ["bureau"] = ("鄂尔多斯市生态环境局", "BUREAU"),
            ["operator"] = ("Operator", "operator"),
            ["verifier"] = ("Verifier", "ROLE_VERIFIER"),
        };
        var organisations = string.Join(",\n", Organisations.Select(o => $$"""
            { "participantId": "{{o}}", "name": "{{names[o].Name}}", "roles": ["{{names[o].Role}}"], "publicKeyFile": "org-keys/{{o}}.pub.pem",
              "node": { "validatorId": "node-{{o}}", "publicKeyFile": "org-keys/node-{{o}}.pub.pem", "power": 10, "address": "https://127.0.0.1:{{ports[o]}}" } }
            """));
        var path = Path.Combine(_root, "plan.json");
        File.WriteAllText(path, $$"""
            {
              // genesis time in the past: the first block's time must follow it
              "chainId": "ordos-netinit",
              "hashAlgorithm": "SM3",
              "genesisTime": "2026-01-01T00:00:00+08:00",
              "caFile": "ca/ca.pem",
              "organisations": [
            {{organisations}}
              ]
            }
            """);
        return path;
    }
}

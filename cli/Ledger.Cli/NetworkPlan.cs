using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;
using Ledger.Core;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Cli;

/// <summary>
/// What the organisations of a network agree on before it starts (docs/NETWORK.md): the chain id,
/// hash algorithm and genesis time, and per organisation its participant id, name, roles, public key
/// file and, for a validator, its node's public key file, power and address. Only public keys.
/// </summary>
public sealed class NetworkPlan
{
    public string ChainId { get; set; } = "";

    /// <summary>SHA256 or SM3 (docs/PROTOCOL.md §1.1).</summary>
    public string HashAlgorithm { get; set; } = "";

    /// <summary>ISO 8601 with an offset, e.g. 2027-01-01T00:00:00+08:00; the first block must be later.</summary>
    public string GenesisTime { get; set; } = "";

    public List<PlanOrganisation> Organisations { get; set; } = [];

    /// <summary>
    /// The network CA certificate (PEM, public), relative to the plan: copied to tls/ca.pem beside
    /// the node files, for every node and client to trust (D28). Optional: else each organisation
    /// puts it there.
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>Plaintext http between the nodes, without TLS: development only (node files get Tls:DevelopmentPlaintext).</summary>
    public bool DevelopmentPlaintext { get; set; }
}

public sealed class PlanOrganisation
{
    public string ParticipantId { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary>Role names, with or without the ROLE_ prefix: BUREAU, OPERATOR, VERIFIER, …</summary>
    public List<string> Roles { get; set; } = [];

    /// <summary>The organisation's public key (PEM, `openssl pkey -pubout`), relative to the plan file.</summary>
    public string PublicKeyFile { get; set; } = "";

    /// <summary>Set when the organisation runs a validator.</summary>
    public PlanNode? Node { get; set; }
}

public sealed class PlanNode
{
    public string ValidatorId { get; set; } = "";

    /// <summary>The node key's public key (PEM), not the organisation's: a node key signs votes only.</summary>
    public string PublicKeyFile { get; set; } = "";

    public ulong Power { get; set; } = 10;

    /// <summary>Where the other validators reach this node, e.g. https://10.20.0.5:7101 (its certificate must name this host).</summary>
    public string Address { get; set; } = "";

    /// <summary>What the node binds; default: the address's IP, or 0.0.0.0 when the address is a host name.</summary>
    public string? ListenUrl { get; set; }
}

/// <summary>A network's config built from a plan: the genesis, one node file per validator and the network CA if the plan names it.</summary>
public sealed record NetworkConfig(Genesis Genesis, IReadOnlyDictionary<string, string> NodeFiles, string? CaPem = null)
{
    public const string GenesisFileName = "genesis.json";

    /// <summary>Where node files expect the network CA (and each node its certificate and key: tls/&lt;validator&gt;.pem and .key.pem).</summary>
    public const string CaFileName = "tls/ca.pem";

    private static readonly JsonSerializerOptions PlanJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Reads and checks a plan; every problem is listed, none throws.</summary>
    public static (NetworkConfig? Config, IReadOnlyList<string> Problems) FromPlanFile(string planPath)
    {
        NetworkPlan? plan;
        try
        {
            plan = JsonSerializer.Deserialize<NetworkPlan>(File.ReadAllText(planPath), PlanJson);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or JsonException)
        {
            return (null, [$"{planPath}: {exception.Message}"]);
        }

        return plan is null
            ? (null, [$"{planPath}: empty plan"])
            : Build(plan, Path.GetDirectoryName(Path.GetFullPath(planPath))!);
    }

    /// <summary>Builds the genesis and node files from a plan whose key paths are relative to <paramref name="planDirectory"/>.</summary>
    public static (NetworkConfig? Config, IReadOnlyList<string> Problems) Build(NetworkPlan plan, string planDirectory)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var problems = new List<string>();
        var genesis = new Genesis { ChainId = plan.ChainId };
        switch (plan.HashAlgorithm.ToUpperInvariant())
        {
            case "SHA256" or "SHA-256" or "HASH_ALGORITHM_SHA256":
                genesis.HashAlgorithm = Ledger.Core.Protocol.HashAlgorithm.Sha256;
                break;
            case "SM3" or "HASH_ALGORITHM_SM3":
                genesis.HashAlgorithm = Ledger.Core.Protocol.HashAlgorithm.Sm3;
                break;
            default:
                problems.Add($"hashAlgorithm must be SHA256 or SM3, not '{plan.HashAlgorithm}'");
                break;
        }

        if (DateTimeOffset.TryParseExact(plan.GenesisTime, "yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            && plan.GenesisTime.Length > 19)
        {
            genesis.GenesisTimeMs = time.ToUnixTimeMilliseconds();
        }
        else
        {
            problems.Add($"genesisTime must be ISO 8601 with an offset, e.g. 2027-01-01T00:00:00+08:00, not '{plan.GenesisTime}'");
        }

        var nodes = new List<PlanNode>();
        foreach (var organisation in plan.Organisations)
        {
            var who = organisation.ParticipantId.Length > 0 ? organisation.ParticipantId : "an organisation";
            var participant = new GenesisParticipant { ParticipantId = organisation.ParticipantId, Name = organisation.Name };
            foreach (var name in organisation.Roles)
            {
                if (ParseRole(name) is { } role)
                {
                    participant.Roles.Add(role);
                }
                else
                {
                    problems.Add($"{who}: unknown role '{name}' (one of {string.Join(", ", KnownRoles())})");
                }
            }

            if (ReadPublicKey(planDirectory, organisation.PublicKeyFile, $"{who}: publicKeyFile", problems) is { } key)
            {
                participant.PublicKey = key;
            }

            genesis.Participants.Add(participant);
            if (organisation.Node is not { } node)
            {
                continue;
            }

            var validator = new Validator { ValidatorId = node.ValidatorId, Power = node.Power };
            if (ReadPublicKey(planDirectory, node.PublicKeyFile, $"{who}: node.publicKeyFile", problems) is { } nodeKey)
            {
                validator.PublicKey = nodeKey;
                if (participant.PublicKey is { } participantKey && participantKey.Equals(nodeKey))
                {
                    problems.Add($"{who}: the node key must differ from the organisation's key (a node key signs votes, never transactions)");
                }
            }

            var scheme = plan.DevelopmentPlaintext ? "http" : "https";
            if (!Uri.TryCreate(node.Address, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https") || address.IsDefaultPort)
            {
                problems.Add($"{who}: node.address must be a URL with a port, e.g. https://10.20.0.5:7101, not '{node.Address}'");
            }
            else if (address.Scheme != scheme)
            {
                problems.Add(plan.DevelopmentPlaintext
                    ? $"{who}: node.address must be http:// with developmentPlaintext, not '{node.Address}'"
                    : $"{who}: node.address must be https:// (validators talk over mutual TLS); plaintext http only with \"developmentPlaintext\": true, for development");
            }

            genesis.Validators.Add(validator);
            nodes.Add(node);
        }

        if (problems.Count == 0)
        {
            problems.AddRange(GenesisValidator.Problems(genesis));
        }

        var caPem = plan.CaFile is { Length: > 0 } caFile ? ReadCa(planDirectory, caFile, problems) : null;
        var urls = nodes.GroupBy(n => n.Address, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key);
        problems.AddRange(urls.Select(url => $"two nodes share the address {url}"));
        if (problems.Count > 0)
        {
            return (null, problems);
        }

        var files = nodes.ToDictionary(n => NodeFileName(n.ValidatorId), n => NodeFile(n, nodes, plan.DevelopmentPlaintext), StringComparer.Ordinal);
        return (new NetworkConfig(genesis, files, caPem), []);
    }

    /// <summary>The genesis file: proto3 JSON as docs/PROTOCOL.md §11 gives it.</summary>
    public string GenesisJson()
    {
        var compact = new JsonFormatter(JsonFormatter.Settings.Default.WithFormatDefaultValues(false)).Format(Genesis);
        using var document = JsonDocument.Parse(compact);
        // Relaxed escaping keeps names in Chinese and base64's '+' and '/' readable.
        var options = new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        return JsonSerializer.Serialize(document.RootElement, options) + "\n";
    }

    /// <summary>node-bureau → node-bureau.json, bureau → node-bureau.json (`ledger devnet --network` starts node-*.json).</summary>
    public static string NodeFileName(string validatorId) =>
        (validatorId.StartsWith("node-", StringComparison.Ordinal) ? validatorId : "node-" + validatorId) + ".json";

    public static Role? ParseRole(string name)
    {
        var upper = name.Trim().ToUpperInvariant();
        var full = upper.StartsWith("ROLE_", StringComparison.Ordinal) ? upper : "ROLE_" + upper;
        foreach (var role in Enum.GetValues<Role>())
        {
            if (role != Role.Unspecified && OriginalName(role) == full)
            {
                return role;
            }
        }

        return null;
    }

    public static string OriginalName(Role role) => ProtoNames.Of(role);

    private static IEnumerable<string> KnownRoles() =>
        Enum.GetValues<Role>().Where(r => r != Role.Unspecified).Select(r => OriginalName(r)["ROLE_".Length..]);

    private static PublicKey? ReadPublicKey(string directory, string file, string what, List<string> problems)
    {
        if (file.Length == 0)
        {
            problems.Add($"{what} is missing");
            return null;
        }

        var path = Path.GetFullPath(Path.Combine(directory, file));
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{what}: {exception.Message}");
            return null;
        }

        if (pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            problems.Add($"{what}: {file} holds a PRIVATE key; send only the public key (`openssl pkey -in KEY -pubout`), private keys never leave their owners");
            return null;
        }

        if (!PublicKeyPem.TryRead(pem, out var key, out var error))
        {
            problems.Add($"{what}: {file}: {error}");
            return null;
        }

        return key;
    }

    /// <summary>The network CA's PEM if it holds certificates and no private key.</summary>
    private static string? ReadCa(string directory, string file, List<string> problems)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(Path.GetFullPath(Path.Combine(directory, file)));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            problems.Add($"caFile: {exception.Message}");
            return null;
        }

        if (pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            problems.Add($"caFile: {file} holds a PRIVATE key; send only the CA certificate");
            return null;
        }

        var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (System.Security.Cryptography.CryptographicException exception)
        {
            problems.Add($"caFile: {file}: {exception.Message}");
            return null;
        }

        if (certificates.Count == 0)
        {
            problems.Add($"caFile: {file} holds no certificate");
            return null;
        }

        return pem;
    }

    private static string NodeFile(PlanNode node, IReadOnlyList<PlanNode> all, bool plaintext)
    {
        var address = new Uri(node.Address);
        var listen = node.ListenUrl
            ?? $"{address.Scheme}://{(System.Net.IPAddress.TryParse(address.Host, out _) ? address.Host : "0.0.0.0")}:{address.Port}";
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("Node");
            json.WriteString("NodeId", node.ValidatorId);
            json.WriteString("ListenUrl", listen);
            json.WriteString("DataDirectory", $"data/{node.ValidatorId}");
            json.WriteString("KeyFile", $"keys/{node.ValidatorId}.pem");
            json.WriteString("GenesisFile", GenesisFileName);
            json.WriteStartObject("Tls");
            if (plaintext)
            {
                json.WriteBoolean("DevelopmentPlaintext", true);
            }
            else
            {
                json.WriteString("CertificateFile", $"tls/{node.ValidatorId}.pem");
                json.WriteString("KeyFile", $"tls/{node.ValidatorId}.key.pem");
                json.WriteString("CaFile", CaFileName);
            }

            json.WriteEndObject();
            json.WriteStartArray("Peers");
            foreach (var peer in all.Where(p => p != node))
            {
                json.WriteStartObject();
                json.WriteString("ValidatorId", peer.ValidatorId);
                json.WriteString("Url", peer.Address);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}

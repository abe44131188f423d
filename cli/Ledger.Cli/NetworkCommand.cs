using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Spectre.Console;

namespace Ledger.Cli;

/// <summary>
/// `ledger network init --plan FILE --out DIR`: a real network's genesis and node files from the
/// organisations' public keys; `ledger network show --genesis FILE`: what a genesis says and its
/// hash, for each organisation to confirm out of band before it starts its node.
/// </summary>
public static class NetworkCommand
{
    public static Command Create()
    {
        var plan = new Option<FileInfo>("--plan") { Description = "the network plan (JSON; docs/NETWORK.md)", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "where to write genesis.json and node-*.json", Required = true };
        var force = new Option<bool>("--force") { Description = "overwrite files already there" };
        var init = new Command("init", "build genesis and node files from each organisation's public keys") { plan, output, force };
        init.SetAction(result => Init(result.GetValue(plan)!, result.GetValue(output)!, result.GetValue(force)));

        var genesis = new Option<FileInfo>("--genesis") { Description = "the genesis file", Required = true };
        var json = new Option<bool>("--json") { Description = "print JSON for scripts" };
        var show = new Command("show", "print a genesis file's participants, validators and genesis hash") { genesis, json };
        show.SetAction(result => Show(result.GetValue(genesis)!, result.GetValue(json)));
        return new Command("network", "set up a network of organisations") { init, show };
    }

    private static int Init(FileInfo planFile, DirectoryInfo output, bool force)
    {
        var (config, problems) = NetworkConfig.FromPlanFile(planFile.FullName);
        if (config is null)
        {
            Console.Error.WriteLine($"{planFile.FullName} cannot make a network:");
            foreach (var problem in problems)
            {
                Console.Error.WriteLine($"  - {problem}");
            }

            return 2;
        }

        var files = config.NodeFiles.Prepend(new KeyValuePair<string, string>(NetworkConfig.GenesisFileName, config.GenesisJson())).ToList();
        if (config.CaPem is { } caPem)
        {
            files.Add(new KeyValuePair<string, string>(NetworkConfig.CaFileName, caPem));
        }

        var existing = files.Select(f => Path.Combine(output.FullName, f.Key)).Where(File.Exists).ToList();
        if (existing.Count > 0 && !force)
        {
            Console.Error.WriteLine($"refusing to overwrite {string.Join(", ", existing)} (--force overwrites)");
            return 2;
        }

        output.Create();
        foreach (var (name, text) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(output.FullName, name))!);
            File.WriteAllText(Path.Combine(output.FullName, name), text);
        }

        Describe(config.Genesis);
        Console.WriteLine();
        Console.WriteLine($"wrote {NetworkConfig.GenesisFileName} and {config.NodeFiles.Count} node file(s) to {output.FullName}");
        Console.WriteLine("Send genesis.json and its node file to each organisation. Each one:");
        Console.WriteLine("  1. checks `ledger network show --genesis genesis.json` prints the same genesis hash,");
        Console.WriteLine("     confirmed with the others by a channel other than the one that carried the file;");
        Console.WriteLine("  2. puts its node's PRIVATE key at the node file's KeyFile (keys/<validator>.pem), on its own machine;");
        Console.WriteLine("     unless the plan says developmentPlaintext: its TLS certificate and key at tls/<validator>.pem and");
        Console.WriteLine($"     tls/<validator>.key.pem (common name = validator id, naming its address's host, signed by the network CA){(config.CaPem is null ? ", and the network CA at tls/ca.pem" : "")};");
        Console.WriteLine("  3. starts: dotnet Ledger.Node.dll --node-file node-<validator>.json");
        return 0;
    }

    private static int Show(FileInfo genesisFile, bool json)
    {
        Genesis genesis;
        try
        {
            genesis = JsonParser.Default.Parse<Genesis>(File.ReadAllText(genesisFile.FullName));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidProtocolBufferException or InvalidJsonException)
        {
            Console.Error.WriteLine($"{genesisFile.FullName}: {exception.Message}");
            return 2;
        }

        var problems = GenesisValidator.Problems(genesis);
        if (problems.Count > 0)
        {
            Console.Error.WriteLine($"{genesisFile.FullName} is not a valid genesis: {string.Join("; ", problems)}");
            return 1;
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                chainId = genesis.ChainId,
                genesisHash = Convert.ToHexStringLower(GenesisHash.Compute(genesis)),
                participants = genesis.Participants.Count,
                validators = genesis.Validators.Count,
                noticeWorkingDays = ChainParameters.FromGenesis(genesis).Rules.NoticeWorkingDays,
                reviewOpinionsRequired = ChainParameters.FromGenesis(genesis).Rules.ReviewOpinionsRequired,
                developmentRules = ChainParameters.FromGenesis(genesis).Rules.Development,
            }));
            return 0;
        }

        Describe(genesis);
        return 0;
    }

    private static void Describe(Genesis genesis)
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(genesis.GenesisTimeMs).ToOffset(TimeSpan.FromHours(8));
        AnsiConsole.MarkupLine($"chain [bold]{Markup.Escape(genesis.ChainId)}[/], hash {(genesis.HashAlgorithm == HashAlgorithm.Sm3 ? "SM3" : "SHA-256")}, genesis time {time.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture)}");
        var participants = new Table().AddColumns("participant", "name", "roles", "key");
        foreach (var participant in genesis.Participants)
        {
            participants.AddRow(
                Markup.Escape(participant.ParticipantId),
                Markup.Escape(participant.Name),
                Markup.Escape(string.Join(", ", participant.Roles.Select(r => NetworkConfig.OriginalName(r)["ROLE_".Length..]))),
                Markup.Escape(KeySummary(participant.PublicKey)));
        }

        AnsiConsole.Write(participants);
        var validators = new Table().AddColumns("validator", "power", "node key");
        foreach (var validator in genesis.Validators)
        {
            validators.AddRow(Markup.Escape(validator.ValidatorId), validator.Power.ToString(CultureInfo.InvariantCulture), Markup.Escape(KeySummary(validator.PublicKey)));
        }

        AnsiConsole.Write(validators);
        var rules = ChainParameters.FromGenesis(genesis).Rules;
        AnsiConsole.MarkupLine($"rules: public notice of {rules.NoticeWorkingDays} full working days, {rules.ReviewOpinionsRequired} expert opinion(s) before it (§10)");
        if (rules.Development)
        {
            AnsiConsole.MarkupLine("[bold red]DEVELOPMENT NETWORK[/]: its rules are below the measures' minimums; never use it for real reductions");
        }

        // Plain, so that it can be copied and grepped.
        Console.WriteLine($"genesis hash: {GenesisHash.Format(GenesisHash.Compute(genesis))}");
    }

    private static string KeySummary(PublicKey key) =>
        $"{(key.Algorithm == KeyAlgorithm.Sm2 ? "SM2" : "Ed25519")} {Convert.ToBase64String(key.Key.Span)[..12]}…";
}

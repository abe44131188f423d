using System.CommandLine;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Core.Protocol;
using Spectre.Console;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Cli;

/// <summary>`ledger evidence --node URL [--json]`: the double-sign evidence a node has kept.</summary>
public static class EvidenceCommand
{
    public static Command Create()
    {
        var node = StatusCommand.NodeOption();
        var json = new Option<bool>("--json") { Description = "print JSON for scripts" };
        var ca = NodeConnection.CaOption();
        var command = new Command("evidence", "show validators caught signing two conflicting votes") { node, ca, json };
        command.SetAction((result, cancellation) => Show(result.GetValue(node)!, result.GetValue(ca), result.GetValue(json), cancellation));
        return command;
    }

    private static async Task<int> Show(Uri node, FileInfo? ca, bool json, CancellationToken cancellation)
    {
        EvidenceList evidence;
        try
        {
            using var channel = NodeConnection.Channel(node, ca);
            evidence = await new ProtocolLedger.LedgerClient(channel).ListEvidenceAsync(new ListEvidenceRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellation);
        }
        catch (RpcException exception)
        {
            Console.Error.WriteLine(NodeConnection.Explain($"{node}: {exception.Status.StatusCode}: {exception.Status.Detail}"));
            return 1;
        }
        catch (IOException exception)
        {
            Console.Error.WriteLine(exception.Message);
            return 2;
        }

        if (json)
        {
            Console.WriteLine(JsonFormatter.Default.Format(evidence));
            return 0;
        }

        if (evidence.Evidence.Count == 0)
        {
            Console.WriteLine("no double-sign evidence");
            return 0;
        }

        var table = new Table().AddColumns("validator", "height", "round", "kind", "first block", "second block");
        foreach (var e in evidence.Evidence)
        {
            table.AddRow(Markup.Escape(e.First.ValidatorId), e.First.Height.ToString(System.Globalization.CultureInfo.InvariantCulture), e.First.Round.ToString(System.Globalization.CultureInfo.InvariantCulture), e.First.Kind.ToString(), Short(e.First.BlockHash), Short(e.Second.BlockHash));
        }

        AnsiConsole.Write(table);
        return 0;
    }

    private static string Short(ByteString hash) => hash.Length == 0 ? "nil" : Convert.ToHexStringLower(hash.Span)[..16];
}

using System.CommandLine;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Core.Protocol;
using Spectre.Console;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Cli;

/// <summary>`ledger status --node URL [--json]`: height, last block hash and validators of a node.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var node = NodeOption();
        var ca = NodeConnection.CaOption();
        var json = new Option<bool>("--json") { Description = "print JSON for scripts" };
        var command = new Command("status", "show a node's chain status") { node, ca, json };
        command.SetAction((result, cancellation) => Show(result.GetValue(node)!, result.GetValue(ca), result.GetValue(json), cancellation));
        return command;
    }

    /// <summary>--node URL, checked to be an absolute http(s) URL.</summary>
    public static Option<Uri> NodeOption()
    {
        var option = new Option<Uri>("--node")
        {
            Description = "the node's URL, e.g. https://127.0.0.1:7101 (with --ca)",
            Required = true,
            CustomParser = result =>
            {
                var text = result.Tokens.Single().Value;
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                {
                    return uri;
                }

                result.AddError($"--node must be an http:// or https:// URL, not '{text}'");
                return null;
            },
        };
        return option;
    }

    public static Task<NodeStatus> FetchAsync(Uri node, CancellationToken cancellation) => FetchAsync(node, null, cancellation);

    public static async Task<NodeStatus> FetchAsync(Uri node, FileInfo? ca, CancellationToken cancellation)
    {
        using var channel = NodeConnection.Channel(node, ca);
        return await new ProtocolLedger.LedgerClient(channel).GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellation);
    }

    private static void Row(Table table, string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));

    private static async Task<int> Show(Uri node, FileInfo? ca, bool json, CancellationToken cancellation)
    {
        NodeStatus status;
        try
        {
            status = await FetchAsync(node, ca, cancellation);
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
            Console.WriteLine(JsonFormatter.Default.Format(status));
            return 0;
        }

        var table = new Table().AddColumns("", "");
        table.HideHeaders();
        Row(table, "chain", status.ChainId);
        Row(table, "node", status.NodeId);
        Row(table, "height", status.Height.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Row(table, "last block hash", Convert.ToHexStringLower(status.LastBlockHash.Span));
        Row(table, "last block time", status.LastBlockTimeMs == 0 ? "-" : DateTimeOffset.FromUnixTimeMilliseconds(status.LastBlockTimeMs).ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        Row(table, "state root", Convert.ToHexStringLower(status.StateRoot.Span));
        Row(table, "mempool", status.MempoolTransactions.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Row(table, "validators", string.Join(", ", status.Validators.Select(v => $"{v.ValidatorId} ({v.Power})")));
        AnsiConsole.Write(table);
        return 0;
    }
}

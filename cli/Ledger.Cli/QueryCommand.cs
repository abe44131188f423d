using System.CommandLine;
using Google.Protobuf;
using Grpc.Core;
using Ledger.Client;

namespace Ledger.Cli;

/// <summary>
/// `ledger query WHAT [ARGS] --node URL`: every read the client API offers, printed as the proto3 JSON
/// of its record (the same field names as the protos and the SDK). Exit 0 found, 1 not found or the
/// node failed, 2 misuse.
/// </summary>
public static class QueryCommand
{
    public const int FoundExitCode = 0;
    public const int NotFoundExitCode = 1;
    public const int UsageExitCode = 2;

    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithIndentation().WithFormatDefaultValues(true));

    private static readonly JsonFormatter Compact = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    private delegate Task<IMessage?> Read(LedgerClient client, ParseResult result, CancellationToken cancellation);

    public static Command Create()
    {
        var command = new Command("query", "read records from a node as JSON: participants, projects and scenarios with their lifecycle, batches, balances, custody statements, trades, auctions, mall offers, cancellations, corrections, ...");
        var id = new Argument<string>("ID") { Description = "the record's id" };
        var account = new Argument<string>("ACCOUNT") { Description = "the participant id" };
        var after = new Option<string?>("--after") { Description = "list from after this id (paging)" };
        var limit = new Option<uint>("--limit") { Description = "at most this many (0: the node's cap)" };

        Add(command, "participant", "a participant", [id], (c, r, t) => One(c.GetParticipantAsync(r.GetValue(id)!, t)));
        Add(command, "participants", "participants in id order", [after, limit], (c, r, t) => Many(c.ListParticipantsAsync(r.GetValue(after), r.GetValue(limit), t)));
        Add(command, "methodology", "a methodology", [id], (c, r, t) => One(c.GetMethodologyAsync(r.GetValue(id)!, t)));
        Add(command, "methodologies", "methodologies in id order", [after, limit], (c, r, t) => Many(c.ListMethodologiesAsync(r.GetValue(after), r.GetValue(limit), t)));
        Add(command, "project", "a project or scenario", [id], (c, r, t) => One(c.GetProjectAsync(r.GetValue(id)!, t)));
        Add(command, "projects", "projects and scenarios in id order", [after, limit], (c, r, t) => Many(c.ListProjectsAsync(r.GetValue(after), r.GetValue(limit), t)));
        Add(command, "lifecycle", "a project's or scenario's review, notice window, objections and evaluations", [id], (c, r, t) => One(c.GetLifecycleAsync(r.GetValue(id)!, t)));
        var year = new Argument<int>("YEAR") { Description = "e.g. 2026" };
        Add(command, "calendar", "the working-day calendar the bureau filed for a year", [year], (c, r, t) => One(c.GetCalendarAsync(r.GetValue(year), t)));
        var registry = new Argument<string>("REGISTRY") { Description = "CCER, VCS, GS, ..." };
        var external = new Argument<string>("EXTERNAL_ID") { Description = "the id in that registry" };
        Add(command, "exclusion", "a bureau record of a registration elsewhere (§17)", [registry, external], (c, r, t) => One(c.GetExclusionAsync(r.GetValue(registry)!, r.GetValue(external)!, t)));
        Add(command, "batch", "a batch and its supply", [id], (c, r, t) => One(c.GetBatchAsync(r.GetValue(id)!, t)));
        Add(command, "batches", "batches in id order", [after, limit], (c, r, t) => Many(c.ListBatchesAsync(r.GetValue(after), r.GetValue(limit), t)));
        Add(command, "balances", "an account's balances per batch", [account], (c, r, t) => Many(c.GetBalancesAsync(r.GetValue(account)!, t)));
        var company = new Argument<string>("COMPANY") { Description = "the scenario company" };
        var user = new Argument<string>("USER_HEX") { Description = "the user's 32-byte pseudonymous id, 64 hex digits" };
        Add(command, "custody", "a user's custody statement at a scenario company (§16)", [company, user], (c, r, t) => Found(c.GetCustodyStatementAsync(r.GetValue(company)!, UserId(r.GetValue(user)!), t)));
        Add(command, "cancellation", "a cancellation and its serial range", [id], (c, r, t) => One(c.GetCancellationAsync(r.GetValue(id)!, t)));
        Add(command, "cancellations", "cancellations in id order", [after, limit], (c, r, t) => Many(c.ListCancellationsAsync(r.GetValue(after), r.GetValue(limit), t)));
        Add(command, "corrections", "the corrections of a batch (§11)", [id], (c, r, t) => One(c.GetCorrectionsAsync(r.GetValue(id)!, t)));
        Add(command, "shortfall", "what a participant owes from corrections (§11)", [account], (c, r, t) => Found(c.GetShortfallAsync(r.GetValue(account)!, t)));
        Add(command, "trades", "disclosed trades (negotiated transfers and settled auctions) in id order", [after, limit], (c, r, t) => Many(c.ListTradesAsync(r.GetValue(after), r.GetValue(limit), t)));
        Add(command, "auction", "an auction and its bids", [id], (c, r, t) => One(c.GetAuctionAsync(r.GetValue(id)!, t)));
        Add(command, "auctions", "auctions in id order", [after, limit], (c, r, t) => Many(c.ListAuctionsAsync(r.GetValue(after), r.GetValue(limit), t)));
        Add(command, "mall-offer", "a points-mall offer", [id], (c, r, t) => One(c.GetMallOfferAsync(r.GetValue(id)!, t)));
        Add(command, "mall-offers", "points-mall offers in id order", [after, limit], (c, r, t) => Many(c.ListMallOffersAsync(r.GetValue(after), r.GetValue(limit), t)));
        Add(command, "redemption", "a redemption receipt", [id], (c, r, t) => One(c.GetRedemptionAsync(r.GetValue(id)!, t)));
        Add(command, "transaction", "a transaction, its receipt and where it committed", [id], (c, r, t) => One(c.GetTransactionAsync(r.GetValue(id)!, t)));
        var height = new Argument<ulong>("HEIGHT") { Description = "the block height" };
        Add(command, "block", "a block with its commit certificate and receipts", [height], (c, r, t) => One(c.GetBlockAsync(r.GetValue(height), t)));
        return command;
    }

    /// <summary>Whether result belongs to `ledger query` (so misuse exits 2).</summary>
    public static bool Owns(System.CommandLine.Parsing.CommandResult result) =>
        result.Command.Name == "query" || result.Parent is System.CommandLine.Parsing.CommandResult { Command.Name: "query" };

    private static void Add(Command parent, string name, string description, IReadOnlyList<Symbol> symbols, Read read)
    {
        var node = StatusCommand.NodeOption();
        var ca = NodeConnection.CaOption();
        var command = new Command(name, description) { node, ca };
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                case Option option:
                    command.Options.Add(option);
                    break;
            }
        }

        command.SetAction((result, cancellation) => RunAsync(result, result.GetValue(node)!, result.GetValue(ca), read, cancellation));
        parent.Subcommands.Add(command);
    }

    private static async Task<int> RunAsync(ParseResult result, Uri node, FileInfo? ca, Read read, CancellationToken cancellation)
    {
        var output = result.InvocationConfiguration.Output;
        var error = result.InvocationConfiguration.Error;
        try
        {
            await using var client = new LedgerClient(NodeConnection.ClientOptions(node, ca));
            var found = await read(client, result, cancellation);
            if (found is null)
            {
                await error.WriteLineAsync($"not found on {node}");
                return NotFoundExitCode;
            }

            await output.WriteLineAsync(Json.Format(found));
            return FoundExitCode;
        }
        catch (ArgumentException exception)
        {
            await error.WriteLineAsync(exception.Message);
            return UsageExitCode;
        }
        catch (Exception exception) when (exception is RpcException or LedgerClientException)
        {
            await error.WriteLineAsync(NodeConnection.Explain($"{node}: {exception.Message}"));
            return NotFoundExitCode;
        }
    }

    private static async Task<IMessage?> One<T>(Task<T?> read)
        where T : class, IMessage => await read;

    private static async Task<IMessage?> Found<T>(Task<T> read)
        where T : IMessage => await read;

    /// <summary>A list as one JSON object: { "items": [ ... ] } through a Struct, keeping each record's proto3 JSON.</summary>
    private static async Task<IMessage?> Many<T>(Task<IReadOnlyList<T>> read)
        where T : IMessage
    {
        var items = await read;
        var list = new Google.Protobuf.WellKnownTypes.ListValue();
        foreach (var item in items)
        {
            list.Values.Add(Google.Protobuf.WellKnownTypes.Value.ForStruct(JsonParser.Default.Parse<Google.Protobuf.WellKnownTypes.Struct>(Compact.Format(item))));
        }

        return new Google.Protobuf.WellKnownTypes.Struct { Fields = { ["items"] = Google.Protobuf.WellKnownTypes.Value.ForList([.. list.Values]) } };
    }

    private static ReadOnlyMemory<byte> UserId(string hex) =>
        hex.Length == 64 && hex.All(Uri.IsHexDigit)
            ? Convert.FromHexString(hex)
            : throw new ArgumentException($"USER_HEX must be 64 hex digits (the 32-byte pseudonymous id), not '{hex}'");
}

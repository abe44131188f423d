using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ledger.Client;
using Ledger.Core;

namespace Ledger.Cli.Tx;

/// <summary>
/// What `ledger tx` reports: one JSON object with --json, a table for people otherwise. The fields
/// present depend on <see cref="Status"/> (PREPARED, SIGNED, ADMITTED, COMMITTED, REJECTED).
/// </summary>
internal sealed record TxReport(string Status, string Kind)
{
    public string? TransactionId { get; init; }

    public ulong? Height { get; init; }

    public uint? Index { get; init; }

    /// <summary>The rejection code as the proto names it (REJECTION_CODE_INSUFFICIENT_BALANCE).</summary>
    public string? Code { get; init; }

    public string? Message { get; init; }

    /// <summary>A refusal after admission: the node dropped it from its mempool at this height; not final (D52).</summary>
    public ulong? DroppedAtHeight { get; init; }

    /// <summary>The receipt's attributes (batch_id, cancellation_id, serial_range).</summary>
    public IReadOnlyDictionary<string, string>? Attributes { get; init; }

    public string? File { get; init; }

    public string? ChainId { get; init; }

    public ulong? ExpiryHeight { get; init; }

    public IReadOnlyList<string>? Signatures { get; init; }

    /// <summary>Signatures the body's rule asks for that the envelope visibly lacks.</summary>
    public IReadOnlyList<string>? MissingSignatures { get; init; }

    /// <summary>The envelope's frame and body fields as `ledger tx sign` and `show` display them.</summary>
    public IReadOnlyDictionary<string, string>? Fields { get; init; }

    [JsonIgnore]
    public bool IsRejected => Status == TxOutput.Rejected;

    public static TxReport Of(string kind, CommitResult result) => result.IsCommitted
        ? new(TxOutput.Committed, kind)
        {
            TransactionId = result.TransactionId,
            Height = result.Height,
            Index = result.Index,
            Attributes = result.Receipt.Attributes.DistinctBy(a => a.Key).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal),
        }
        : Refused(kind, result.TransactionId, result.Code, result.Message) with { DroppedAtHeight = result.DroppedAtHeight };

    public static TxReport Of(string kind, SubmitResult result) => result.IsAdmitted
        ? new(TxOutput.Admitted, kind) { TransactionId = result.TransactionId }
        : Refused(kind, result.TransactionId, result.Code, result.Message) with { DroppedAtHeight = result.DroppedAtHeight };

    private static TxReport Refused(string kind, string transactionId, Core.Protocol.RejectionCode code, string message) =>
        new(TxOutput.Rejected, kind) { TransactionId = transactionId, Code = ProtoNames.Of(code), Message = message };
}

/// <summary>Writes through the invocation's Output and Error, so callers (and tests) choose where it goes.</summary>
internal sealed class TxOutput
{
    public const string Prepared = "PREPARED";
    public const string Signed = "SIGNED";
    public const string Admitted = "ADMITTED";
    public const string Committed = "COMMITTED";
    public const string Rejected = "REJECTED";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly string _command;

    public TxOutput(ParseResult result, bool json)
    {
        _command = "ledger " + string.Join(' ', Path(result));
        Json = json;
        Out = result.InvocationConfiguration.Output;
        Error = result.InvocationConfiguration.Error;
    }

    public bool Json { get; }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    /// <summary>Prints the report; returns its exit code (1 for a rejection, else 0).</summary>
    public int Report(TxReport report, IEnumerable<(string Label, string Value)>? details = null)
    {
        if (Json)
        {
            Out.WriteLine(JsonSerializer.Serialize(report, JsonOptions));
        }
        else if (report.IsRejected)
        {
            Error.WriteLine($"{_command}: {Rejected} {report.Code}: {report.Message}");
            Error.WriteLine($"transaction {report.TransactionId}");
            if (report.DroppedAtHeight is { } dropped)
            {
                Error.WriteLine($"dropped from the node's mempool at height {dropped}, which is not final: another validator may still commit it before its expiry height; ask `ledger query transaction` later");
            }
        }
        else
        {
            Table(Rows(report).Concat(details ?? []));
        }

        return report.IsRejected ? TxCommand.RefusedExitCode : TxCommand.AcceptedExitCode;
    }

    /// <summary>Label and value per line, values aligned and never wrapped, so ids copy and grep whole.</summary>
    public void Table(IEnumerable<(string Label, string Value)> rows)
    {
        var list = rows.ToList();
        var width = list.Count == 0 ? 0 : list.Max(r => r.Label.Length);
        foreach (var (label, value) in list)
        {
            Out.WriteLine($"{label.PadRight(width)}  {value}");
        }
    }

    public int Usage(string message)
    {
        Error.WriteLine($"{_command}: {message}");
        return TxCommand.UsageExitCode;
    }

    public int Failure(string message)
    {
        Error.WriteLine($"{_command}: {message}");
        return TxCommand.RefusedExitCode;
    }

    private static IEnumerable<(string, string)> Rows(TxReport report)
    {
        yield return (report.Status, report.Kind);
        if (report.File is not null)
        {
            yield return ("file", report.File);
        }

        if (report.TransactionId is { Length: > 0 } id)
        {
            yield return ("transaction", id);
        }

        if (report.Height is { } height)
        {
            yield return ("height", $"{height} (index {report.Index})");
        }

        foreach (var (key, value) in report.Attributes ?? new Dictionary<string, string>())
        {
            yield return (key, value);
        }

        if (report.ExpiryHeight is { } expiry)
        {
            yield return ("expiry height", $"{expiry} (submit before the chain passes it)");
        }

        if (report.Signatures is { } signatures)
        {
            yield return ("signatures", signatures.Count == 0 ? "none" : string.Join(", ", signatures));
        }

        foreach (var missing in report.MissingSignatures ?? [])
        {
            yield return ("still needs", missing);
        }
    }

    private static IEnumerable<string> Path(ParseResult result)
    {
        var names = new Stack<string>();
        for (var command = result.CommandResult; command.Parent is System.CommandLine.Parsing.CommandResult parent; command = parent)
        {
            names.Push(command.Command.Name);
        }

        return names;
    }
}

using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Ledger.Storage;

namespace Ledger.Cli;

/// <summary>
/// `ledger export issued|cancellations (--node URL | --data DIR) --format csv|json [--out FILE] [--all]`:
/// everything issued here, or every approved cancellation, for other registries to check against
/// (seed §17, DESIGN §9), read at one committed height (ExportSources) and written as
/// ExportDocument describes. Exit 0 when written, 1 otherwise, with the reason on stderr.
/// </summary>
public static class ExportCommand
{
    public const string Name = "export";
    public const int ExportedExitCode = 0;
    public const int FailedExitCode = 1;

    public static Command Create() => new(Name, "export what this ledger issued or cancelled, at one height, as CSV or JSON (seed §17)")
    {
        KindCommand(ExportKind.Issued, "issued", "one row per issued batch: provenance, amounts, retired and voided grams, serial range"),
        KindCommand(ExportKind.Cancellations, "cancellations", "one row per approved cancellation (--all: every status): holder, beneficiary, purpose, serial range"),
    };

    /// <summary>Reads and writes one export; the outcome line on success, or throws what ExecuteAsync reports.</summary>
    public static async Task<string> ExportAsync(
        ExportKind kind, Uri? node, string? data, ExportFormat format, string? outFile, bool allCancellations, CancellationToken cancellation, FileInfo? ca = null)
    {
        var snapshot = data is not null ? ExportSources.ReadData(data, kind) : await ExportSources.ReadNodeAsync(node!, kind, cancellation, ca);
        var bytes = ExportDocument.Render(snapshot, kind, format, allCancellations);
        if (outFile is null)
        {
            using var stdout = Console.OpenStandardOutput();
            await stdout.WriteAsync(bytes, cancellation);
        }
        else
        {
            await WriteWholeAsync(outFile, bytes, cancellation);
        }

        var rows = ExportDocument.RowCount(snapshot, kind, allCancellations);
        var what = kind == ExportKind.Issued ? "issued batches" : allCancellations ? "cancellations" : "approved cancellations";
        return string.Create(CultureInfo.InvariantCulture, $"exported {rows} {what} of chain '{snapshot.ChainId}' at height {snapshot.Height}{(outFile is null ? "" : " to " + outFile)}");
    }

    private static Command KindCommand(ExportKind kind, string name, string description)
    {
        var node = StatusCommand.NodeOption();
        node.Required = false;
        node.Description = "a node's URL: its lists are paged, all at one height";
        var data = new Option<DirectoryInfo>("--data") { Description = "a node's RocksDB data directory (opened read-only; the node may keep running)" };
        var format = new Option<string>("--format") { Description = "csv (UTF-8 with BOM, for spreadsheets) or json", Required = true };
        format.AcceptOnlyFromAmong("csv", "json");
        var output = new Option<FileInfo>("--out") { Description = "the file to write (replaced whole); standard output when left out" };
        var ca = NodeConnection.CaOption();
        var command = new Command(name, description) { node, ca, data, format, output };
        var all = new Option<bool>("--all") { Description = "every cancellation, pending and declined too (see the status column)" };
        if (kind == ExportKind.Cancellations)
        {
            command.Add(all);
        }

        command.SetAction((result, cancellation) => ExecuteAsync(
            kind,
            result.GetValue(node),
            result.GetValue(ca),
            result.GetValue(data),
            result.GetValue(format) == "csv" ? ExportFormat.Csv : ExportFormat.Json,
            result.GetValue(output),
            kind == ExportKind.Cancellations && result.GetValue(all),
            cancellation));
        return command;
    }

    private static async Task<int> ExecuteAsync(
        ExportKind kind, Uri? node, FileInfo? ca, DirectoryInfo? data, ExportFormat format, FileInfo? output, bool all, CancellationToken cancellation)
    {
        if ((data is null) == (node is null))
        {
            Console.Error.WriteLine("ledger export: give exactly one of --data DIR or --node URL");
            return FailedExitCode;
        }

        try
        {
            var outcome = await ExportAsync(kind, node, data?.FullName, format, output?.FullName, all, cancellation, ca);
            // With the export on standard output, the outcome goes to stderr so the data stays clean.
            (output is null ? Console.Error : Console.Out).WriteLine(outcome);
            return ExportedExitCode;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or StorageException or RocksDbSharp.RocksDbException or RpcException or InvalidProtocolBufferException)
        {
            Console.Error.WriteLine(NodeConnection.Explain($"ledger export: {exception.Message}"));
            return FailedExitCode;
        }
    }

    /// <summary>Beside the target, then renamed over it: a reader never finds half an export under the name.</summary>
    private static async Task WriteWholeAsync(string path, byte[] bytes, CancellationToken cancellation)
    {
        var temporary = path + ".partial-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                await file.WriteAsync(bytes, cancellation);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}

using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;

namespace Ledger.Cli;

public enum ExportFormat
{
    Csv,
    Json,
}

/// <summary>
/// The files of `ledger export` (seed §17: what was issued and cancelled here, for other registries
/// to refuse): one row per issued batch, or per cancellation, in id order, with the same column
/// names in CSV and JSON. Grams and serials are decimal strings (they reach 2^62, past the 2^53 a
/// JSON number keeps exactly, as protobuf's JSON does for 64-bit integers), tonnes exact decimal
/// strings with 6 places, heights JSON numbers, absent values JSON null and empty CSV fields.
/// JSON names the chain and height once at the top; CSV repeats them as the last two columns of
/// every row, so the file stays a plain table that every CSV reader and spreadsheet takes
/// (docs/DECISIONS.md D19).
/// </summary>
public static class ExportDocument
{
    /// <summary>Changes when a column is renamed or removed or its meaning changes; adding columns keeps it.</summary>
    public const int FormatVersion = 1;

    public const string ChainIdColumn = "chainId";
    public const string HeightColumn = "asOfHeight";

    private const ulong GramsPerTonne = 1_000_000;

    /// <summary>Separates a project's external registry ids in one CSV field (ids never hold it: Limits.IsValidId).</summary>
    private const char ListSeparator = ';';

    private static readonly Column<IssuedRow>[] IssuedColumns =
    [
        new("batchId", r => Cell.Text(r.Batch.BatchId)),
        new("projectId", r => Cell.Text(r.Batch.ProjectId)),
        new("projectTitle", r => Cell.Text(r.Project?.Title)),
        new("methodologyId", r => Cell.Text(r.Batch.MethodologyId)),
        new("monitoringFirstDay", r => Cell.Fixed(BatchIds.Date(r.Batch.MonitoringPeriod.FirstDay))),
        new("monitoringLastDay", r => Cell.Fixed(BatchIds.Date(r.Batch.MonitoringPeriod.LastDay))),
        new("issuedGrams", r => Cell.Grams(r.Batch.IssuedGrams)),
        new("issuedTonnes", r => Cell.Fixed(Tonnes(r.Batch.IssuedGrams))),
        new("verifierId", r => Cell.Text(r.Batch.VerifierId)),
        new("approvedBy", r => Cell.Text(r.Batch.ApprovedBy)),
        new("issuedHeight", r => Cell.Number(r.Batch.IssuedHeight)),
        new("reportHash", r => Cell.Fixed(Convert.ToHexStringLower(r.Batch.ReportHash.Span))),
        new("externalRegistryIds", r => Cell.List(r.Project?.ExternalRegistryIds ?? [])),
        new("retiredGrams", r => Cell.Grams(r.Batch.RetiredGrams)),
        new("retiredTonnes", r => Cell.Fixed(Tonnes(r.Batch.RetiredGrams))),
        new("voidedGrams", r => Cell.Grams(r.Batch.VoidedGrams)),
        new("voidedTonnes", r => Cell.Fixed(Tonnes(r.Batch.VoidedGrams))),
        new("serialRange", r => Cell.Fixed(string.Create(CultureInfo.InvariantCulture, $"{r.Batch.BatchId}:1-{r.Batch.IssuedGrams}"))),
    ];

    private static readonly Column<CancellationRecord>[] CancellationColumns =
    [
        new("cancellationId", c => Cell.Text(c.CancellationId)),
        new("batchId", c => Cell.Text(c.BatchId)),
        new("holder", c => Cell.Text(c.Holder)),
        new("amountGrams", c => Cell.Grams(c.AmountGrams)),
        new("amountTonnes", c => Cell.Fixed(Tonnes(c.AmountGrams))),
        new("beneficiary", c => Cell.Text(c.Beneficiary)),
        new("purpose", c => Cell.Text(c.Purpose)),
        new("status", c => Cell.Fixed(StatusName(c.Status))),
        new("serialRange", c => Cell.Text(c.SerialRange)),
        new("serialFirst", c => c.SerialFirst == 0 ? Cell.Absent : Cell.Grams(c.SerialFirst)),
        new("serialLast", c => c.SerialLast == 0 ? Cell.Absent : Cell.Grams(c.SerialLast)),
        new("requestedHeight", c => Cell.Number(c.RequestedHeight)),
        new("decidedHeight", c => c.DecidedHeight == 0 ? Cell.Absent : Cell.Number(c.DecidedHeight)),
        new("decidedBy", c => Cell.Text(c.DecidedBy)),
        new("declineReason", c => Cell.Text(c.DeclineReason)),
        // D24: a custody cancellation, for a scenario company's pseudonymous user (hex of the 32-byte id) with the user's consent.
        new("custodyUserId", c => c.CustodyUserId.IsEmpty ? Cell.Absent : Cell.Fixed(Convert.ToHexStringLower(c.CustodyUserId.Span))),
        new("consentRef", c => Cell.Text(c.ConsentRef)),
    ];

    private enum CellKind
    {
        /// <summary>Text from the chain: JSON string, CSV defused against formulas.</summary>
        Text,

        /// <summary>Text this tool formatted (digits, dates, hex): JSON string, CSV as is.</summary>
        Fixed,

        /// <summary>A height: JSON number.</summary>
        Number,

        /// <summary>Ids: JSON array of strings, CSV one field joined by ';'.</summary>
        List,
    }

    /// <summary>The column names of a kind of export, in order, CSV's two trailing columns left out.</summary>
    public static IReadOnlyList<string> Columns(ExportKind kind) =>
        kind == ExportKind.Issued ? [.. IssuedColumns.Select(c => c.Name)] : [.. CancellationColumns.Select(c => c.Name)];

    /// <summary>The file's bytes: the same snapshot always gives the same bytes.</summary>
    public static byte[] Render(ExportSnapshot snapshot, ExportKind kind, ExportFormat format, bool allCancellations = false)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var rows = kind == ExportKind.Issued ? IssuedRows(snapshot) : CancellationRows(snapshot, allCancellations);
        return format == ExportFormat.Csv ? RenderCsv(snapshot, kind, rows) : RenderJson(snapshot, kind, allCancellations, rows);
    }

    /// <summary>How many rows an export of this kind has.</summary>
    public static int RowCount(ExportSnapshot snapshot, ExportKind kind, bool allCancellations = false) =>
        kind == ExportKind.Issued ? snapshot.Batches.Count : snapshot.Cancellations.Count(c => allCancellations || c.Status == CancellationStatus.Approved);

    /// <summary>Grams as tCO2e, exactly: integer division, 6 decimal places (DESIGN §4).</summary>
    public static string Tonnes(ulong grams) =>
        string.Create(CultureInfo.InvariantCulture, $"{grams / GramsPerTonne}.{grams % GramsPerTonne:D6}");

    public static string StatusName(CancellationStatus status) => status switch
    {
        CancellationStatus.Pending => "PENDING",
        CancellationStatus.Approved => "APPROVED",
        CancellationStatus.Declined => "DECLINED",
        _ => ((int)status).ToString(CultureInfo.InvariantCulture),
    };

    private static List<Cell[]> IssuedRows(ExportSnapshot snapshot)
    {
        var projects = snapshot.Projects.ToDictionary(p => p.ProjectId, StringComparer.Ordinal);
        return snapshot.Batches
            .OrderBy(b => b.BatchId, StringComparer.Ordinal)
            .Select(b => new IssuedRow(b, projects.GetValueOrDefault(b.ProjectId)))
            .Select(r => IssuedColumns.Select(c => c.Value(r)).ToArray())
            .ToList();
    }

    private static List<Cell[]> CancellationRows(ExportSnapshot snapshot, bool all) =>
        snapshot.Cancellations
            .Where(c => all || c.Status == CancellationStatus.Approved)
            .OrderBy(c => c.CancellationId, StringComparer.Ordinal)
            .Select(c => CancellationColumns.Select(column => column.Value(c)).ToArray())
            .ToList();

    private static byte[] RenderCsv(ExportSnapshot snapshot, ExportKind kind, List<Cell[]> rows)
    {
        var text = new StringBuilder();
        Csv.WriteRecord(text, [.. Columns(kind), ChainIdColumn, HeightColumn]);
        var trailer = new[] { Csv.Defused(snapshot.ChainId), snapshot.Height.ToString(CultureInfo.InvariantCulture) };
        foreach (var row in rows)
        {
            Csv.WriteRecord(text, row.Select(CsvText).Concat(trailer));
        }

        return [.. Csv.Utf8ByteOrderMark, .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    private static string CsvText(Cell cell) => cell.Kind switch
    {
        CellKind.List => Csv.Defused(string.Join(ListSeparator, cell.Items!)),
        CellKind.Text => Csv.Defused(cell.Value ?? ""),
        _ => cell.Value ?? "",
    };

    private static byte[] RenderJson(ExportSnapshot snapshot, ExportKind kind, bool allCancellations, List<Cell[]> rows)
    {
        var names = Columns(kind);
        using var output = new MemoryStream();
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("formatVersion", FormatVersion);
            json.WriteString("kind", kind == ExportKind.Issued ? "issued" : "cancellations");
            json.WriteString(ChainIdColumn, snapshot.ChainId);
            json.WriteNumber(HeightColumn, snapshot.Height);
            if (kind == ExportKind.Cancellations)
            {
                json.WriteString("statuses", allCancellations ? "all" : "approved");
            }

            json.WriteStartArray(kind == ExportKind.Issued ? "batches" : "cancellations");
            foreach (var row in rows)
            {
                json.WriteStartObject();
                for (var i = 0; i < names.Count; i++)
                {
                    WriteJson(json, names[i], row[i]);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        output.WriteByte((byte)'\n');
        return output.ToArray();
    }

    private static void WriteJson(Utf8JsonWriter json, string name, Cell cell)
    {
        if (cell.Kind == CellKind.List)
        {
            json.WriteStartArray(name);
            cell.Items!.ToList().ForEach(json.WriteStringValue);
            json.WriteEndArray();
        }
        else if (cell.Value is null)
        {
            json.WriteNull(name);
        }
        else if (cell.Kind == CellKind.Number)
        {
            json.WritePropertyName(name);
            json.WriteRawValue(cell.Value, skipInputValidation: false);
        }
        else
        {
            json.WriteString(name, cell.Value);
        }
    }

    private sealed record IssuedRow(BatchRecord Batch, ProjectRecord? Project);

    private sealed record Column<T>(string Name, Func<T, Cell> Value);

    /// <summary>One value of a row; a null value is absent (JSON null, empty CSV field).</summary>
    private readonly record struct Cell(CellKind Kind, string? Value, IReadOnlyList<string>? Items = null)
    {
        public static Cell Absent => new(CellKind.Fixed, null);

        /// <summary>Empty text is absent: protobuf cannot tell an empty string from an unset one.</summary>
        public static Cell Text(string? text) => new(CellKind.Text, string.IsNullOrEmpty(text) ? null : text);

        public static Cell Fixed(string text) => new(CellKind.Fixed, text);

        public static Cell Grams(ulong grams) => new(CellKind.Fixed, grams.ToString(CultureInfo.InvariantCulture));

        public static Cell Number(ulong number) => new(CellKind.Number, number.ToString(CultureInfo.InvariantCulture));

        public static Cell List(IEnumerable<string> items) => new(CellKind.List, null, [.. items]);
    }
}

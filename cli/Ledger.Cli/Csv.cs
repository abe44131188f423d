using System.Buffers;
using System.Text;

namespace Ledger.Cli;

/// <summary>
/// CSV as RFC 4180 writes it, for the spreadsheets of `ledger export` (docs/DECISIONS.md D19):
/// records end in CRLF; a field holding a comma, a double quote, CR, LF or an outer space is
/// quoted and its quotes doubled; a text field that a spreadsheet would run as a formula gets a
/// leading apostrophe. Files start with the UTF-8 byte order mark, without which Excel in a Chinese
/// locale reads UTF-8 as GBK.
/// </summary>
public static class Csv
{
    public const string RecordEnd = "\r\n";

    /// <summary>What a file starts with (EF BB BF).</summary>
    public static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Characters that make Excel, LibreOffice and Sheets read a cell as a formula (OWASP "CSV
    /// injection"): beneficiaries and purposes are free text any holder writes, and the file is
    /// opened by the bureau's staff.
    /// </summary>
    private static readonly SearchValues<char> FormulaStarts = SearchValues.Create("=+-@\t\r");

    private static readonly SearchValues<char> NeedsQuotes = SearchValues.Create(",\"\r\n");

    /// <summary>One field as it appears between commas.</summary>
    public static string Field(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var quoted = value.AsSpan().ContainsAny(NeedsQuotes)
            || (value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])));
        return quoted ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>Free text made inert for spreadsheets: a leading apostrophe when it starts like a formula.</summary>
    public static string Defused(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length > 0 && FormulaStarts.Contains(text[0]) ? "'" + text : text;
    }

    /// <summary>One record: the fields quoted as needed, joined by commas, ended by CRLF.</summary>
    public static void WriteRecord(StringBuilder output, IEnumerable<string> fields)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(fields);
        var first = true;
        foreach (var field in fields)
        {
            if (!first)
            {
                output.Append(',');
            }

            output.Append(Field(field));
            first = false;
        }

        output.Append(RecordEnd);
    }
}

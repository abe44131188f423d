using System.Text;

namespace Ledger.Testing;

/// <summary>
/// A strict RFC 4180 reader for tests, written apart from the CLI's writer so that each checks
/// the other: records end in CRLF (the last one too), quoted fields may hold anything with quotes
/// doubled, an unquoted field holds no quote, CR or LF. Anything else throws.
/// </summary>
public static class CsvReader
{
    /// <summary>The records of text (after the BOM, if any), each a list of fields.</summary>
    public static List<List<string>> Read(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var records = new List<List<string>>();
        var position = text.StartsWith('\uFEFF') ? 1 : 0;
        while (position < text.Length)
        {
            var record = new List<string>();
            while (true)
            {
                record.Add(ReadField(text, ref position));
                if (Take(text, ref position, ","))
                {
                    continue;
                }

                if (!Take(text, ref position, "\r\n"))
                {
                    throw new FormatException($"expected a comma or CRLF at {position}");
                }

                break;
            }

            records.Add(record);
        }

        return records;
    }

    /// <summary>The rows of a file with a header, as column name → value.</summary>
    public static List<Dictionary<string, string>> ReadTable(string text)
    {
        var records = Read(text);
        var header = records[0];
        return records.Skip(1).Select(r =>
        {
            if (r.Count != header.Count)
            {
                throw new FormatException($"a record of {r.Count} fields under a header of {header.Count}");
            }

            return header.Zip(r).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        }).ToList();
    }

    private static string ReadField(string text, ref int position)
    {
        if (!Take(text, ref position, "\""))
        {
            var start = position;
            while (position < text.Length && text[position] is not (',' or '\r' or '\n' or '"'))
            {
                position++;
            }

            if (position < text.Length && text[position] != ',' && !text.AsSpan(position).StartsWith("\r\n", StringComparison.Ordinal))
            {
                throw new FormatException($"a quote, CR or LF in an unquoted field at {position}");
            }

            return text[start..position];
        }

        var value = new StringBuilder();
        while (true)
        {
            if (position >= text.Length)
            {
                throw new FormatException("a quoted field is not closed");
            }

            if (text[position] == '"')
            {
                if (position + 1 < text.Length && text[position + 1] == '"')
                {
                    value.Append('"');
                    position += 2;
                    continue;
                }

                position++;
                return value.ToString();
            }

            value.Append(text[position++]);
        }
    }

    private static bool Take(string text, ref int position, string expected)
    {
        if (text.AsSpan(position).StartsWith(expected, StringComparison.Ordinal))
        {
            position += expected.Length;
            return true;
        }

        return false;
    }
}

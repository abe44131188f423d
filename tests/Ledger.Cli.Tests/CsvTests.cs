using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Ledger.Testing;

namespace Ledger.Cli.Tests;

/// <summary>RFC 4180 as `ledger export` writes it, read back by a reader written apart from the writer.</summary>
public sealed class CsvTests
{
    /// <summary>What free text on the ledger can hold, and what a writer must not get wrong.</summary>
    private static readonly char[] Alphabet = [.. ",\"\r\n =+-@\t';a1碳普惠鄂尔多斯，“”、\u00A0\u3000"];

    [Theory]
    [InlineData("ORD-P-PV-7-20250101-20250131")]
    [InlineData("2.500000")]
    [InlineData("")]
    [InlineData("a;b")]
    public void Plain_fields_are_written_as_they_are(string value) =>
        Assert.Equal(value, Csv.Field(value));

    [Fact]
    public void A_comma_quotes_the_field() =>
        Assert.Equal("\"Ordos No. 1 Middle School, Kangbashi\"", Csv.Field("Ordos No. 1 Middle School, Kangbashi"));

    [Fact]
    public void Quotes_are_doubled_inside_quotes() =>
        Assert.Equal("\"the \"\"green campus\"\" plan\"", Csv.Field("the \"green campus\" plan"));

    [Theory]
    [InlineData("line one\nline two")]
    [InlineData("line one\r\nline two")]
    [InlineData("carriage\rreturn")]
    public void Line_breaks_are_kept_inside_quotes(string value) =>
        Assert.Equal("\"" + value + "\"", Csv.Field(value));

    [Theory]
    [InlineData("鄂尔多斯市第一中学")]
    [InlineData("2025年校园碳中和，绿色出行")] // a full-width comma is text, not a separator
    [InlineData("“绿色校园”")] // so are full-width quotes
    public void Chinese_text_is_written_as_it_is(string value) =>
        Assert.Equal(value, Csv.Field(value));

    [Fact]
    public void Chinese_text_with_an_ascii_comma_and_quotes_is_quoted() =>
        Assert.Equal("\"鄂尔多斯市第一中学, \"\"绿色校园\"\"\"", Csv.Field("鄂尔多斯市第一中学, \"绿色校园\""));

    [Theory]
    [InlineData(" leading")]
    [InlineData("trailing ")]
    [InlineData("\u3000全角空格")]
    public void Outer_spaces_are_kept_by_quoting(string value) =>
        Assert.Equal("\"" + value + "\"", Csv.Field(value));

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\",\"y\")")]
    [InlineData("+86 477 000")]
    [InlineData("-1+1")]
    [InlineData("@SUM(A1)")]
    [InlineData("\tindented")]
    public void Text_a_spreadsheet_would_run_as_a_formula_gets_an_apostrophe(string value) =>
        Assert.Equal("'" + value, Csv.Defused(value));

    [Theory]
    [InlineData("a=b")]
    [InlineData("碳=普惠")]
    [InlineData("")]
    public void Other_text_is_not_changed_by_defusing(string value) =>
        Assert.Equal(value, Csv.Defused(value));

    [Fact]
    public void A_record_joins_its_fields_with_commas_and_ends_in_crlf()
    {
        var text = new StringBuilder();

        Csv.WriteRecord(text, ["a", "b,c", "碳"]);
        Csv.WriteRecord(text, [""]);

        Assert.Equal("a,\"b,c\",碳\r\n\r\n", text.ToString());
    }

    [Property(MaxTest = 500)]
    public Property Every_record_reads_back_as_written()
    {
        var field = Gen.Elements(Alphabet).ArrayOf().Select(chars => new string(chars));
        var records = field.NonEmptyListOf().Select(r => r.ToList()).NonEmptyListOf().Select(r => r.ToList());
        return Prop.ForAll(Arb.From(records), written =>
        {
            var text = new StringBuilder();
            written.ForEach(record => Csv.WriteRecord(text, record));

            var read = CsvReader.Read(text.ToString());

            var same = read.Count == written.Count && read.Zip(written).All(p => p.First.SequenceEqual(p.Second, StringComparer.Ordinal));
            return same.Label($"wrote {Show(written)}, read {Show(read)}");
        });
    }

    private static string Show(List<List<string>> records) =>
        string.Join(" | ", records.Select(r => string.Join(" , ", r.Select(f => $"[{f.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}]"))));
}

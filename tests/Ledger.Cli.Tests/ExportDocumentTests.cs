using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Cli.Tests;

/// <summary>The files of `ledger export` (seed §17) from records in memory: columns, numbers, order, bytes.</summary>
public sealed class ExportDocumentTests
{
    private const string Beneficiary = "鄂尔多斯市第一中学, \"绿色校园\"";
    private const string Purpose = "=2025 campus carbon neutrality, 碳中和";

    [Theory]
    [InlineData(0UL, "0.000000")]
    [InlineData(1UL, "0.000001")]
    [InlineData(999_999UL, "0.999999")]
    [InlineData(2_500_000UL, "2.500000")]
    [InlineData(1UL << 62, "4611686018427.387904")]
    [InlineData(ulong.MaxValue, "18446744073709.551615")]
    public void Tonnes_are_grams_divided_by_a_million_exactly(ulong grams, string tonnes) =>
        Assert.Equal(tonnes, ExportDocument.Tonnes(grams));

    [Fact]
    public void Issued_csv_is_one_row_per_batch_in_batch_id_order_with_the_chain_and_height_on_every_row()
    {
        var bytes = ExportDocument.Render(Snapshot(), ExportKind.Issued, ExportFormat.Csv);

        Assert.Equal(Csv.Utf8ByteOrderMark.ToArray(), bytes[..3]);
        var text = Encoding.UTF8.GetString(bytes.AsSpan(3));
        var rows = CsvReader.ReadTable(text);
        Assert.Equal([.. ExportDocument.Columns(ExportKind.Issued), "chainId", "asOfHeight"], CsvReader.Read(text)[0]);
        Assert.Equal(["ORD-P-A-20250101-20250131", "ORD-P-B-20250101-20250131"], rows.Select(r => r["batchId"]));
        var first = rows[0];
        Assert.Equal("2025-01-01", first["monitoringFirstDay"]);
        Assert.Equal("2025-01-31", first["monitoringLastDay"]);
        Assert.Equal("4611686018427387904", first["issuedGrams"]);
        Assert.Equal("4611686018427.387904", first["issuedTonnes"]);
        Assert.Equal("400000", first["retiredGrams"]);
        Assert.Equal("0.400000", first["retiredTonnes"]);
        Assert.Equal("CCER-1;VCS-2", first["externalRegistryIds"]);
        Assert.Equal("ORD-P-A-20250101-20250131:1-4611686018427387904", first["serialRange"]);
        Assert.Equal(new string('a', 64), first["reportHash"]);
        Assert.Equal("屋顶光伏, 康巴什", first["projectTitle"]);
        Assert.Equal("test-chain", first["chainId"]);
        Assert.Equal("42", first["asOfHeight"]);
        Assert.Equal("", rows[1]["projectTitle"]);
    }

    [Fact]
    public void Issued_json_names_the_chain_and_height_once_and_writes_grams_as_strings()
    {
        using var json = JsonDocument.Parse(ExportDocument.Render(Snapshot(), ExportKind.Issued, ExportFormat.Json));
        var root = json.RootElement;

        Assert.Equal(1, root.GetProperty("formatVersion").GetInt32());
        Assert.Equal("issued", root.GetProperty("kind").GetString());
        Assert.Equal("test-chain", root.GetProperty("chainId").GetString());
        Assert.Equal(42UL, root.GetProperty("asOfHeight").GetUInt64());
        var first = root.GetProperty("batches")[0];
        Assert.Equal(ExportDocument.Columns(ExportKind.Issued), first.EnumerateObject().Select(p => p.Name));
        Assert.Equal("4611686018427387904", first.GetProperty("issuedGrams").GetString());
        Assert.Equal(7UL, first.GetProperty("issuedHeight").GetUInt64());
        Assert.Equal(["CCER-1", "VCS-2"], first.GetProperty("externalRegistryIds").EnumerateArray().Select(e => e.GetString()));
        var second = root.GetProperty("batches")[1];
        Assert.Equal(JsonValueKind.Null, second.GetProperty("projectTitle").ValueKind);
        Assert.Equal(0, second.GetProperty("externalRegistryIds").GetArrayLength());
    }

    [Fact]
    public void Json_keeps_chinese_text_readable()
    {
        var text = Encoding.UTF8.GetString(ExportDocument.Render(Snapshot(), ExportKind.Cancellations, ExportFormat.Json));

        Assert.Contains("鄂尔多斯市第一中学, \\\"绿色校园\\\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", text, StringComparison.Ordinal);
        Assert.False(text.StartsWith('\uFEFF'), "JSON has no byte order mark (RFC 8259 §8.1)");
    }

    [Fact]
    public void Cancellations_are_the_approved_ones_in_id_order_unless_all_are_asked_for()
    {
        var approved = CsvReader.ReadTable(Encoding.UTF8.GetString(ExportDocument.Render(Snapshot(), ExportKind.Cancellations, ExportFormat.Csv)));
        var all = CsvReader.ReadTable(Encoding.UTF8.GetString(ExportDocument.Render(Snapshot(), ExportKind.Cancellations, ExportFormat.Csv, allCancellations: true)));

        Assert.Equal([Id('1'), Id('3')], approved.Select(r => r["cancellationId"]));
        Assert.Equal([Id('1'), Id('2'), Id('3')], all.Select(r => r["cancellationId"]));
        Assert.Equal(["APPROVED", "PENDING", "APPROVED"], all.Select(r => r["status"]));
        var pending = all[1];
        Assert.Equal("", pending["serialRange"]);
        Assert.Equal("", pending["decidedHeight"]);
        Assert.Equal("", pending["serialFirst"]);
    }

    [Fact]
    public void A_custody_cancellation_shows_its_pseudonymous_user_and_consent()
    {
        var snapshot = Snapshot();
        var custody = snapshot.Cancellations.Single(c => c.CancellationId == Id('3'));
        custody.CustodyUserId = ByteString.CopyFrom(Enumerable.Repeat((byte)0xAB, 32).ToArray());
        custody.ConsentRef = "consent 2025-0042";

        var rows = CsvReader.ReadTable(Encoding.UTF8.GetString(ExportDocument.Render(snapshot, ExportKind.Cancellations, ExportFormat.Csv)));

        Assert.Equal(("", ""), (rows[0]["custodyUserId"], rows[0]["consentRef"]));
        Assert.Equal((string.Concat(Enumerable.Repeat("ab", 32)), "consent 2025-0042"), (rows[1]["custodyUserId"], rows[1]["consentRef"]));
    }

    [Fact]
    public void Free_text_survives_csv_exactly_except_a_formula_start()
    {
        var row = CsvReader.ReadTable(Encoding.UTF8.GetString(ExportDocument.Render(Snapshot(), ExportKind.Cancellations, ExportFormat.Csv)))[0];

        Assert.Equal(Beneficiary, row["beneficiary"]);
        Assert.Equal("'" + Purpose, row["purpose"]);
        Assert.Equal("ORD-P-A-20250101-20250131:1-400000", row["serialRange"]);
        Assert.Equal("400000", row["amountGrams"]);
        Assert.Equal("0.400000", row["amountTonnes"]);
    }

    [Fact]
    public void Json_free_text_is_exact()
    {
        using var json = JsonDocument.Parse(ExportDocument.Render(Snapshot(), ExportKind.Cancellations, ExportFormat.Json, allCancellations: true));
        var root = json.RootElement;
        var first = root.GetProperty("cancellations")[0];

        Assert.Equal("all", root.GetProperty("statuses").GetString());
        Assert.Equal(Beneficiary, first.GetProperty("beneficiary").GetString());
        Assert.Equal(Purpose, first.GetProperty("purpose").GetString());
        Assert.Equal("1", first.GetProperty("serialFirst").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("cancellations")[1].GetProperty("decidedHeight").ValueKind);
    }

    [Theory]
    [InlineData(ExportKind.Issued, ExportFormat.Csv)]
    [InlineData(ExportKind.Issued, ExportFormat.Json)]
    [InlineData(ExportKind.Cancellations, ExportFormat.Csv)]
    [InlineData(ExportKind.Cancellations, ExportFormat.Json)]
    public void The_same_records_in_any_order_give_the_same_bytes(ExportKind kind, ExportFormat format)
    {
        var snapshot = Snapshot();
        var reversed = snapshot with { Batches = [.. snapshot.Batches.Reverse()], Projects = [.. snapshot.Projects.Reverse()], Cancellations = [.. snapshot.Cancellations.Reverse()] };

        Assert.Equal(ExportDocument.Render(snapshot, kind, format, true), ExportDocument.Render(reversed, kind, format, true));
    }

    [Fact]
    public void An_empty_export_is_a_header_alone_in_csv_and_an_empty_list_in_json()
    {
        var empty = new ExportSnapshot("test-chain", 0, [], [], []);

        var csv = CsvReader.Read(Encoding.UTF8.GetString(ExportDocument.Render(empty, ExportKind.Issued, ExportFormat.Csv)));
        using var json = JsonDocument.Parse(ExportDocument.Render(empty, ExportKind.Issued, ExportFormat.Json));

        Assert.Single(csv);
        Assert.Equal(0, json.RootElement.GetProperty("batches").GetArrayLength());
        Assert.Equal(0UL, json.RootElement.GetProperty("asOfHeight").GetUInt64());
    }

    internal static string Id(char digit) => new(digit, 64);

    /// <summary>Two batches (the second's project unknown), three cancellations, listed out of order on purpose.</summary>
    internal static ExportSnapshot Snapshot() => new(
        "test-chain",
        42,
        [Batch("B", 1_000), Batch("A", 1UL << 62, retired: 400_000)],
        [new ProjectRecord { ProjectId = "A", Title = "屋顶光伏, 康巴什", ExternalRegistryIds = { "CCER-1", "VCS-2" } }],
        [
            Cancellation('3', CancellationStatus.Approved, 400_001, 400_010),
            Cancellation('2', CancellationStatus.Pending, 0, 0),
            Cancellation('1', CancellationStatus.Approved, 1, 400_000),
        ]);

    private static BatchRecord Batch(string project, ulong issued, ulong retired = 0) => new()
    {
        BatchId = $"ORD-P-{project}-20250101-20250131",
        ProjectId = project,
        MethodologyId = "M-PV",
        MonitoringPeriod = new DayRange { FirstDay = 20089, LastDay = 20119 },
        ReportHash = ByteString.CopyFrom(Enumerable.Repeat((byte)0xAA, 32).ToArray()),
        VerifierId = "verifier-1",
        ApprovedBy = "bureau",
        IssuedHeight = 7,
        IssuedGrams = issued,
        TradableGrams = issued - retired,
        RetiredGrams = retired,
        NextSerial = retired + 1,
    };

    private static CancellationRecord Cancellation(char id, CancellationStatus status, ulong first, ulong last) => new()
    {
        CancellationId = Id(id),
        Holder = "trader-b",
        BatchId = "ORD-P-A-20250101-20250131",
        AmountGrams = status == CancellationStatus.Pending ? 5 : last - first + 1,
        Beneficiary = Beneficiary,
        Purpose = Purpose,
        Status = status,
        RequestedHeight = 10,
        DecidedHeight = status == CancellationStatus.Pending ? 0UL : 11UL,
        DecidedBy = status == CancellationStatus.Pending ? "" : "operator",
        SerialRange = first == 0 ? "" : $"ORD-P-A-20250101-20250131:{first}-{last}",
        SerialFirst = first,
        SerialLast = last,
    };
}

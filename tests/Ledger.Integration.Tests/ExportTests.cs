using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grpc.Net.Client;
using Ledger.Cli;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;
using Ledger.Testing;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Integration.Tests;

/// <summary>
/// `ledger export` (seed §17) against a real node: from the node over gRPC and from its live data
/// directory, in CSV and JSON, the same rows and numbers the SDK's queries give, and the same bytes
/// from either source at the same height. Also the ListCancellations paging the export relies on.
/// </summary>
public sealed class ExportTests(ExportTests.ExportChain chain) : IClassFixture<ExportTests.ExportChain>
{
    public enum Source
    {
        Node,
        Data,
    }

    [Theory]
    [InlineData(Source.Node, ExportFormat.Csv)]
    [InlineData(Source.Node, ExportFormat.Json)]
    [InlineData(Source.Data, ExportFormat.Csv)]
    [InlineData(Source.Data, ExportFormat.Json)]
    public async Task Issued_exports_hold_every_batch_as_the_sdk_reads_it(Source source, ExportFormat format)
    {
        var (header, rows) = await ExportAsync(source, ExportKind.Issued, format);

        var expected = new List<Dictionary<string, string>>();
        foreach (var batch in await chain.Client.ListBatchesAsync())
        {
            expected.Add(ExpectedIssued(batch, (await chain.Client.GetProjectAsync(batch.ProjectId))!));
        }

        Assert.Equal(2, expected.Count);
        AssertRows(expected.OrderBy(r => r["batchId"], StringComparer.Ordinal).ToList(), rows);
        Assert.Equal(await chain.HeightAsync(), header.Height);
        Assert.Equal(chain.Node.Genesis.ChainId, header.ChainId);
        var january = rows.Single(r => r["batchId"] == chain.January);
        Assert.Equal(("2500000", "2.500000", "600000", "0.600000"), (january["issuedGrams"], january["issuedTonnes"], january["retiredGrams"], january["retiredTonnes"]));
        Assert.Equal($"{chain.January}:1-2500000", january["serialRange"]);
    }

    [Theory]
    [InlineData(Source.Node, ExportFormat.Csv, false)]
    [InlineData(Source.Node, ExportFormat.Json, false)]
    [InlineData(Source.Data, ExportFormat.Csv, false)]
    [InlineData(Source.Data, ExportFormat.Json, false)]
    [InlineData(Source.Node, ExportFormat.Csv, true)]
    [InlineData(Source.Data, ExportFormat.Json, true)]
    public async Task Cancellation_exports_hold_every_approved_cancellation_as_the_sdk_reads_it(Source source, ExportFormat format, bool all)
    {
        var (header, rows) = await ExportAsync(source, ExportKind.Cancellations, format, all);

        var expected = new List<Dictionary<string, string>>();
        foreach (var id in chain.CancellationIds)
        {
            var record = (await chain.Client.GetCancellationAsync(id))!;
            if (all || record.Status == CancellationStatus.Approved)
            {
                expected.Add(ExpectedCancellation(record));
            }
        }

        Assert.Equal(all ? 4 : 2, expected.Count);
        AssertRows(expected.OrderBy(r => r["cancellationId"], StringComparer.Ordinal).ToList(), rows);
        Assert.Equal(await chain.HeightAsync(), header.Height);
        var school = rows.Single(r => r["cancellationId"] == chain.CancellationIds[0]);
        Assert.Equal((ExportChain.Beneficiary, ExportChain.Purpose), (school["beneficiary"], school["purpose"]));
        Assert.Equal(($"{chain.January}:1-400000", "400000", "0.400000"), (school["serialRange"], school["amountGrams"], school["amountTonnes"]));
    }

    [Theory]
    [InlineData(ExportKind.Issued, ExportFormat.Csv, false)]
    [InlineData(ExportKind.Issued, ExportFormat.Json, false)]
    [InlineData(ExportKind.Cancellations, ExportFormat.Csv, false)]
    [InlineData(ExportKind.Cancellations, ExportFormat.Json, false)]
    [InlineData(ExportKind.Cancellations, ExportFormat.Csv, true)]
    [InlineData(ExportKind.Cancellations, ExportFormat.Json, true)]
    public async Task Node_and_data_exports_are_the_same_bytes_at_the_same_height(ExportKind kind, ExportFormat format, bool all)
    {
        var fromNode = await ExportSources.ReadNodeAsync(chain.Node.Url, kind, CancellationToken.None);
        var fromData = ExportSources.ReadData(chain.Node.DataDirectory, kind);

        Assert.Equal(fromNode.Height, fromData.Height);
        Assert.Equal(ExportDocument.Render(fromNode, kind, format, all), ExportDocument.Render(fromData, kind, format, all));
    }

    [Fact]
    public async Task The_command_writes_a_whole_file_and_says_what_it_exported()
    {
        var directory = Directory.CreateTempSubdirectory("ledger-export-");
        try
        {
            var file = Path.Combine(directory.FullName, "issued.csv");
            var root = new RootCommand { ExportCommand.Create() };

            var exitCode = await root.Parse(["export", "issued", "--node", chain.Node.Url.ToString(), "--format", "csv", "--out", file]).InvokeAsync();

            Assert.Equal(ExportCommand.ExportedExitCode, exitCode);
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
            Assert.Equal(2, CsvReader.ReadTable(Encoding.UTF8.GetString(bytes)).Count);
            Assert.Equal([file], Directory.GetFiles(directory.FullName)); // no partial file left beside it
            var outcome = await ExportCommand.ExportAsync(ExportKind.Cancellations, null, chain.Node.DataDirectory, ExportFormat.Json, Path.Combine(directory.FullName, "c.json"), false, CancellationToken.None);
            Assert.Equal($"exported 2 approved cancellations of chain '{chain.Node.Genesis.ChainId}' at height {await chain.HeightAsync()} to {Path.Combine(directory.FullName, "c.json")}", outcome);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ListCancellations_pages_by_after_and_limit_in_id_order_at_the_height_it_names()
    {
        var whole = await chain.Client.ListCancellationsAsync();
        var paged = new List<CancellationRecord>();
        string? after = null;
        while (await chain.Client.ListCancellationsAsync(after, limit: 1) is [var next])
        {
            paged.Add(next);
            after = next.CancellationId;
        }

        Assert.Equal(chain.CancellationIds.Order(StringComparer.Ordinal), whole.Select(c => c.CancellationId));
        Assert.Equal(whole, paged);
        foreach (var record in whole)
        {
            Assert.Equal(await chain.Client.GetCancellationAsync(record.CancellationId), record);
        }

        using var channel = GrpcChannel.ForAddress(chain.Node.Url);
        var reply = await new ProtocolLedger.LedgerClient(channel).ListCancellationsAsync(new ListRequest { After = whole[1].CancellationId, Limit = 10 });
        Assert.Equal(whole.Skip(2), reply.Cancellations);
        Assert.Equal(await chain.HeightAsync(), reply.Height);
    }

    [Fact]
    public async Task Every_list_names_the_height_it_was_read_at_and_a_commit_moves_it()
    {
        using var channel = GrpcChannel.ForAddress(chain.Node.Url);
        var stub = new ProtocolLedger.LedgerClient(channel);
        var before = await chain.HeightAsync();
        Assert.Equal(before, (await stub.ListBatchesAsync(new ListRequest())).Height);
        Assert.Equal(before, (await stub.ListProjectsAsync(new ListRequest())).Height);
        Assert.Equal(before, (await stub.ListParticipantsAsync(new ListRequest())).Height);
        Assert.Equal(before, (await stub.ListMethodologiesAsync(new ListRequest())).Height);

        // A filing changes no export, so the other tests of this class do not mind it.
        await chain.Client.SubmitAndWaitAsync(Transactions.FileMethodology("M-height", "Moves the head", MethodologyLevel.Group, "1", []), Participants.Bureau);

        var after = await chain.HeightAsync();
        Assert.True(after > before);
        Assert.Equal(after, (await stub.ListMethodologiesAsync(new ListRequest())).Height);
    }

    private async Task<(ExportSnapshot Header, List<Dictionary<string, string>> Rows)> ExportAsync(Source source, ExportKind kind, ExportFormat format, bool all = false)
    {
        var snapshot = source == Source.Node
            ? await ExportSources.ReadNodeAsync(chain.Node.Url, kind, CancellationToken.None)
            : ExportSources.ReadData(chain.Node.DataDirectory, kind);
        var bytes = ExportDocument.Render(snapshot, kind, format, all);
        return (snapshot, format == ExportFormat.Csv ? CsvRows(bytes, snapshot) : JsonRows(bytes, snapshot, kind));
    }

    /// <summary>The rows of a CSV export, checked to name the snapshot's chain and height, with those two columns dropped.</summary>
    private static List<Dictionary<string, string>> CsvRows(byte[] bytes, ExportSnapshot snapshot)
    {
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var rows = CsvReader.ReadTable(Encoding.UTF8.GetString(bytes));
        foreach (var row in rows)
        {
            Assert.Equal(snapshot.ChainId, row["chainId"]);
            Assert.Equal(snapshot.Height.ToString(CultureInfo.InvariantCulture), row["asOfHeight"]);
            row.Remove("chainId");
            row.Remove("asOfHeight");
        }

        return rows;
    }

    /// <summary>The rows of a JSON export as CSV would write them: numbers as digits, null as empty, arrays joined by ';'.</summary>
    private static List<Dictionary<string, string>> JsonRows(byte[] bytes, ExportSnapshot snapshot, ExportKind kind)
    {
        using var json = JsonDocument.Parse(bytes);
        var root = json.RootElement;
        Assert.Equal(snapshot.ChainId, root.GetProperty("chainId").GetString());
        Assert.Equal(snapshot.Height, root.GetProperty("asOfHeight").GetUInt64());
        return root.GetProperty(kind == ExportKind.Issued ? "batches" : "cancellations").EnumerateArray()
            .Select(row => row.EnumerateObject().ToDictionary(p => p.Name, p => AsText(p.Value), StringComparer.Ordinal))
            .ToList();
    }

    private static string AsText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Null => "",
        JsonValueKind.Array => string.Join(';', value.EnumerateArray().Select(e => e.GetString())),
        _ => throw new InvalidOperationException($"unexpected JSON {value.ValueKind}"),
    };

    private static void AssertRows(List<Dictionary<string, string>> expected, List<Dictionary<string, string>> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (want, got) in expected.Zip(actual))
        {
            Assert.Equal(want.Keys.Order(StringComparer.Ordinal), got.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, value) in want)
            {
                Assert.True(value == got[name], $"{name}: expected '{value}', exported '{got[name]}'");
            }
        }
    }

    /// <summary>What a row should say, computed here from the SDK's records, not by the exporter's code.</summary>
    private static Dictionary<string, string> ExpectedIssued(BatchRecord batch, ProjectRecord project) => new(StringComparer.Ordinal)
    {
        ["batchId"] = batch.BatchId,
        ["projectId"] = batch.ProjectId,
        ["projectTitle"] = project.Title,
        ["methodologyId"] = batch.MethodologyId,
        ["monitoringFirstDay"] = Day(batch.MonitoringPeriod.FirstDay),
        ["monitoringLastDay"] = Day(batch.MonitoringPeriod.LastDay),
        ["issuedGrams"] = Number(batch.IssuedGrams),
        ["issuedTonnes"] = Tonnes(batch.IssuedGrams),
        ["verifierId"] = batch.VerifierId,
        ["approvedBy"] = batch.ApprovedBy,
        ["issuedHeight"] = Number(batch.IssuedHeight),
        ["reportHash"] = Convert.ToHexString(batch.ReportHash.Span).ToLowerInvariant(),
        ["externalRegistryIds"] = string.Join(';', project.ExternalRegistryIds),
        ["retiredGrams"] = Number(batch.RetiredGrams),
        ["retiredTonnes"] = Tonnes(batch.RetiredGrams),
        ["voidedGrams"] = Number(batch.VoidedGrams),
        ["voidedTonnes"] = Tonnes(batch.VoidedGrams),
        ["serialRange"] = $"{batch.BatchId}:1-{batch.IssuedGrams}",
    };

    private static Dictionary<string, string> ExpectedCancellation(CancellationRecord record)
    {
        var decided = record.Status != CancellationStatus.Pending;
        var approved = record.Status == CancellationStatus.Approved;
        return new(StringComparer.Ordinal)
        {
            ["cancellationId"] = record.CancellationId,
            ["batchId"] = record.BatchId,
            ["holder"] = record.Holder,
            ["amountGrams"] = Number(record.AmountGrams),
            ["amountTonnes"] = Tonnes(record.AmountGrams),
            ["beneficiary"] = record.Beneficiary,
            ["purpose"] = record.Purpose,
            ["status"] = record.Status.ToString().ToUpperInvariant(),
            ["serialRange"] = record.SerialRange,
            ["serialFirst"] = approved ? Number(record.SerialFirst) : "",
            ["serialLast"] = approved ? Number(record.SerialLast) : "",
            ["requestedHeight"] = Number(record.RequestedHeight),
            ["decidedHeight"] = decided ? Number(record.DecidedHeight) : "",
            ["decidedBy"] = record.DecidedBy,
            ["declineReason"] = record.DeclineReason,
            ["custodyUserId"] = Convert.ToHexStringLower(record.CustodyUserId.Span),
            ["consentRef"] = record.ConsentRef,
        };
    }

    private static string Day(uint day) => new DateOnly(1970, 1, 1).AddDays((int)day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Tonnes(ulong grams) => (grams / 1_000_000m).ToString("F6", CultureInfo.InvariantCulture);

    /// <summary>
    /// A node with two batches of one project and four cancellations: two approved (one with a
    /// beneficiary full of commas, quotes and Chinese), one declined, one pending. It keeps running:
    /// the data-directory exports read it live, as an auditor beside a running node would.
    /// </summary>
    public sealed class ExportChain : IAsyncLifetime
    {
        public const string Beneficiary = "鄂尔多斯市第一中学, \"绿色校园\"";
        public const string Purpose = "2025 campus carbon neutrality, 碳中和 (校园)";

        public NodeProcess Node { get; private set; } = null!;

        public LedgerClient Client { get; private set; } = null!;

        public string January { get; private set; } = "";

        /// <summary>In the order requested: approved, approved, declined, pending.</summary>
        public IReadOnlyList<string> CancellationIds { get; private set; } = [];

        public async Task<ulong> HeightAsync() => (await Client.GetStatusAsync()).Height;

        public async Task InitializeAsync()
        {
            Node = await NodeProcess.StartAsync();
            Client = Participants.Client(Node);
            var (owner, trader, _, january) = await Stories.IssueAndTransferAsync(Client);
            January = january;
            var report = SHA256.HashData("verification report PV-7 2025-02"u8);
            var february = (await Client.SubmitAndWaitAsync(
                Transactions.IssueProjectReductions("PV-7", Stories.Jan1 + 31, Stories.Jan1 + 58, 700_000, report, TestLedger.Verifier), Participants.Bureau, [Participants.Verifier]))
                .Attribute("batch_id")!;

            var school = await RequestAsync(trader, january, 400_000, Beneficiary, Purpose);
            await Client.SubmitAndWaitAsync(Transactions.ApproveCancellation(school), Participants.Operator);
            var owners = await RequestAsync(owner, january, 200_000, "owner-a Co., Ltd.", "annual report 2025");
            await Client.SubmitAndWaitAsync(Transactions.ApproveCancellation(owners), Participants.Operator);
            var declined = await RequestAsync(trader, january, 100_000, "Kangbashi \"Blue Sky\" club", "declined, as a test");
            await Client.SubmitAndWaitAsync(Transactions.DeclineCancellation(declined, "beneficiary not registered"), Participants.Operator);
            var pending = await RequestAsync(owner, february, 50_000, "暂缓", "pending, as a test");
            CancellationIds = [school, owners, declined, pending];
        }

        public async Task DisposeAsync()
        {
            await Client.DisposeAsync();
            await Node.DisposeAsync();
        }

        private async Task<string> RequestAsync(LedgerSigner holder, string batch, ulong grams, string beneficiary, string purpose) =>
            (await Client.SubmitAndWaitAsync(Transactions.RequestCancellation(batch, grams, beneficiary, purpose), holder)).Attribute("cancellation_id")!;
    }
}

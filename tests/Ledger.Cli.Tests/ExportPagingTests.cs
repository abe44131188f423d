using System.CommandLine;
using Ledger.Core.Protocol;

namespace Ledger.Cli.Tests;

/// <summary>`ledger export --node` pages a node's lists; the export holds only when every page is of one height.</summary>
public sealed class ExportPagingTests
{
    [Fact]
    public async Task Pages_of_one_height_make_the_export_however_small_the_node_caps_them()
    {
        var node = new FakePages(pageSize: 2, batches: 5, cancellations: 3);

        var issued = await ExportSources.ReadPagesAsync(node, ExportKind.Issued, CancellationToken.None);
        var cancelled = await ExportSources.ReadPagesAsync(node, ExportKind.Cancellations, CancellationToken.None);

        Assert.Equal(node.Batches.Select(b => b.BatchId), issued.Batches.Select(b => b.BatchId));
        Assert.Equal(node.Projects.Select(p => p.ProjectId), issued.Projects.Select(p => p.ProjectId));
        Assert.Equal(node.Cancellations.Select(c => c.CancellationId), cancelled.Cancellations.Select(c => c.CancellationId));
        Assert.Equal((100UL, "fake-chain"), (issued.Height, issued.ChainId));
    }

    [Fact]
    public async Task A_block_committed_between_pages_starts_the_export_again_at_the_new_height()
    {
        var node = new FakePages(pageSize: 2, batches: 5, cancellations: 0) { CommitAfterCalls = [2] };

        var snapshot = await ExportSources.ReadPagesAsync(node, ExportKind.Issued, CancellationToken.None);

        Assert.Equal(101UL, snapshot.Height);
        Assert.Equal(6, snapshot.Batches.Count); // the block issued one more batch
        Assert.Equal(node.Batches.Select(b => b.BatchId), snapshot.Batches.Select(b => b.BatchId));
    }

    [Fact]
    public async Task A_block_committed_between_two_tables_starts_the_export_again()
    {
        // 5 batches in 3 pages and an empty one: the commit lands before the first project page.
        var node = new FakePages(pageSize: 2, batches: 5, cancellations: 0) { CommitAfterCalls = [4] };

        var snapshot = await ExportSources.ReadPagesAsync(node, ExportKind.Issued, CancellationToken.None);

        Assert.Equal(101UL, snapshot.Height);
        Assert.Equal(snapshot.Batches.Count, snapshot.Projects.Count);
    }

    [Fact]
    public async Task A_chain_that_moves_during_every_attempt_is_refused_after_a_bounded_number()
    {
        var node = new FakePages(pageSize: 1, batches: 3, cancellations: 0) { CommitAfterCalls = [.. Enumerable.Range(1, 1_000).Select(i => i * 2)] };

        var refusal = await Assert.ThrowsAsync<IOException>(() => ExportSources.ReadPagesAsync(node, ExportKind.Issued, CancellationToken.None));

        Assert.Contains("moved", refusal.Message, StringComparison.Ordinal);
        Assert.True(node.Calls < 10 * ExportSources.ReadAttemptsMax, $"{node.Calls} calls");
    }

    [Fact]
    public async Task A_node_listing_out_of_id_order_is_refused()
    {
        var node = new FakePages(pageSize: 2, batches: 3, cancellations: 0) { IgnoreAfter = true };

        await Assert.ThrowsAsync<IOException>(() => ExportSources.ReadPagesAsync(node, ExportKind.Issued, CancellationToken.None));
    }

    [Theory]
    [InlineData("export", "issued", "--format", "csv")]
    [InlineData("export", "issued", "--format", "csv", "--node", "http://127.0.0.1:1", "--data", "/nonexistent")]
    [InlineData("export", "issued", "--node", "http://127.0.0.1:1", "--format", "xml")]
    [InlineData("export", "issued", "--node", "http://127.0.0.1:1")]
    [InlineData("export", "issued", "--all", "--node", "http://127.0.0.1:1", "--format", "csv")]
    [InlineData("export", "everything", "--node", "http://127.0.0.1:1", "--format", "csv")]
    public async Task Misuse_exits_non_zero(params string[] args)
    {
        var root = new RootCommand { ExportCommand.Create() };

        Assert.NotEqual(ExportCommand.ExportedExitCode, await root.Parse(args).InvokeAsync());
    }

    [Fact]
    public async Task A_directory_that_is_not_a_node_s_exits_one_with_the_reason()
    {
        var root = new RootCommand { ExportCommand.Create() };
        var missing = Path.Combine(Path.GetTempPath(), "ledger-export-missing-" + Guid.NewGuid().ToString("N"));

        Assert.Equal(ExportCommand.FailedExitCode, await root.Parse(["export", "issued", "--data", missing, "--format", "json"]).InvokeAsync());
    }

    /// <summary>
    /// A node's List calls over records in memory, pageSize per page whatever the limit asked, at
    /// height 100; after each call counted in CommitAfterCalls a block commits: the height goes up
    /// and one more batch (and its project) and cancellation appear.
    /// </summary>
    private sealed class FakePages : IExportPages
    {
        private readonly int _pageSize;

        public FakePages(int pageSize, int batches, int cancellations)
        {
            _pageSize = pageSize;
            for (var i = 0; i < batches; i++)
            {
                AddBatch();
            }

            for (var i = 0; i < cancellations; i++)
            {
                AddCancellation();
            }
        }

        public List<BatchRecord> Batches { get; } = [];

        public List<ProjectRecord> Projects { get; } = [];

        public List<CancellationRecord> Cancellations { get; } = [];

        public IReadOnlyCollection<int> CommitAfterCalls { get; init; } = [];

        public bool IgnoreAfter { get; init; }

        public int Calls { get; private set; }

        private ulong Height { get; set; } = 100;

        public Task<string> ChainIdAsync(CancellationToken cancellation) => Task.FromResult("fake-chain");

        public Task<ExportPage<BatchRecord>> BatchesAsync(string after, uint limit, CancellationToken cancellation) =>
            Task.FromResult(Page(Batches, b => b.BatchId, after));

        public Task<ExportPage<ProjectRecord>> ProjectsAsync(string after, uint limit, CancellationToken cancellation) =>
            Task.FromResult(Page(Projects, p => p.ProjectId, after));

        public Task<ExportPage<CancellationRecord>> CancellationsAsync(string after, uint limit, CancellationToken cancellation) =>
            Task.FromResult(Page(Cancellations, c => c.CancellationId, after));

        private ExportPage<T> Page<T>(List<T> records, Func<T, string> id, string after)
        {
            var page = new ExportPage<T>([.. records.Where(r => IgnoreAfter || string.CompareOrdinal(id(r), after) > 0).Take(_pageSize)], Height);
            Calls++;
            if (CommitAfterCalls.Contains(Calls))
            {
                Height++;
                AddBatch();
                AddCancellation();
            }

            return page;
        }

        private void AddBatch()
        {
            var project = $"P-{Batches.Count:D4}";
            Batches.Add(new BatchRecord { BatchId = $"ORD-P-{project}-20250101-20250131", ProjectId = project, IssuedGrams = 1 });
            Projects.Add(new ProjectRecord { ProjectId = project });
        }

        private void AddCancellation() =>
            Cancellations.Add(new CancellationRecord { CancellationId = Cancellations.Count.ToString("x64", System.Globalization.CultureInfo.InvariantCulture), Status = CancellationStatus.Approved });
    }
}

using Google.Protobuf;
using Grpc.Net.Client;
using Ledger.Client;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Storage;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Cli;

public enum ExportKind
{
    Issued,
    Cancellations,
}

/// <summary>The records one export is made of, every one of them as committed at <see cref="Height"/>.</summary>
public sealed record ExportSnapshot(
    string ChainId,
    ulong Height,
    IReadOnlyList<BatchRecord> Batches,
    IReadOnlyList<ProjectRecord> Projects,
    IReadOnlyList<CancellationRecord> Cancellations)
{
    public bool SameAs(ExportSnapshot other) =>
        ChainId == other.ChainId && Height == other.Height
        && Batches.SequenceEqual(other.Batches) && Projects.SequenceEqual(other.Projects) && Cancellations.SequenceEqual(other.Cancellations);
}

/// <summary>One page of a List call and the height the node read it at.</summary>
public readonly record struct ExportPage<T>(IReadOnlyList<T> Records, ulong Height);

/// <summary>The List calls an export pages through; the node's gRPC API, or a fake in tests.</summary>
public interface IExportPages
{
    Task<string> ChainIdAsync(CancellationToken cancellation);

    Task<ExportPage<BatchRecord>> BatchesAsync(string after, uint limit, CancellationToken cancellation);

    Task<ExportPage<ProjectRecord>> ProjectsAsync(string after, uint limit, CancellationToken cancellation);

    Task<ExportPage<CancellationRecord>> CancellationsAsync(string after, uint limit, CancellationToken cancellation);
}

/// <summary>
/// Reads an export's records at one committed height (DESIGN §9, seed §17): from a node's data
/// directory through one RocksDB snapshot, or from a node by paging its List calls and starting
/// again whenever a page was read at another height than the first.
/// </summary>
public static class ExportSources
{
    /// <summary>Reads of a whole export before giving up on a chain that keeps moving (or a read-only view that keeps changing).</summary>
    public const int ReadAttemptsMax = 10;

    /// <summary>Records held in memory per table; an export is buffered whole so it can be thrown away when the chain moves.</summary>
    public const int RecordsPerTableMax = 5_000_000;

    /// <summary>Batches and cancellations per page (the node caps it again at its own maximum).</summary>
    public const uint PageLimit = 1_000;

    /// <summary>Projects per page: a project carries every issued period (up to 10,000), so its pages are kept small.</summary>
    public const uint ProjectPageLimit = 100;

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Opens directory read-only beside a running node (docs/DECISIONS.md D13) and reads the export
    /// between two catch-ups. A secondary instance can miss a just-flushed table while it catches up, so
    /// the export is read again after another catch-up and returned only when two reads at the
    /// same height agree.
    /// </summary>
    public static ExportSnapshot ReadData(string directory, ExportKind kind)
    {
        using var store = RocksDbChainStore.OpenReadOnly(directory);
        var chainId = store.Genesis?.ChainId ?? throw new IOException($"the data directory {directory} holds no genesis: it is not a node's data directory");
        ExportSnapshot? previous = null;
        for (var attempt = 0; attempt < ReadAttemptsMax; attempt++)
        {
            var current = ReadStore(store, chainId, kind);
            if (previous is not null && current.SameAs(previous))
            {
                return current;
            }

            previous = current;
            store.CatchUp();
        }

        throw new IOException($"the data directory kept changing over {ReadAttemptsMax} reads (the node is committing fast); try again, or export from a stopped node's directory");
    }

    /// <summary>Pages through a node's List calls; every page must come from the same height, or the export starts again.</summary>
    public static async Task<ExportSnapshot> ReadNodeAsync(Uri node, ExportKind kind, CancellationToken cancellation, FileInfo? ca = null)
    {
        using var channel = NodeConnection.Channel(node, ca, LedgerClientOptions.MessageBytesMaxDefault);
        return await ReadPagesAsync(new NodePages(new ProtocolLedger.LedgerClient(channel)), kind, cancellation);
    }

    public static async Task<ExportSnapshot> ReadPagesAsync(IExportPages pages, ExportKind kind, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pages);
        var chainId = await pages.ChainIdAsync(cancellation);
        for (var attempt = 0; attempt < ReadAttemptsMax; attempt++)
        {
            var heights = new PageHeights();
            var issued = kind == ExportKind.Issued;
            var batches = issued ? await ReadTableAsync(heights, pages.BatchesAsync, b => b.BatchId, PageLimit, cancellation) : [];
            var projects = issued ? await ReadTableAsync(heights, pages.ProjectsAsync, p => p.ProjectId, ProjectPageLimit, cancellation) : [];
            var cancellations = issued ? [] : await ReadTableAsync(heights, pages.CancellationsAsync, c => c.CancellationId, PageLimit, cancellation);
            if (batches is not null && projects is not null && cancellations is not null)
            {
                return new ExportSnapshot(chainId, heights.First!.Value, batches, projects, cancellations);
            }
        }

        throw new IOException($"the chain moved while its lists were read, {ReadAttemptsMax} times in a row; try again when it is quieter, or export from a data directory with --data");
    }

    /// <summary>
    /// A secondary instance changes only when it catches up, so the head and the tables read
    /// between two catch-ups are one point in time. (RocksDB has no snapshots on a secondary: an
    /// iterator given one fails, which is why this reads the store's live view.)
    /// </summary>
    private static ExportSnapshot ReadStore(RocksDbChainStore store, string chainId, ExportKind kind)
    {
        var height = store.Head?.Height ?? throw new IOException($"the data directory {store.Directory} holds no head");
        var issued = kind == ExportKind.Issued;
        return new ExportSnapshot(
            chainId,
            height,
            issued ? Table(store, StateKeys.BatchTable, BatchRecord.Parser) : [],
            issued ? Table(store, StateKeys.ProjectTable, ProjectRecord.Parser) : [],
            issued ? [] : Table(store, StateKeys.CancellationTable, CancellationRecord.Parser));
    }

    private static List<T> Table<T>(RocksDbChainStore store, byte table, MessageParser<T> parser)
        where T : IMessage<T>
    {
        var records = new List<T>();
        foreach (var entry in store.Scan([table]))
        {
            CheckCount(records.Count);
            try
            {
                records.Add(parser.ParseFrom(entry.Value));
            }
            catch (InvalidProtocolBufferException exception)
            {
                throw new StorageCorruptionException($"a state record of table {table} does not parse: {exception.Message}");
            }
        }

        return records;
    }

    /// <summary>Every page of one table in id order, or null as soon as a page is from another height than the first page of the export.</summary>
    private static async Task<List<T>?> ReadTableAsync<T>(
        PageHeights heights, Func<string, uint, CancellationToken, Task<ExportPage<T>>> list, Func<T, string> id, uint limit, CancellationToken cancellation)
    {
        var records = new List<T>();
        var after = "";
        while (true)
        {
            var page = await list(after, limit, cancellation);
            if (!heights.Add(page.Height))
            {
                return null;
            }

            // An empty page ends the table: a short page may only mean the node caps pages lower than we asked.
            if (page.Records.Count == 0)
            {
                return records;
            }

            CheckCount(records.Count + page.Records.Count - 1);
            var next = id(page.Records[^1]);
            if (string.CompareOrdinal(next, after) <= 0)
            {
                throw new IOException($"the node listed '{next}' after '{after}': its list is not in id order");
            }

            records.AddRange(page.Records);
            after = next;
        }
    }

    private static void CheckCount(int count)
    {
        if (count >= RecordsPerTableMax)
        {
            throw new IOException($"more than {RecordsPerTableMax} records in one table: more than one export holds");
        }
    }

    /// <summary>The height of the first page; false for a page from any other.</summary>
    private sealed class PageHeights
    {
        public ulong? First { get; private set; }

        public bool Add(ulong height)
        {
            First ??= height;
            return First == height;
        }
    }

    private sealed class NodePages(ProtocolLedger.LedgerClient client) : IExportPages
    {
        public async Task<string> ChainIdAsync(CancellationToken cancellation) =>
            (await client.GetStatusAsync(new GetStatusRequest(), deadline: Deadline(), cancellationToken: cancellation)).ChainId;

        public async Task<ExportPage<BatchRecord>> BatchesAsync(string after, uint limit, CancellationToken cancellation)
        {
            var reply = await client.ListBatchesAsync(Request(after, limit), deadline: Deadline(), cancellationToken: cancellation);
            return Page(reply.Batches, reply.Height);
        }

        public async Task<ExportPage<ProjectRecord>> ProjectsAsync(string after, uint limit, CancellationToken cancellation)
        {
            var reply = await client.ListProjectsAsync(Request(after, limit), deadline: Deadline(), cancellationToken: cancellation);
            return Page(reply.Projects, reply.Height);
        }

        public async Task<ExportPage<CancellationRecord>> CancellationsAsync(string after, uint limit, CancellationToken cancellation)
        {
            var reply = await client.ListCancellationsAsync(Request(after, limit), deadline: Deadline(), cancellationToken: cancellation);
            return Page(reply.Cancellations, reply.Height);
        }

        private static ListRequest Request(string after, uint limit) => new() { After = after, Limit = limit };

        private static DateTime Deadline() => DateTime.UtcNow + CallTimeout;

        /// <summary>
        /// Genesis holds no batch, project or cancellation, so such records "at height 0" come from a
        /// node too old to name the height of its lists, whose pages could not be checked to agree.
        /// </summary>
        private static ExportPage<T> Page<T>(IReadOnlyList<T> records, ulong height) =>
            height == 0 && records.Count > 0
                ? throw new IOException("the node does not say which height its lists were read at (an older version); export from its data directory with --data")
                : new ExportPage<T>(records, height);
    }
}

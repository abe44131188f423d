using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Storage;
using Spectre.Console;
using Spectre.Console.Rendering;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Cli;

/// <summary>
/// `ledger verify (--data DIR | --node URL) [--genesis FILE] [--json]`: the auditor's replay of a
/// whole chain from its genesis (DESIGN §6) with the same Ledger.Core the nodes run (ChainVerifier).
/// Exit 0 only when every block verified, 1 for the first failure (height, transaction, reason),
/// 2 when the chain could not be read or the command was misused.
/// </summary>
public static class VerifyCommand
{
    public const string Name = "verify";
    public const int VerifiedExitCode = 0;
    public const int FailedExitCode = 1;
    public const int UsageExitCode = 2;

    /// <summary>Redirected output gets a progress line every this many percent of the chain.</summary>
    private const ulong ProgressLinesMax = 20;

    /// <summary>What a run found; the fields of `--json`.</summary>
    public sealed record Outcome(
        bool Verified, ulong Heights, ulong? FailedHeight, string? Problem, int? TransactionIndex, string? TransactionId,
        string HeadHash, string StateRoot, double Seconds, bool GenesisSupplied)
    {
        /// <summary>What the replay checked (zero when nothing was replayed).</summary>
        public VerifyPipeline.Counts Counts { get; init; } = new(0, 0, 0, 0);

        /// <summary>How the replay spent its time (re-executing, waiting for blocks and their checks ahead).</summary>
        public VerifyPipeline.Timings Timings { get; init; } = new(0, 0);

        /// <summary>Seconds to open the data directory (RocksDB replays the node's write-ahead log).</summary>
        public double OpenSeconds { get; init; }

        /// <summary>Seconds to compare the stored state at the end; null when no comparison ran (verification had failed, or no data directory).</summary>
        public double? CompareSeconds { get; init; }

        public int ExitCode => Verified ? VerifiedExitCode : FailedExitCode;
    }

    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "a node's RocksDB data directory (opened read-only; the node may keep running)" };
        var node = StatusCommand.NodeOption();
        node.Required = false;
        node.Description = "a node's URL: blocks are streamed over gRPC (needs --genesis)";
        var genesis = new Option<FileInfo>("--genesis") { Description = "the genesis JSON the auditor trusts (protobuf JSON of ledger.v1.Genesis)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object for scripts" };
        var ca = NodeConnection.CaOption();
        var command = new Command(Name, "re-execute a whole chain from its genesis and check every link, signature, certificate and state root")
        {
            data, node, ca, genesis, json,
        };
        command.SetAction((result, cancellation) =>
            ExecuteAsync(result.GetValue(data), result.GetValue(node), result.GetValue(ca), result.GetValue(genesis), result.GetValue(json), cancellation));
        return command;
    }

    /// <summary>Verifies a data directory; genesis null means "trust the one stored there", which the outcome records.</summary>
    public static async Task<Outcome> VerifyDataAsync(string directory, Genesis? genesis, Action<ulong, ulong>? progress = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        // Only the families the replay reads: RocksDB's replay of the node's write-ahead log skips the rest (D50).
        using var store = RocksDbChainStore.OpenReadOnly(directory, ColumnFamilies.Replayed);
        var opened = Seconds(clock);
        var stored = store.Genesis ?? throw new IOException($"the data directory {directory} holds no genesis: it is not a node's data directory");
        if (genesis is not null && !genesis.Equals(stored))
        {
            return GenesisMismatch();
        }

        // A read-only store is a RocksDB secondary instance: it sees what the node had written when it
        // was opened and nothing later (until CatchUp, never called here), so blocks and state agree
        // with each other however far a running node gets meanwhile. (Secondary instances refuse snapshot iterators.)
        var head = store.Head!.Height;
        var (outcome, replayed) = await ReplayAsync(genesis ?? stored, genesis is not null, head, StoredBlocks(store, head), progress, cancellation);
        outcome = outcome with { OpenSeconds = opened };
        var replayedAt = clock.Elapsed;
        // A missing block makes the store catch up to retry; then its state may be past the replayed head and is not compared.
        // The store's scan comes in key order; the replayed state is compared with it by lookups, unsorted, one key range per core.
        if (!outcome.Verified || store.Head!.Height != head)
        {
            return outcome with { Seconds = Seconds(clock) };
        }

        if (Describe(await StoredStateDifferenceAsync(replayed.Result.State, after => store.Scan([], after), Environment.ProcessorCount)) is not { } difference)
        {
            return outcome with { Seconds = Seconds(clock), CompareSeconds = Math.Round((clock.Elapsed - replayedAt).TotalSeconds, 3) };
        }

        // Every block verified, yet the node's state is not what they imply: the node would answer queries wrongly.
        return outcome with
        {
            Verified = false, FailedHeight = head, Problem = "stored state differs from re-execution: " + difference, Seconds = Seconds(clock),
            CompareSeconds = Math.Round((clock.Elapsed - replayedAt).TotalSeconds, 3),
        };
    }

    private static double Seconds(Stopwatch clock) => Math.Round(clock.Elapsed.TotalSeconds, 3);

    /// <summary>
    /// The first key where a node's stored state and the replayed one differ, or null when they are equal.
    /// The state root commits write sets, not the stored table, so a table edited on disk needs this check.
    /// </summary>
    public static string? StoredStateDifference(IEnumerable<KeyValuePair<byte[], byte[]>> replayed, IEnumerable<KeyValuePair<byte[], byte[]>> stored)
    {
        var comparer = Ledger.Core.State.ByteKeyComparer.Instance;
        using var expected = replayed.OrderBy(e => e.Key, comparer).GetEnumerator();
        using var actual = stored.GetEnumerator();
        var hasExpected = expected.MoveNext();
        var hasActual = actual.MoveNext();
        while (hasExpected || hasActual)
        {
            var order = !hasActual ? -1 : !hasExpected ? 1 : comparer.Compare(expected.Current.Key, actual.Current.Key);
            if (order < 0)
            {
                return Describe((expected.Current.Key, ReplayedState.DifferenceKind.Missing));
            }

            if (order > 0)
            {
                return Describe((actual.Current.Key, ReplayedState.DifferenceKind.Unexpected));
            }

            if (!expected.Current.Value.AsSpan().SequenceEqual(actual.Current.Value))
            {
                return Describe((actual.Current.Key, ReplayedState.DifferenceKind.OtherValue));
            }

            hasExpected = expected.MoveNext();
            hasActual = actual.MoveNext();
        }

        return null;
    }

    /// <summary>
    /// The first key where the stored table (scan(after): its entries after that key, or all, in ascending order)
    /// and the replayed state differ, or null: the same answer as <see cref="ReplayedState.FirstDifference"/> over
    /// the whole table, found by comparing parts key ranges side by side, so every core works at the end too (D45).
    /// </summary>
    public static async Task<(byte[] Key, ReplayedState.DifferenceKind Kind)?> StoredStateDifferenceAsync(
        ReplayedState replayed, Func<byte[]?, IEnumerable<KeyValuePair<byte[], byte[]>>> scan, int parts)
    {
        var splits = replayed.SplitKeys(Math.Clamp(parts, 1, ReplayedState.SplitPartsMax));
        var comparison = replayed.StartComparison();
        var comparer = Ledger.Core.State.ByteKeyComparer.Instance;
        // Range i holds the keys after split i - 1 (all from the first) up to and including split i (all to the last).
        var ranges = Enumerable.Range(0, splits.Count + 1).Select(i => Task.Run(() =>
        {
            var entries = scan(i == 0 ? null : splits[i - 1]);
            return comparison.Compare(i == splits.Count ? entries : entries.TakeWhile(e => comparer.Compare(e.Key, splits[i]) <= 0));
        }));
        return comparison.Finish(await Task.WhenAll(ranges));
    }

    /// <summary>What a state difference means for the auditor, naming the key; null for none.</summary>
    internal static string? Describe((byte[] Key, ReplayedState.DifferenceKind Kind)? difference) => difference switch
    {
        null => null,
        ({ } key, ReplayedState.DifferenceKind.Missing) => $"{DescribeKey(key)} is missing from the stored state",
        ({ } key, ReplayedState.DifferenceKind.Unexpected) => $"{DescribeKey(key)} is stored but no transaction wrote it",
        ({ } key, _) => $"{DescribeKey(key)} holds another value than re-execution gives",
    };

    /// <summary>"batch ORD-P-…", "balance trader-1/ORD-P-…": the table and the ids of a state key.</summary>
    private static string DescribeKey(byte[] key)
    {
        var table = Ledger.Core.State.StateKeys.TableName(key[0]);
        var rest = key.AsSpan(1);
        var printable = rest.ToArray().All(b => b == 0 || b is >= 0x20 and < 0x7f);
        var id = printable ? System.Text.Encoding.ASCII.GetString(rest).Replace('\0', '/') : Convert.ToHexStringLower(rest);
        return $"state key {table} {id}";
    }

    /// <summary>Verifies what a node serves, from height 1 to the head it reports when asked.</summary>
    public static async Task<Outcome> VerifyNodeAsync(Uri node, Genesis genesis, Action<ulong, ulong>? progress = null, CancellationToken cancellation = default, FileInfo? ca = null)
    {
        using var channel = NodeConnection.Channel(node, ca, Ledger.Client.LedgerClientOptions.MessageBytesMaxDefault);
        var client = new ProtocolLedger.LedgerClient(channel);
        var status = await client.GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellation);
        return (await ReplayAsync(genesis, true, status.Height, StreamedBlocks(client, status.Height, cancellation), progress, cancellation)).Outcome;
    }

    private static async Task<int> ExecuteAsync(DirectoryInfo? data, Uri? node, FileInfo? ca, FileInfo? genesisFile, bool json, CancellationToken cancellation)
    {
        if ((data is null) == (node is null))
        {
            return Usage("give exactly one of --data DIR or --node URL");
        }

        if (node is not null && genesisFile is null)
        {
            return Usage("--node needs --genesis FILE: an auditor brings the genesis it trusts, never takes it from the node it checks");
        }

        try
        {
            var genesis = genesisFile is null ? null : LoadGenesis(genesisFile);
            var outcome = await WithProgressAsync(json, progress =>
                data is not null ? VerifyDataAsync(data.FullName, genesis, progress, cancellation) : VerifyNodeAsync(node!, genesis!, progress, cancellation, ca));
            Print(outcome, json);
            return outcome.ExitCode;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or StorageException or RocksDbSharp.RocksDbException or RpcException or InvalidProtocolBufferException)
        {
            Console.Error.WriteLine(NodeConnection.Explain($"ledger verify: {exception.Message}"));
            return UsageExitCode;
        }
    }

    private static Genesis LoadGenesis(FileInfo file) => JsonParser.Default.Parse<Genesis>(File.ReadAllText(file.FullName));

    private static int Usage(string message)
    {
        Console.Error.WriteLine($"ledger verify: {message}");
        return UsageExitCode;
    }

    /// <summary>Feeds blocks to one replay through <see cref="VerifyPipeline"/>; a source that ends before the head leaves the next height missing.</summary>
    private static async Task<(Outcome Outcome, ChainVerifier.Replay Replay)> ReplayAsync(
        Genesis genesis, bool genesisSupplied, ulong head, IAsyncEnumerable<(Block Block, CommitCertificate? Certificate)?> blocks, Action<ulong, ulong>? progress, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var run = await VerifyPipeline.RunAsync(genesis, head, blocks, progress, cancellation);
        var outcome = ToOutcome(run.Replay, run.Unreadable ?? run.Replay.FirstFailure, clock.Elapsed, genesisSupplied) with { Counts = run.Counts, Timings = run.Timings };
        return (outcome, run.Replay);
    }

    private static async IAsyncEnumerable<(Block Block, CommitCertificate? Certificate)?> StoredBlocks(RocksDbChainStore store, ulong head)
    {
        for (var height = 1UL; height <= head; height++)
        {
            yield return store.GetBlock(height) is { } block ? (block, store.GetCertificate(height)) : null;
        }

        await Task.CompletedTask;
    }

    /// <summary>The node's stream from height 1, stopped at the head it reported (the stream itself follows new blocks for ever).</summary>
    private static async IAsyncEnumerable<(Block Block, CommitCertificate? Certificate)?> StreamedBlocks(
        ProtocolLedger.LedgerClient client, ulong head, [EnumeratorCancellation] CancellationToken cancellation)
    {
        if (head == 0)
        {
            yield break;
        }

        using var stream = client.StreamBlocks(new StreamBlocksRequest { FromHeight = 1 }, cancellationToken: cancellation);
        await foreach (var reply in stream.ResponseStream.ReadAllAsync(cancellation))
        {
            yield return reply.Block is { } block ? (block, reply.Certificate) : null;
            if (reply.Block?.Header?.Height >= head)
            {
                yield break;
            }
        }
    }

    private static Outcome GenesisMismatch() => new(
        false, 0, 0, "genesis mismatch: the data directory was initialised with another genesis than the one supplied", null, null,
        "", "", 0, true);

    private static Outcome ToOutcome(ChainVerifier.Replay replay, ChainVerifier.Failure? failure, TimeSpan elapsed, bool genesisSupplied) => new(
        failure is null,
        replay.Head.Height,
        failure?.Height,
        failure?.Reason,
        failure?.TransactionIndex,
        failure?.TransactionId,
        Convert.ToHexStringLower(replay.Head.HeaderHash),
        Convert.ToHexStringLower(replay.StateRoot),
        Math.Round(elapsed.TotalSeconds, 3),
        genesisSupplied);

    /// <summary>A progress bar with blocks/s on a terminal; a few plain lines when redirected; nothing with --json.</summary>
    private static async Task<Outcome> WithProgressAsync(bool json, Func<Action<ulong, ulong>, Task<Outcome>> run)
    {
        if (json)
        {
            return await run((_, _) => { });
        }

        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            return await run(PlainProgress());
        }

        return await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new BlocksPerSecondColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("verifying blocks", autoStart: true, maxValue: 1);
                return await run((height, head) =>
                {
                    task.MaxValue = Math.Max(1, head);
                    task.Value = height;
                });
            });
    }

    private static Action<ulong, ulong> PlainProgress()
    {
        var clock = Stopwatch.StartNew();
        return (height, head) =>
        {
            var step = Math.Max(1, head / ProgressLinesMax);
            if (height % step == 0 || height == head)
            {
                var rate = height / Math.Max(clock.Elapsed.TotalSeconds, 0.001);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"verified {height}/{head} blocks ({rate:F0} blocks/s)"));
            }
        };
    }

    private static void Print(Outcome outcome, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                verified = outcome.Verified,
                heights = outcome.Heights,
                failedHeight = outcome.FailedHeight,
                problem = outcome.Problem,
                transactionIndex = outcome.TransactionIndex,
                transactionId = outcome.TransactionId,
                headHash = outcome.HeadHash,
                stateRoot = outcome.StateRoot,
                seconds = outcome.Seconds,
                genesisSupplied = outcome.GenesisSupplied,
                transactions = outcome.Counts.Transactions,
                signatures = outcome.Counts.Signatures,
                signaturesVerifiedAhead = outcome.Counts.SignaturesVerifiedAhead,
                certificateSignatures = outcome.Counts.CertificateSignatures,
                replaySeconds = outcome.Timings.ReplaySeconds,
                replayWaitSeconds = outcome.Timings.WaitSeconds,
                openSeconds = outcome.OpenSeconds,
                compareSeconds = outcome.CompareSeconds,
                // The process's CPU time so far (all threads, start-up included): steadier than seconds on a busy machine.
                cpuSeconds = Math.Round(Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, 3),
            }));
            return;
        }

        if (!outcome.GenesisSupplied)
        {
            Console.WriteLine("warning: no --genesis given: the genesis stored in the data directory was trusted, not independently supplied");
        }

        Console.WriteLine(outcome.Verified ? Verified(outcome) : Failed(outcome));
    }

    private static string Verified(Outcome outcome) => string.Create(
        CultureInfo.InvariantCulture,
        $"verified: {outcome.Heights} blocks ({outcome.Counts.Transactions} transactions, {outcome.Counts.Signatures} signatures, {outcome.Counts.CertificateSignatures} certificate signatures) in {outcome.Seconds:F1} s; head {outcome.HeadHash}, state root {outcome.StateRoot}");

    private static string Failed(Outcome outcome)
    {
        var transaction = outcome.TransactionIndex is { } index ? $", transaction {index} ({outcome.TransactionId})" : "";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"NOT VERIFIED at height {outcome.FailedHeight}{transaction}: {outcome.Problem}\n({outcome.Heights} blocks verified before it; last verified head {outcome.HeadHash})");
    }

    /// <summary>Spectre's speed column counts bytes; the auditor wants blocks.</summary>
    private sealed class BlocksPerSecondColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Speed ?? 0:F0} blocks/s"));
    }
}

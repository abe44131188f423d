using System.Collections.Concurrent;
using Ledger.Cli;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Ledger.Node.Chain;
using Ledger.Node.Consensus;
using Ledger.Node.Mempool;
using Ledger.Node.Observability;
using Ledger.Node.Options;
using Ledger.Storage;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ledger.Integration.Tests;

/// <summary>
/// D31 at the storage seam (runs everywhere, no mount needed): the real node components (NodeChain
/// on a real RocksDB, Mempool, SoloConsensus, ConsensusHost) with the store's single commit write
/// failing as RocksDB fails on a full or read-only disk. The block is not applied, the store stays
/// at the old head and verifies, the host stops the application with a log line naming the fault
/// and the directory and exit code 74, and the same directory commits once the disk is fine again.
/// </summary>
public sealed class StorageFaultTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ledger-fault-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Genesis _genesis;
    private readonly TestLedger _ledger = new();

    public StorageFaultTests()
    {
        _genesis = _ledger.Genesis.Clone();
        _genesis.Validators.Clear();
        _genesis.Validators.Add(new Validator { ValidatorId = NodeProcess.ValidatorId, PublicKey = TestKeys.For(NodeProcess.ValidatorId).ToPublicKey(), Power = 1 });
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("No space left on device", 28, "disk full")]
    [InlineData("Read-only file system", 30, "read-only disk")]
    public async Task A_failed_commit_write_stops_the_node_with_nothing_of_the_block_written(string reason, int errno, string fault)
    {
        var envelope = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-fault"));
        var exitCode = Environment.ExitCode;
        try
        {
            await using (var node = new InProcessNode(_directory, _genesis))
            {
                node.Store.BeforeWrite = _ => throw new IOException($"IO error: {reason}: While appending to file: {_directory}/000009.log", errno);
                Assert.Equal(RejectionCode.Unspecified, node.Mempool.Admit(envelope).Code);
                await node.Host.StartAsync(CancellationToken.None);
                await node.Lifetime.Stopped.WaitAsync(TimeSpan.FromSeconds(30));

                Assert.Equal(StorageFault.ExitCode, Environment.ExitCode);
                var line = Assert.Single(node.Lines, l => l.StartsWith(fault + ": ", StringComparison.Ordinal));
                Assert.Contains(Path.GetFullPath(_directory), line);
                Assert.Contains(reason, line);
                Assert.Contains("stopping the node", line);
                Assert.Equal(0UL, node.Chain.Head.Height);
                Assert.Equal(0UL, node.Store.Head!.Height);
                Assert.Null(node.Store.GetBlock(1));
                await node.Host.StopAsync(CancellationToken.None);
            }

            Environment.ExitCode = exitCode;
            var outcome = await VerifyCommand.VerifyDataAsync(_directory, _genesis);
            Assert.True(outcome.Verified, outcome.Problem);
            Assert.Equal(0UL, outcome.Heights);

            // Space is back: the same directory starts and commits the transaction.
            await using (var node = new InProcessNode(_directory, _genesis))
            {
                Assert.Equal(RejectionCode.Unspecified, node.Mempool.Admit(envelope).Code);
                await node.Host.StartAsync(CancellationToken.None);
                await node.Chain.NextCommit.WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(1UL, node.Store.Head!.Height);
                await node.Host.StopAsync(CancellationToken.None);
                Assert.False(node.Lifetime.Stopped.IsCompleted);
            }

            outcome = await VerifyCommand.VerifyDataAsync(_directory, _genesis);
            Assert.True(outcome.Verified, outcome.Problem);
            Assert.Equal(1UL, outcome.Heights);
        }
        finally
        {
            // The test process must not exit with the node's code.
            Environment.ExitCode = exitCode;
        }
    }

    [Theory]
    [InlineData("IO error: No space left on device: While appending to file: /x/000004.log", "disk full")]
    [InlineData("IO error: While open a file for appending: /x/000004.log: Read-only file system", "read-only disk")]
    [InlineData("IO error: Input/output error", "storage failure")]
    public void Storage_faults_are_named_by_their_cause(string message, string fault)
    {
        Assert.Equal(fault, StorageFault.Describe(new IOException(message)));
        Assert.Equal(fault, StorageFault.Describe(new InvalidOperationException("commit failed", new IOException(message))));
        Assert.Null(StorageFault.Describe(new InvalidOperationException(message)));
    }
}

/// <summary>A node's parts as Program.cs wires them, in this process, without the gRPC server.</summary>
internal sealed class InProcessNode : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public InProcessNode(string directory, Genesis genesis)
    {
        _services = new ServiceCollection().AddMetrics().AddLogging(l => l.AddProvider(new LineCollector(Lines))).BuildServiceProvider();
        var options = Microsoft.Extensions.Options.Options.Create(new NodeOptions { NodeId = NodeProcess.ValidatorId, DataDirectory = directory, BlockIntervalMs = 10 });
        var metrics = new NodeMetrics(_services.GetRequiredService<IMeterFactory>());
        var logs = _services.GetRequiredService<ILoggerFactory>();
        Store = RocksDbChainStore.Open(directory);
        Chain = new NodeChain(Store, genesis, new SignatureCache(capacity: 1_000));
        Mempool = new Ledger.Node.Mempool.Mempool(Chain, new TransactionTracker(Chain), TimeProvider.System, metrics, options);
        var solo = new SoloConsensus(Chain, Mempool, TestKeys.For(NodeProcess.ValidatorId), TimeProvider.System, metrics, options, logs.CreateLogger<SoloConsensus>());
        Host = new ConsensusHost(solo, Lifetime, options, logs.CreateLogger<ConsensusHost>());
    }

    public ConcurrentQueue<string> Lines { get; } = new();

    public RocksDbChainStore Store { get; }

    public NodeChain Chain { get; }

    public Ledger.Node.Mempool.Mempool Mempool { get; }

    public ConsensusHost Host { get; }

    public StoppingLifetime Lifetime { get; } = new();

    public async ValueTask DisposeAsync()
    {
        Host.Dispose();
        Chain.Dispose();
        await _services.DisposeAsync();
    }
}

internal sealed class StoppingLifetime : IHostApplicationLifetime
{
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Stopped => _stopped.Task;

    public CancellationToken ApplicationStarted => CancellationToken.None;

    public CancellationToken ApplicationStopping => CancellationToken.None;

    public CancellationToken ApplicationStopped => CancellationToken.None;

    public void StopApplication() => _stopped.TrySetResult();
}

internal sealed class LineCollector(ConcurrentQueue<string> lines) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Collector(lines);

    public void Dispose()
    {
    }

    private sealed class Collector(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(formatter(state, exception));
    }
}

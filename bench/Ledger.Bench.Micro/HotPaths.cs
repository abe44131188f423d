using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Storage;

namespace Ledger.Bench.Micro;

/// <summary>Per-transaction hot paths on a populated state: decode, id, signatures, the admission check, apply.</summary>
[MemoryDiagnoser]
public class TransactionPaths
{
    private MicroChain _chain = null!;
    private byte[] _encoded = null!;
    private Envelope _transfer = null!;
    private INetworkHash _hash = null!;
    private byte[] _message = null!;
    private byte[] _ed25519Key = null!;
    private byte[] _ed25519Signature = null!;
    private byte[] _sm2Key = null!;
    private byte[] _sm2Signature = null!;

    [GlobalSetup]
    public void Setup()
    {
        _chain = new MicroChain();
        _transfer = _chain.Transfers[0];
        _encoded = _transfer.ToByteArray();
        _hash = NetworkHashes.For(HashAlgorithm.Sha256);
        _message = SignBytes.For(_transfer);
        using var ed25519 = SigningKey.FromSeed(KeyAlgorithm.Ed25519, new byte[32]);
        _ed25519Key = ed25519.PublicKeyBytes;
        _ed25519Signature = ed25519.Sign(_message);
        var seed = new byte[32];
        seed[31] = 7;
        using var sm2 = SigningKey.FromSeed(KeyAlgorithm.Sm2, seed);
        _sm2Key = sm2.PublicKeyBytes;
        _sm2Signature = sm2.Sign(_message);
    }

    [Benchmark(Description = "envelope decode + transaction id")]
    public byte[] DecodeAndId() => SignBytes.TransactionId(_hash, Envelope.Parser.ParseFrom(_encoded));

    [Benchmark(Description = "Ed25519 verify")]
    public bool VerifyEd25519() => Ed25519Suite.Instance.Verify(_ed25519Key, _message, _ed25519Signature);

    [Benchmark(Description = "SM2 verify")]
    public bool VerifySm2() => Sm2Suite.Instance.Verify(_sm2Key, _message, _sm2Signature);

    [Benchmark(Description = "Check of a signed transfer (3 signatures)")]
    public Receipt Check() => _chain.Ledger.Machine.Check(_chain.Ledger.Store, _chain.NextContext, _transfer);

    [Benchmark(Description = "Apply of a signed transfer (3 signatures)")]
    public Receipt Apply() => _chain.Ledger.Machine.StartBlock(_chain.Ledger.Store, _chain.NextContext).Apply(_transfer);
}

/// <summary>A block of 1,000 transfers: executing it, its state root, and storing it in RocksDB.</summary>
public class BlockPaths
{
    private MicroChain _chain = null!;
    private LedgerStateMachine.BlockSession _applied = null!;
    private List<Receipt> _receipts = null!;

    [GlobalSetup]
    public void Setup()
    {
        _chain = new MicroChain();
        _applied = _chain.Ledger.Machine.StartBlock(_chain.Ledger.Store, _chain.NextContext);
        _receipts = _chain.Transfers.Select(_applied.Apply).ToList();
    }

    [Benchmark(Description = "apply + state root of 1,000 transfers")]
    public BlockExecution ApplyBlock() => _chain.Ledger.Machine.ApplyBlock(_chain.Ledger.Store, _chain.NextContext, _chain.Transfers);

    [Benchmark(Description = "state root of a block of 1,000 transfers (seal)")]
    public BlockExecution StateRoot() => _applied.Seal(_receipts);
}

/// <summary>RocksDbChainStore.CommitBlock of a block of 1,000 transfers (one synced WriteBatch), on a fresh store each time.</summary>
[SimpleJob(invocationCount: 1, iterationCount: 15, warmupCount: 2)]
public class StorageCommit
{
    private MicroChain _chain = null!;
    private (ExecutedBlock Block, CommitCertificate Certificate) _block;
    private RocksDbChainStore? _store;
    private string _directory = "";

    [GlobalSetup]
    public void Setup()
    {
        _chain = new MicroChain();
        _block = _chain.Propose(_chain.Transfers);
    }

    [IterationSetup]
    public void OpenStore()
    {
        _directory = Path.Combine(Path.GetTempPath(), "ledger-micro-" + Guid.NewGuid().ToString("N"));
        _store = RocksDbChainStore.Open(_directory);
        _store.InitializeGenesis(_chain.Ledger.Genesis, _chain.GenesisState);
        foreach (var (block, certificate) in _chain.Blocks)
        {
            _store.CommitBlock(block, certificate);
        }
    }

    [Benchmark(Description = "RocksDB commit of a block of 1,000 transfers")]
    public void Commit() => _store!.CommitBlock(_block.Block, _block.Certificate);

    [IterationCleanup]
    public void CloseStore()
    {
        _store?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>
/// Execution without signature work, as in the node: the same transfer and scenario chunks through a
/// state machine whose signature cache already holds their signatures (warmed in setup).
/// </summary>
[MemoryDiagnoser]
public class WarmPaths
{
    private MicroChain _transfers = null!;
    private LedgerStateMachine _transferMachine = null!;
    private ScenarioChain _scenario = null!;
    private LedgerStateMachine _scenarioMachine = null!;

    [GlobalSetup]
    public void Setup()
    {
        _transfers = new MicroChain();
        var cache = new WarmCache();
        _transferMachine = new LedgerStateMachine(_transfers.Ledger.Machine.Parameters, cache);
        foreach (var transfer in _transfers.Transfers)
        {
            EnvelopeVerifier.Warm(_transfers.Ledger.Store, _transferMachine.Parameters.Hash, transfer, cache);
        }

        _scenario = new ScenarioChain();
        var scenarioCache = new WarmCache();
        _scenarioMachine = new LedgerStateMachine(_scenario.Ledger.Machine.Parameters, scenarioCache);
        foreach (var chunk in _scenario.Chunks)
        {
            EnvelopeVerifier.Warm(_scenario.Ledger.Store, _scenarioMachine.Parameters.Hash, chunk, scenarioCache);
        }
    }

    [Benchmark(Description = "Check of a transfer, signatures cached")]
    public Receipt CheckTransfer() => _transferMachine.Check(_transfers.Ledger.Store, _transfers.NextContext, _transfers.Transfers[0]);

    [Benchmark(Description = "Apply of a transfer, signatures cached")]
    public Receipt ApplyTransfer() => _transferMachine.StartBlock(_transfers.Ledger.Store, _transfers.NextContext).Apply(_transfers.Transfers[0]);

    [Benchmark(Description = "apply + state root of 1,000 transfers, signatures cached")]
    public BlockExecution ApplyTransferBlock() => _transferMachine.ApplyBlock(_transfers.Ledger.Store, _transfers.NextContext, _transfers.Transfers);

    [Benchmark(Description = "Check of a chunk of 600 behaviour records, signature cached")]
    public Receipt CheckChunk() => _scenarioMachine.Check(_scenario.Ledger.Store, _scenario.NextContext, _scenario.Chunks[0]);

    [Benchmark(Description = "apply + state root of 33 chunks (19,800 records), signatures cached")]
    public BlockExecution ApplyChunkBlock() => _scenarioMachine.ApplyBlock(_scenario.Ledger.Store, _scenario.NextContext, _scenario.Chunks);
}

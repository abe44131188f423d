using Google.Protobuf;
using Ledger.Core;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using RocksDbSharp;

namespace Ledger.Storage;

/// <summary>
/// A node's chain in RocksDB (DESIGN §8): blocks, certificates, receipts, the transaction index,
/// the state and the head, each committed block in ONE synced WriteBatch, so a crash at any point
/// leaves the old height or the new one, never a mix. Nothing here ever deletes chain data.
/// <para>
/// Threads: one writer (the node's commit path; writes are also serialised by a lock, so a second
/// writer is safe but pointless) and any number of concurrent readers. RocksDB applies a WriteBatch
/// atomically for readers too, and the head is written in the same batch as its block, so a reader
/// that reads the head and then that height's block, receipts or state always finds them. Single
/// state reads see the latest commit; a query that reads several keys and needs them to agree takes
/// a <see cref="ChainSnapshot"/>. Dispose only after readers are done.
/// </para>
/// </summary>
public sealed class RocksDbChainStore : IDisposable
{
    private readonly RocksDbHandle _handle;
    private readonly OwnedReadOptions _liveReads = new();
    private readonly ChainReader _live;
    private readonly Lock _writeGate = new();
    private Genesis? _genesis;

    private RocksDbChainStore(RocksDbHandle handle)
    {
        _handle = handle;
        _live = new ChainReader(handle, _liveReads);
        CheckFormat();
    }

    public string Directory => _handle.Directory;

    /// <summary>Test seam: the native read options of the live (latest committed) reads.</summary>
    internal ReadOptions LiveReads => _liveReads;

    /// <summary>Opened with <see cref="OpenReadOnly"/>: reads only, and sees new commits after <see cref="CatchUp"/>.</summary>
    public bool IsReadOnly => _handle.IsReadOnly;

    /// <summary>The last committed block; height 0 with a zero hash after genesis; null before genesis.</summary>
    public ChainHead? Head => _live.Head;

    /// <summary>The genesis this directory was initialised with (a copy), or null before genesis.</summary>
    public Genesis? Genesis => LoadGenesis()?.Clone();

    /// <summary>The committed state. Get returns null for a missing key.</summary>
    public IStateView State => _live.State;

    /// <summary>Test seam: runs just before a commit's single Write; throwing from it is a crash before the write.</summary>
    internal Action<WriteBatch>? BeforeWrite { get; set; }

    /// <summary>
    /// Test seam for the auditor's tamper tests: replaces (null: deletes) the stored block and
    /// certificate of a height, bypassing every check, as an attacker with the disk would.
    /// </summary>
    internal void TamperForTest(ulong height, Block? block, CommitCertificate? certificate)
    {
        ThrowIfReadOnly();
        var key = StorageKeys.Height(height);
        using var batch = new WriteBatch();
        _ = block is null ? batch.Delete(key, _handle.Family(ColumnFamilies.Blocks)) : batch.Put(key, block.ToByteArray(), _handle.Family(ColumnFamilies.Blocks));
        _ = certificate is null ? batch.Delete(key, _handle.Family(ColumnFamilies.Certificates)) : batch.Put(key, certificate.ToByteArray(), _handle.Family(ColumnFamilies.Certificates));
        Write(batch);
    }

    /// <summary>Test seam: puts (or deletes, value null) one state entry behind the chain's back, as a disk edit would.</summary>
    internal void TamperStateForTest(byte[] key, byte[]? value)
    {
        ThrowIfReadOnly();
        using var batch = new WriteBatch();
        _ = value is null ? batch.Delete(key, _handle.Family(ColumnFamilies.State)) : batch.Put(key, value, _handle.Family(ColumnFamilies.State));
        Write(batch);
    }

    /// <summary>Opens directory for writing, creating it and every column family if missing. One writer per directory.</summary>
    public static RocksDbChainStore Open(string directory) =>
        Guarded(RocksDbHandle.OpenPrimary(directory, ColumnFamilies.All));

    /// <summary>
    /// Opens directory for reading while a node may be writing it (the auditor's `ledger verify --data`),
    /// as a RocksDB secondary instance (see RocksDbHandle.OpenSecondary). It sees what was committed
    /// when it opened; <see cref="CatchUp"/> brings it forward.
    /// </summary>
    public static RocksDbChainStore OpenReadOnly(string directory) => OpenReadOnly(directory, ColumnFamilies.All);

    /// <summary>
    /// <see cref="OpenReadOnly(string)"/> with only families open (at least <see cref="ColumnFamilies.Replayed"/>'s):
    /// RocksDB's replay of the write-ahead log at open skips the others' records (D50). Reading a family not opened throws.
    /// </summary>
    public static RocksDbChainStore OpenReadOnly(string directory, IReadOnlyList<string> families)
    {
        if (ColumnFamilies.Replayed.Except(families).Any() || families.Except(ColumnFamilies.All).Any())
        {
            throw new ArgumentException("a read-only store opens at least the families of ColumnFamilies.Replayed, and only known ones", nameof(families));
        }

        var store = Guarded(RocksDbHandle.OpenSecondary(directory, families));
        try
        {
            store.CatchUp();
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Read-only stores: see the blocks the writing node committed since open or the last call.</summary>
    public void CatchUp() => _handle.CatchUp();

    public ChainSnapshot OpenSnapshot() => new(_handle);

    public Block? GetBlock(ulong height) => ReadCommitted(height, () => _live.GetBlock(height));

    public CommitCertificate? GetCertificate(ulong height) => ReadCommitted(height, () => _live.GetCertificate(height));

    public IReadOnlyList<Receipt>? GetReceipts(ulong height) => ReadCommitted(height, () => _live.GetReceipts(height));

    public (ulong Height, int Index)? FindTransaction(ReadOnlySpan<byte> transactionId) => _live.FindTransaction(transactionId);

    /// <summary>State entries under prefix in key order, after the given key, at most limit (see <see cref="RocksDbState.Scan"/>).</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Scan(byte[] prefix, byte[]? after = null, int limit = int.MaxValue) =>
        _live.State.Scan(prefix, after, limit);

    /// <summary>
    /// Stores genesis and the state it describes in one synced batch. Idempotent for the same
    /// genesis; a different one means the wrong genesis file for this directory.
    /// </summary>
    public void InitializeGenesis(Genesis genesis, BlockExecution genesisState)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        ArgumentNullException.ThrowIfNull(genesisState);
        ThrowIfReadOnly();
        lock (_writeGate)
        {
            if (LoadGenesis() is { } stored)
            {
                ThrowIfDifferent(stored, genesis);
                return;
            }

            CheckGenesisState(genesisState);
            using var batch = GenesisBatch(genesis, genesisState);
            Write(batch);
        }
    }

    /// <summary>Commits a final block: block, certificate, state changes, receipts, index and head in one synced batch.</summary>
    public void CommitBlock(ExecutedBlock block, CommitCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(certificate);
        ThrowIfReadOnly();
        lock (_writeGate)
        {
            var head = _live.Head;
            var genesis = LoadGenesis();
            Invariant.Require(head is not null && genesis is not null, "genesis is stored before the first block");
            var transactionIds = CheckFollows(head!, genesis!, block, certificate);
            using var batch = BlockBatch(block, certificate, transactionIds);
            Write(batch);
        }
    }

    /// <summary>
    /// A RocksDB checkpoint of the live directory in directory (which must not exist yet): an openable
    /// copy as of one moment, so its head, blocks and state agree (each block was one WriteBatch).
    /// Table files are hard links when directory is on the same file system, so it is cheap.
    /// </summary>
    public void Checkpoint(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ThrowIfReadOnly();
        try
        {
            using var checkpoint = _handle.Db.Checkpoint();
            // 0: always flush the memtables first, so the copy needs no write-ahead log of the live directory.
            checkpoint.Save(directory, 0);
        }
        catch (RocksDbException e)
        {
            throw new StorageException(Directory, $"cannot make a checkpoint in {directory}: {e.Message}", e);
        }
    }

    /// <summary>Consensus log and signer state (DESIGN §7): opaque to this store.</summary>
    public byte[]? GetConsensus(byte[] key)
    {
        CheckConsensusKey(key);
        return _live.Read(ColumnFamilies.Consensus, key, StorageLimits.ConsensusValueBytesMax, "a consensus record");
    }

    /// <summary>sync: true makes the record durable before this returns (signer state, own votes before broadcast).</summary>
    public void PutConsensus(byte[] key, byte[] value, bool sync)
    {
        CheckConsensusKey(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value.LongLength, StorageLimits.ConsensusValueBytesMax, nameof(value));
        ThrowIfReadOnly();
        _handle.Db.Put(key, value, _handle.Family(ColumnFamilies.Consensus), sync ? RocksDbHandle.Synced : RocksDbHandle.Unsynced);
    }

    /// <summary>Synced, so a pruned record never reappears after a crash.</summary>
    public void DeleteConsensus(byte[] key)
    {
        CheckConsensusKey(key);
        ThrowIfReadOnly();
        _handle.Db.Remove(key, _handle.Family(ColumnFamilies.Consensus), RocksDbHandle.Synced);
    }

    public void Dispose()
    {
        _handle.Dispose();
        _liveReads.Dispose();
    }

    private static RocksDbChainStore Guarded(RocksDbHandle handle)
    {
        try
        {
            return new RocksDbChainStore(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A height at or below the head always has its block: they are written in one batch. A
    /// secondary instance can still miss some while it opens or catches up during the writer's
    /// memtable flush (a write-ahead log deleted between its reading the manifest and the log;
    /// seen in a two-process test under heavy flushing). Catching up again installs the flushed
    /// table that holds them, so a read-only store does that, a bounded number of times, before it
    /// reports the block missing.
    /// </summary>
    private T? ReadCommitted<T>(ulong height, Func<T?> read)
        where T : class
    {
        var value = read();
        for (var attempt = 0; value is null && IsReadOnly && attempt < StorageLimits.ReadOnlyCatchUpAttemptsMax && height > 0 && height <= (Head?.Height ?? 0); attempt++)
        {
            CatchUp();
            value = read();
        }

        return value;
    }

    private void CheckFormat()
    {
        var format = _live.Format;
        if (format is null && _live.Genesis is not null)
        {
            throw new StorageException(Directory, "the directory has a genesis but no storage format");
        }

        if (format is { } version && version != StorageKeys.FormatVersion)
        {
            throw new StorageException(Directory, $"storage format {version} is not the format {StorageKeys.FormatVersion} this version reads");
        }
    }

    private Genesis? LoadGenesis()
    {
        // Once stored, genesis never changes, so caching it is safe; a reference write is atomic.
        _genesis ??= _live.Genesis;
        return _genesis;
    }

    private void ThrowIfDifferent(Genesis stored, Genesis genesis)
    {
        if (!stored.Equals(genesis))
        {
            throw new InvalidOperationException(
                $"the data directory {Directory} holds chain '{stored.ChainId}' from another genesis than the one given (chain '{genesis.ChainId}')");
        }
    }

    private static void CheckGenesisState(BlockExecution genesisState)
    {
        Invariant.Require(genesisState.Receipts.Count == 0, "genesis has no transactions");
        Invariant.Require(
            genesisState.Changes.TryGet(StateKeys.StateRoot, out var root) && root.AsSpan().SequenceEqual(genesisState.StateRoot),
            "the genesis changes carry their state root");
    }

    private WriteBatch GenesisBatch(Genesis genesis, BlockExecution genesisState)
    {
        var bytes = genesis.ToByteArray();
        Invariant.Require(bytes.Length <= StorageLimits.GenesisBytesMax, "genesis is at most GenesisBytesMax bytes");
        var meta = _handle.Family(ColumnFamilies.Meta);
        return Filled(batch =>
        {
            batch.Put(StorageKeys.Format, StorageKeys.FormatValue(), meta)
                .Put(StorageKeys.Genesis, bytes, meta)
                .Put(StorageKeys.ChainId, System.Text.Encoding.UTF8.GetBytes(genesis.ChainId), meta)
                .Put(StorageKeys.Head, StorageKeys.HeadValue(ChainHead.Genesis(genesis)), meta);
            RocksDbState.AddTo(batch, _handle.Family(ColumnFamilies.State), genesisState.Changes);
        });
    }

    /// <summary>A new batch filled by fill; freed here if fill throws (a broken invariant), so no native batch is left behind.</summary>
    internal static WriteBatch Filled(Action<WriteBatch> fill)
    {
        var batch = new WriteBatch();
        try
        {
            fill(batch);
            return batch;
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    /// <summary>The preconditions of a commit; returns the block's transaction ids, in order.</summary>
    private IReadOnlyList<byte[]> CheckFollows(ChainHead head, Genesis genesis, ExecutedBlock executed, CommitCertificate certificate)
    {
        var header = executed.Block.Header;
        var hash = NetworkHashes.For(genesis.HashAlgorithm);
        Invariant.Require(header is not null && header.ChainId == genesis.ChainId, "the block is for this chain");
        Invariant.Require(header!.Height == head.Height + 1, $"block {header.Height} follows the head at height {head.Height}");
        Invariant.Require(header.PreviousHeaderHash.Span.SequenceEqual(head.HeaderHash), $"block {header.Height}'s parent is the head");
        Invariant.Require(header.TimeMs > head.TimeMs, "block time advances");
        Invariant.Require(BlockHashing.HeaderHash(hash, header).AsSpan().SequenceEqual(executed.HeaderHash), "the header hash is the header's");
        Invariant.Require(certificate.Height == header.Height && certificate.BlockHash.Span.SequenceEqual(executed.HeaderHash), "the certificate is for this block");
        Invariant.Require(executed.Execution.StateRoot.AsSpan().SequenceEqual(header.StateRoot.Span), "the execution gives the header's state root");
        return TransactionIds(hash, executed);
    }

    /// <summary>
    /// Ids from the envelopes (the receipts must agree), each new to the index: §5 rule 6 makes a
    /// transaction commit once, and an index entry overwritten would point at the wrong block for ever.
    /// </summary>
    private List<byte[]> TransactionIds(INetworkHash hash, ExecutedBlock executed)
    {
        var envelopes = executed.Block.Transactions;
        var receipts = executed.Execution.Receipts;
        Invariant.Require(envelopes.Count == receipts.Count && envelopes.Count <= Blocks.TransactionsPerBlockMax, "one receipt per transaction");
        var seen = new HashSet<byte[]>(ByteKeyComparer.Instance);
        var ids = new List<byte[]>(envelopes.Count);
        for (var i = 0; i < envelopes.Count; i++)
        {
            var id = SignBytes.TransactionId(hash, envelopes[i]);
            Invariant.Require(receipts[i].TransactionId.Span.SequenceEqual(id), $"receipt {i} is for transaction {i}");
            Invariant.Require(seen.Add(id) && _live.FindTransaction(id) is null, "a transaction commits once");
            ids.Add(id);
        }

        return ids;
    }

    private WriteBatch BlockBatch(ExecutedBlock executed, CommitCertificate certificate, IReadOnlyList<byte[]> transactionIds)
    {
        var block = executed.Block;
        var height = block.Header.Height;
        var key = StorageKeys.Height(height);
        return Filled(batch =>
        {
            batch.Put(key, Bounded(block.ToByteArray(), StorageLimits.BlockBytesMax, "a block"), _handle.Family(ColumnFamilies.Blocks))
                .Put(key, Bounded(certificate.ToByteArray(), StorageLimits.CertificateBytesMax, "a certificate"), _handle.Family(ColumnFamilies.Certificates))
                .Put(key, Bounded(new StoredReceipts { Receipts = { executed.Execution.Receipts } }.ToByteArray(), StorageLimits.ReceiptsBytesMax, "the receipts"), _handle.Family(ColumnFamilies.Receipts));
            var index = _handle.Family(ColumnFamilies.Transactions);
            for (var i = 0; i < transactionIds.Count; i++)
            {
                batch.Put(transactionIds[i], StorageKeys.TransactionLocation(height, i), index);
            }

            RocksDbState.AddTo(batch, _handle.Family(ColumnFamilies.State), executed.Execution.Changes);
            var head = new ChainHead(height, executed.HeaderHash, block.Header.TimeMs);
            batch.Put(StorageKeys.Head, StorageKeys.HeadValue(head), _handle.Family(ColumnFamilies.Meta));
        });
    }

    private void Write(WriteBatch batch)
    {
        BeforeWrite?.Invoke(batch);
        _handle.Db.Write(batch, RocksDbHandle.Synced);
    }

    private static byte[] Bounded(byte[] value, long lengthMax, string what)
    {
        Invariant.Require(value.LongLength <= lengthMax, $"{what} is at most {lengthMax} bytes");
        return value;
    }

    private static void CheckConsensusKey(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfZero(key.Length, nameof(key));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(key.Length, StorageLimits.ConsensusKeyBytesMax, nameof(key));
    }

    private void ThrowIfReadOnly()
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException($"the data directory {Directory} was opened read-only");
        }
    }
}

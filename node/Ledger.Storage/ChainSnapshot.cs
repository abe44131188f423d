using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using RocksDbSharp;

namespace Ledger.Storage;

/// <summary>
/// The chain store at one point in time: head, blocks, receipts and state all from the same
/// committed height, however many blocks commit meanwhile. For a query that reads several keys
/// (a balance and its batch, a page of a listing). Dispose it promptly: it pins old data in RocksDB.
/// </summary>
public sealed class ChainSnapshot : IStateView, IDisposable
{
    private readonly Snapshot _snapshot;
    private readonly OwnedReadOptions _reads;
    private readonly ChainReader _reader;

    internal ChainSnapshot(RocksDbHandle handle)
    {
        _snapshot = handle.Db.CreateSnapshot();
        _reads = new OwnedReadOptions();
        _reads.SetSnapshot(_snapshot);
        _reader = new ChainReader(handle, _reads);
    }

    /// <summary>Test seam: the native read options this snapshot reads through.</summary>
    internal ReadOptions Reads => _reads;

    public ChainHead? Head => _reader.Head;

    public IStateView State => _reader.State;

    public byte[]? Get(ReadOnlySpan<byte> key) => _reader.State.Get(key);

    public IEnumerable<KeyValuePair<byte[], byte[]>> Scan(byte[] prefix, byte[]? after = null, int limit = int.MaxValue) =>
        _reader.State.Scan(prefix, after, limit);

    public Block? GetBlock(ulong height) => _reader.GetBlock(height);

    public CommitCertificate? GetCertificate(ulong height) => _reader.GetCertificate(height);

    public IReadOnlyList<Receipt>? GetReceipts(ulong height) => _reader.GetReceipts(height);

    public (ulong Height, int Index)? FindTransaction(ReadOnlySpan<byte> transactionId) => _reader.FindTransaction(transactionId);

    /// <summary>The read options first (they point at the snapshot), then the snapshot: no read may still be running.</summary>
    public void Dispose()
    {
        _reads.Dispose();
        _snapshot.Dispose();
    }
}

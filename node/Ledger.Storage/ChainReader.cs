using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using RocksDbSharp;

namespace Ledger.Storage;

/// <summary>
/// Every read of the chain store, through one ReadOptions: the live view (latest committed), or a
/// RocksDB snapshot (one point in time for all reads). Thread-safe: RocksDB reads are.
/// </summary>
internal sealed class ChainReader
{
    private readonly RocksDbHandle _handle;
    private readonly ReadOptions _reads;

    public ChainReader(RocksDbHandle handle, ReadOptions reads)
    {
        _handle = handle;
        _reads = reads;
        State = new RocksDbState(handle.Db, handle.Family(ColumnFamilies.State), reads);
    }

    public RocksDbState State { get; }

    public ChainHead? Head
    {
        get
        {
            var value = Read(ColumnFamilies.Meta, StorageKeys.Head, StorageKeys.HeadBytes, "the head");
            return value is null ? null : StorageKeys.ReadHead(value);
        }
    }

    public Genesis? Genesis => Parse(ColumnFamilies.Meta, StorageKeys.Genesis, StorageLimits.GenesisBytesMax, Genesis.Parser, "the genesis document");

    public uint? Format
    {
        get
        {
            var value = Read(ColumnFamilies.Meta, StorageKeys.Format, sizeof(uint), "the storage format");
            return value is null ? null : StorageKeys.ReadFormat(value);
        }
    }

    public Block? GetBlock(ulong height) =>
        Parse(ColumnFamilies.Blocks, StorageKeys.Height(height), StorageLimits.BlockBytesMax, Block.Parser, $"block {height}");

    public CommitCertificate? GetCertificate(ulong height) =>
        Parse(ColumnFamilies.Certificates, StorageKeys.Height(height), StorageLimits.CertificateBytesMax, CommitCertificate.Parser, $"the certificate of block {height}");

    public IReadOnlyList<Receipt>? GetReceipts(ulong height) =>
        Parse(ColumnFamilies.Receipts, StorageKeys.Height(height), StorageLimits.ReceiptsBytesMax, StoredReceipts.Parser, $"the receipts of block {height}")?.Receipts;

    public (ulong Height, int Index)? FindTransaction(ReadOnlySpan<byte> transactionId)
    {
        var value = _handle.Db.Get(transactionId, _handle.Family(ColumnFamilies.Transactions), _reads);
        Bounds.Check(value, StorageKeys.TransactionLocationBytes, "a transaction location");
        return value is null ? null : StorageKeys.ReadTransactionLocation(value);
    }

    public byte[]? Read(string family, byte[] key, long lengthMax, string what)
    {
        var value = _handle.Db.Get(key, _handle.Family(family), _reads);
        Bounds.Check(value, lengthMax, what);
        return value;
    }

    private T? Parse<T>(string family, byte[] key, long lengthMax, MessageParser<T> parser, string what)
        where T : class, IMessage<T>
    {
        var value = Read(family, key, lengthMax, what);
        if (value is null)
        {
            return null;
        }

        try
        {
            return parser.ParseFrom(value);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new StorageCorruptionException($"{what} does not parse: {e.Message}");
        }
    }
}

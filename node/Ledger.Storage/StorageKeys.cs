using System.Buffers.Binary;
using System.Text;
using Ledger.Core.Chain;

namespace Ledger.Storage;

/// <summary>
/// The byte layouts of the chain store's keys and small values. Heights are big-endian so that
/// RocksDB's byte order is height order.
/// </summary>
public static class StorageKeys
{
    /// <summary>Bumped when a layout here changes, so an old binary refuses a newer directory instead of misreading it.</summary>
    public const uint FormatVersion = 1;

    public const int TransactionLocationBytes = sizeof(ulong) + sizeof(uint);

    public const int HeadBytes = sizeof(ulong) + sizeof(long) + BlockHashing.HashBytes;

    /// <summary>meta: height ‖ time ‖ header hash of the last committed block (height 0 after genesis).</summary>
    public static readonly byte[] Head = Encoding.ASCII.GetBytes("head");

    /// <summary>meta: the Genesis protobuf the directory was initialised with.</summary>
    public static readonly byte[] Genesis = Encoding.ASCII.GetBytes("genesis");

    /// <summary>meta: the chain id, UTF-8, for tools that look before they parse.</summary>
    public static readonly byte[] ChainId = Encoding.ASCII.GetBytes("chain_id");

    /// <summary>meta: <see cref="FormatVersion"/>, u32 big-endian.</summary>
    public static readonly byte[] Format = Encoding.ASCII.GetBytes("format");

    public static byte[] Height(ulong height)
    {
        var key = new byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64BigEndian(key, height);
        return key;
    }

    public static byte[] FormatValue()
    {
        var value = new byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32BigEndian(value, FormatVersion);
        return value;
    }

    public static uint ReadFormat(byte[] value)
    {
        Require(value.Length == sizeof(uint), "the storage format is 4 bytes");
        return BinaryPrimitives.ReadUInt32BigEndian(value);
    }

    public static byte[] TransactionLocation(ulong height, int index)
    {
        Require(index >= 0, "a transaction index is not negative");
        var value = new byte[TransactionLocationBytes];
        BinaryPrimitives.WriteUInt64BigEndian(value, height);
        BinaryPrimitives.WriteUInt32BigEndian(value.AsSpan(sizeof(ulong)), (uint)index);
        return value;
    }

    public static (ulong Height, int Index) ReadTransactionLocation(byte[] value)
    {
        Require(value.Length == TransactionLocationBytes, "a transaction location is 12 bytes");
        var index = BinaryPrimitives.ReadUInt32BigEndian(value.AsSpan(sizeof(ulong)));
        Require(index < Blocks.TransactionsPerBlockMax, "a transaction index is within a block");
        return (BinaryPrimitives.ReadUInt64BigEndian(value), (int)index);
    }

    public static byte[] HeadValue(ChainHead head)
    {
        Require(head.HeaderHash.Length == BlockHashing.HashBytes, "a header hash is 32 bytes");
        var value = new byte[HeadBytes];
        BinaryPrimitives.WriteUInt64BigEndian(value, head.Height);
        BinaryPrimitives.WriteInt64BigEndian(value.AsSpan(sizeof(ulong)), head.TimeMs);
        head.HeaderHash.CopyTo(value.AsSpan(sizeof(ulong) + sizeof(long)));
        return value;
    }

    public static ChainHead ReadHead(byte[] value)
    {
        Require(value.Length == HeadBytes, "the stored head is 48 bytes");
        return new ChainHead(
            BinaryPrimitives.ReadUInt64BigEndian(value),
            value.AsSpan(sizeof(ulong) + sizeof(long)).ToArray(),
            BinaryPrimitives.ReadInt64BigEndian(value.AsSpan(sizeof(ulong))));
    }

    /// <summary>A stored value with the wrong shape means a broken disk or a foreign directory, not bad input.</summary>
    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new StorageCorruptionException(what);
        }
    }
}

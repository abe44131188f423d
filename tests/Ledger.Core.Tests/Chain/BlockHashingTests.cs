using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Core.Tests.Chain;

public sealed class BlockHashingTests
{
    private static readonly INetworkHash Hash = NetworkHashes.For(HashAlgorithm.Sha256);

    public static TheoryData<string> Fields => new() { "chain_id", "height", "time_ms", "previous_header_hash", "transactions_root", "receipts_root", "state_root", "validator_set_hash", "proposer" };

    [Theory]
    [MemberData(nameof(Fields))]
    public void Every_header_field_is_covered_by_the_header_hash(string field)
    {
        var header = Header();
        var original = BlockHashing.HeaderHash(Hash, header);
        var changed = header.Clone();
        Change(changed, field);
        Assert.NotEqual(Convert.ToHexString(original), Convert.ToHexString(BlockHashing.HeaderHash(Hash, changed)));
    }

    [Fact]
    public void Header_hash_is_the_same_for_the_same_header()
    {
        Assert.Equal(BlockHashing.HeaderHash(Hash, Header()), BlockHashing.HeaderHash(Hash, Header()));
    }

    [Fact]
    public void Receipt_encoding_covers_code_message_and_attributes()
    {
        var receipt = new Receipt { TransactionId = ByteString.CopyFrom(new byte[32]), Code = RejectionCode.InsufficientBalance, Message = "m" };
        var withAttribute = receipt.Clone();
        withAttribute.Attributes.Add(new Ledger.Core.Protocol.Attribute { Key = "k", Value = "v" });
        var otherCode = receipt.Clone();
        otherCode.Code = RejectionCode.UnknownBatch;
        var encodings = new[] { receipt, withAttribute, otherCode }.Select(r => Convert.ToHexString(BlockHashing.CanonicalReceipt(r))).ToList();
        Assert.Equal(3, encodings.Distinct().Count());
    }

    private static BlockHeader Header() => new()
    {
        ChainId = "ordos-test",
        Height = 7,
        TimeMs = 1_735_660_800_000,
        PreviousHeaderHash = Bytes(1),
        TransactionsRoot = Bytes(2),
        ReceiptsRoot = Bytes(3),
        StateRoot = Bytes(4),
        ValidatorSetHash = Bytes(5),
        Proposer = "bureau",
    };

    private static ByteString Bytes(byte fill) => ByteString.CopyFrom(Enumerable.Repeat(fill, 32).ToArray());

    private static void Change(BlockHeader header, string field)
    {
        switch (field)
        {
            case "chain_id": header.ChainId = "ordos-other"; break;
            case "height": header.Height++; break;
            case "time_ms": header.TimeMs++; break;
            case "previous_header_hash": header.PreviousHeaderHash = Bytes(9); break;
            case "transactions_root": header.TransactionsRoot = Bytes(9); break;
            case "receipts_root": header.ReceiptsRoot = Bytes(9); break;
            case "state_root": header.StateRoot = Bytes(9); break;
            case "validator_set_hash": header.ValidatorSetHash = Bytes(9); break;
            case "proposer": header.Proposer = "operator"; break;
            default: throw new ArgumentOutOfRangeException(nameof(field));
        }
    }
}

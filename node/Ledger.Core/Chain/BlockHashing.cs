using Google.Protobuf;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Chain;

/// <summary>Header hash, transactions root and receipts root, byte for byte as docs/PROTOCOL.md §3–§4 give them.</summary>
public static class BlockHashing
{
    public const int HashBytes = 32;

    public static byte[] HeaderHash(INetworkHash hash, BlockHeader header)
    {
        Invariant.Require(
            new[] { header.PreviousHeaderHash, header.TransactionsRoot, header.ReceiptsRoot, header.StateRoot, header.ValidatorSetHash }.All(h => h.Length == HashBytes),
            "header hashes are 32 bytes");
        var bytes = new CanonicalWriter(256)
            .Bytes(DomainTags.Header)
            .String(header.ChainId)
            .UInt64(header.Height)
            .Int64(header.TimeMs)
            .Fixed(header.PreviousHeaderHash.Span)
            .Fixed(header.TransactionsRoot.Span)
            .Fixed(header.ReceiptsRoot.Span)
            .Fixed(header.StateRoot.Span)
            .Fixed(header.ValidatorSetHash.Span)
            .String(header.Proposer)
            .WrittenSpan;
        return hash.Hash(bytes);
    }

    /// <summary>Over whole envelopes, signatures included, so a stored block cannot be altered in any byte.</summary>
    public static byte[] TransactionsRoot(INetworkHash hash, IReadOnlyList<Envelope> envelopes) =>
        TransactionsRootOfEncoded(hash, Encoded(envelopes));

    /// <summary>The same root from the envelopes' encodings (<see cref="Encoded"/>), for a caller that needs them too.</summary>
    public static byte[] TransactionsRootOfEncoded(INetworkHash hash, IReadOnlyList<byte[]> encodedEnvelopes) =>
        MerkleTree.Root(hash, encodedEnvelopes);

    /// <summary>Each envelope's protobuf encoding, in order: what the transactions root hashes.</summary>
    public static byte[][] Encoded(IReadOnlyList<Envelope> envelopes)
    {
        var encoded = new byte[envelopes.Count][];
        for (var i = 0; i < encoded.Length; i++)
        {
            encoded[i] = LedgerState.Encode(envelopes[i]);
        }

        return encoded;
    }

    public static byte[] ReceiptsRoot(INetworkHash hash, IReadOnlyList<Receipt> receipts) =>
        MerkleTree.Root(hash, receipts.Select(CanonicalReceipt).ToList());

    public static byte[] CanonicalReceipt(Receipt receipt)
    {
        // A transfer's receipt (two attributes, a 64-character trade id) is about 200 bytes: room for it without growing.
        var writer = new CanonicalWriter(256)
            .Bytes(DomainTags.Receipt)
            .Fixed(receipt.TransactionId.Span)
            .UInt32((uint)receipt.Code)
            .String(receipt.Message)
            .UInt32((uint)receipt.Attributes.Count);
        foreach (var attribute in receipt.Attributes)
        {
            writer.String(attribute.Key).String(attribute.Value);
        }

        return writer.ToArray();
    }
}

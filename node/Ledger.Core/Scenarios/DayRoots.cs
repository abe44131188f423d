using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Core.Scenarios;

/// <summary>
/// The Merkle roots of behaviour data (docs/PROTOCOL.md §15.3): a chunk's root is the RFC 6962 root
/// over its records' protobuf encodings, in order; a day's root is the RFC 6962 root over its chunk
/// roots in chunk index order. The operator computes the same to state its digital verification.
/// </summary>
public static class DayRoots
{
    public static byte[] Chunk(INetworkHash hash, IReadOnlyList<BehaviourRecord> records) =>
        MerkleTree.Root(hash, records.Select(record => record.ToByteArray()).ToList());

    public static byte[] Day(INetworkHash hash, IReadOnlyList<byte[]> chunkRoots) => MerkleTree.Root(hash, chunkRoots);
}

using Google.Protobuf;
using Ledger.Core.Protocol;
using Ledger.Storage;

namespace Ledger.Node.Consensus;

/// <summary>Double-sign evidence kept in the consensus column family, oldest first, at most EvidenceMax entries.</summary>
public static class EvidenceStore
{
    public const int EvidenceMax = 10_000;
    private static readonly byte[] Key = "evidence/list"u8.ToArray();
    private static readonly Lock Gate = new();

    public static EvidenceList Read(RocksDbChainStore store) =>
        store.GetConsensus(Key) is { } bytes ? EvidenceList.Parser.ParseFrom(bytes) : new EvidenceList();

    public static void Add(RocksDbChainStore store, DoubleSignEvidence evidence)
    {
        lock (Gate)
        {
            var list = Read(store);
            if (list.Evidence.Count >= EvidenceMax || list.Evidence.Any(e => e.Equals(evidence)))
            {
                return;
            }

            list.Evidence.Add(evidence);
            store.PutConsensus(Key, list.ToByteArray(), sync: false);
        }
    }
}

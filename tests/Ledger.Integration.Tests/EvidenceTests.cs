using Google.Protobuf;
using Grpc.Net.Client;
using Ledger.Core.Protocol;
using Ledger.Node.Consensus;
using Ledger.Storage;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Integration.Tests;

/// <summary>Double-sign evidence is kept on disk, once each, and served by the node's API.</summary>
public sealed class EvidenceTests
{
    [Fact]
    public async Task Kept_evidence_survives_a_restart_and_is_served()
    {
        await using var node = await NodeProcess.StartAsync();
        await node.StopAsync();
        var evidence = Conflict("node-2", 7, 1);
        using (var store = RocksDbChainStore.Open(node.DataDirectory))
        {
            EvidenceStore.Add(store, evidence);
            EvidenceStore.Add(store, evidence);
            EvidenceStore.Add(store, Conflict("node-3", 9, 0));
        }

        await node.StartAgainAsync();
        using var channel = GrpcChannel.ForAddress(node.Url);
        var served = await new ProtocolLedger.LedgerClient(channel).ListEvidenceAsync(new ListEvidenceRequest());
        Assert.Equal(2, served.Evidence.Count);
        Assert.Equal(evidence, served.Evidence[0]);
    }

    private static DoubleSignEvidence Conflict(string validator, ulong height, uint round) => new()
    {
        First = new Vote { Kind = VoteKind.Precommit, Height = height, Round = round, BlockHash = ByteString.CopyFrom(new byte[32]), ValidatorId = validator, Signature = ByteString.CopyFrom(new byte[64]) },
        Second = new Vote { Kind = VoteKind.Precommit, Height = height, Round = round, BlockHash = ByteString.CopyFrom(Enumerable.Repeat((byte)1, 32).ToArray()), ValidatorId = validator, Signature = ByteString.CopyFrom(new byte[64]) },
    };
}

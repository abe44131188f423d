using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Testing;
using Microsoft.AspNetCore.Builder;
using Xunit.Abstractions;

namespace Ledger.Integration.Tests;

/// <summary>
/// After a commit a validator sends its peers the commit certificate, not the block (D49). Four validator
/// processes; the other three reach node-3 through a relay in the test that passes on only some kinds of
/// consensus message, so node-3 misses every vote of theirs: it must still decide each height, from the
/// announcements (it holds the proposed block) or by block sync after them (it never got the proposal).
/// And a node sent forged announcements, or a kind of message it does not know, changes nothing.
/// </summary>
public sealed class AnnouncementTests(ITestOutputHelper output) : IAsyncLifetime
{
    private IReadOnlyList<NodeProcess> _nodes = [];
    private WebApplication? _relay;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => RelayedNetwork.StopAsync(output, _nodes, _relay, 40);

    [Fact]
    public async Task A_validator_that_hears_no_votes_decides_from_the_announcements()
    {
        var relayed = await StartWithRelay(ConsensusMessage.KindOneofCase.Proposal, ConsensusMessage.KindOneofCase.Announcement);
        await using var client = Participants.Client(_nodes[0]);
        await NetworkChecks.FileMethodologies(client, "no-votes", 6);
        var head = await client.GetStatusAsync();

        await using var deaf = Participants.Client(_nodes[3]);
        await RelayedNetwork.WaitUntil(async () => (await deaf.GetStatusAsync()).Height >= head.Height, "node-3 reaches the head without the others' votes");
        Assert.Equal(0, relayed.Passed(ConsensusMessage.KindOneofCase.Vote));
        Assert.True(relayed.Dropped(ConsensusMessage.KindOneofCase.Vote) > 0, "the relay dropped the others' votes");
        Assert.True(relayed.Passed(ConsensusMessage.KindOneofCase.Announcement) > 0, "announcements reached node-3");
        // Its own votes are no quorum: each height it committed itself (not by block sync) was decided from the announcements' precommits.
        var committed = RelayedNetwork.Lines(_nodes[3], "Committed block");
        output.WriteLine($"node-3: {committed} heights decided, {RelayedNetwork.Lines(_nodes[3], "Synced block")} synced, head {head.Height}");
        Assert.True(committed > 0, "node-3 decided at least one height itself");
        await NetworkChecks.AssertSameChain(_nodes);
    }

    [Fact]
    public async Task A_validator_that_hears_only_announcements_gets_the_blocks_by_block_sync()
    {
        var relayed = await StartWithRelay(ConsensusMessage.KindOneofCase.Announcement);
        await using var client = Participants.Client(_nodes[0]);
        await NetworkChecks.FileMethodologies(client, "only-announcements", 4);
        var head = await client.GetStatusAsync();

        await using var deaf = Participants.Client(_nodes[3]);
        await RelayedNetwork.WaitUntil(async () => (await deaf.GetStatusAsync()).Height >= head.Height, "node-3 reaches the head by block sync");
        Assert.Equal(0, relayed.Passed(ConsensusMessage.KindOneofCase.Proposal));
        Assert.True(relayed.Passed(ConsensusMessage.KindOneofCase.Announcement) > 0, "announcements reached node-3");
        Assert.True(RelayedNetwork.Lines(_nodes[3], "Synced block") > 0, "node-3 synced the blocks it never got");
        await NetworkChecks.AssertSameChain(_nodes);
    }

    [Fact]
    public async Task Forged_announcements_and_unknown_messages_change_nothing()
    {
        _nodes = await NodeProcess.StartNetworkAsync(4);
        await using var client = Participants.Client(_nodes[0]);
        await NetworkChecks.FileMethodologies(client, "before", 2);
        var target = _nodes[3];
        await using var targetClient = Participants.Client(target);
        await RelayedNetwork.WaitUntil(async () => (await targetClient.GetStatusAsync()).Height >= (await client.GetStatusAsync()).Height, "node-3 has the head");
        var before = await targetClient.GetStatusAsync();
        var chainId = target.Genesis.ChainId;
        var next = before.Height + 1;
        var stranger = new byte[32];
        stranger[0] = 0xAB;
        var committed = await targetClient.GetBlockAsync(before.Height);

        using var channel = GrpcChannel.ForAddress(target.Url);
        using (var call = new Peer.PeerClient(channel).Consensus())
        {
            // Signatures that do not verify; a minority's precommits; no certificate at all.
            await Send(call, Announcement(new CommitCertificate { Height = next, BlockHash = ByteString.CopyFrom(stranger), Signatures = { new CommitSignature { ValidatorId = "node-0", Signature = ByteString.CopyFrom(new byte[64]) } } }));
            await Send(call, Announcement(Certificate(chainId, next, stranger, "node-1")));
            await Send(call, new ConsensusMessage { Announcement = new Announcement() });
            // A real certificate of a committed height, and the same signatures claimed for the next one.
            var real = (await new Peer.PeerClient(channel).HeightAsync(new HeightRequest())).Height;
            Assert.Equal(before.Height, real);
            var certificate = await CertificateOf(channel, before.Height);
            await Send(call, Announcement(certificate));
            var moved = certificate.Clone();
            moved.Height = next;
            await Send(call, Announcement(moved));
            // A quorum's precommits for a block no node holds: block sync finds nothing ahead.
            await Send(call, Announcement(Certificate(chainId, next, stranger, "node-0", "node-1", "node-2")));
            // A kind of message this build does not know (a later build's), as an older node would get an announcement.
            await call.RequestStream.WriteAsync(new PeerConsensusMessage { From = "node-1", Message = ConsensusMessage.Parser.ParseFrom([0x4A, 0x02, 0x08, 0x01]) });
            await call.RequestStream.CompleteAsync();
            await call;
        }

        await target.WaitForLogAsync("Refused an announcement", TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var after = await targetClient.GetStatusAsync();
        Assert.Equal(before.Height, after.Height);
        Assert.Equal(before.LastBlockHash, after.LastBlockHash);
        Assert.Equal(committed!.BlockHash, (await targetClient.GetBlockAsync(before.Height))!.BlockHash);

        // The node still takes part: transactions through it and through another commit on every node.
        await NetworkChecks.FileMethodologies(targetClient, "after", 2);
        await NetworkChecks.FileMethodologies(client, "after-0", 2);
        await NetworkChecks.AssertSameChain(_nodes);
        Assert.True(RelayedNetwork.Lines(target, "Refused an announcement") >= 3, "the three bad certificates of the open height were refused");
    }

    private static ConsensusMessage Announcement(CommitCertificate certificate) => new() { Announcement = new Announcement { Certificate = certificate } };

    private static Task Send(AsyncClientStreamingCall<PeerConsensusMessage, PeerAck> call, ConsensusMessage message) =>
        call.RequestStream.WriteAsync(new PeerConsensusMessage { From = "node-1", Message = message });

    /// <summary>A certificate for blockHash at height signed by the named validators (the test holds every key).</summary>
    private static CommitCertificate Certificate(string chainId, ulong height, byte[] blockHash, params string[] signers)
    {
        var signBytes = Votes.SignBytes(chainId, height, 0, VoteType.Precommit, blockHash);
        return new CommitCertificate
        {
            Height = height,
            Round = 0,
            BlockHash = ByteString.CopyFrom(blockHash),
            Signatures = { signers.Select(id => new CommitSignature { ValidatorId = id, Signature = ByteString.CopyFrom(TestKeys.For(id).Sign(signBytes)) }) },
        };
    }

    private static async Task<CommitCertificate> CertificateOf(GrpcChannel channel, ulong height)
    {
        using var call = new Peer.PeerClient(channel).Decisions(new DecisionsRequest { FromHeight = height, Limit = 1 });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        return call.ResponseStream.Current.Certificate;
    }

    /// <summary>Four validators; the other three reach node-3 through the relay, which passes on only the given kinds.</summary>
    private async Task<Relay> StartWithRelay(params ConsensusMessage.KindOneofCase[] passed)
    {
        var relay = new Relay(passed);
        (_relay, _nodes) = await RelayedNetwork.StartAsync<RelayPeer, Relay>(relay, url => relay.Target = url);
        return relay;
    }

    /// <summary>What the relay passed on to node-3 and what it dropped, by kind.</summary>
    public sealed class Relay(ConsensusMessage.KindOneofCase[] passed)
    {
        private readonly ConcurrentDictionary<(ConsensusMessage.KindOneofCase, bool), int> _counts = new();

        public Uri? Target { get; set; }

        public bool Passes(ConsensusMessage message)
        {
            var passes = passed.Contains(message.KindCase);
            _counts.AddOrUpdate((message.KindCase, passes), 1, (_, n) => n + 1);
            return passes;
        }

        public int Passed(ConsensusMessage.KindOneofCase kind) => _counts.GetValueOrDefault((kind, true));

        public int Dropped(ConsensusMessage.KindOneofCase kind) => _counts.GetValueOrDefault((kind, false));
    }

    /// <summary>Each consensus stream from a validator becomes one stream to node-3, in order, without the kinds it drops.</summary>
    private sealed class RelayPeer(Relay relay) : Peer.PeerBase
    {
        public override async Task<PeerAck> Consensus(IAsyncStreamReader<PeerConsensusMessage> requestStream, ServerCallContext context)
        {
            using var channel = GrpcChannel.ForAddress(relay.Target!);
            using var call = new Peer.PeerClient(channel).Consensus(cancellationToken: context.CancellationToken);
            await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
            {
                if (relay.Passes(message.Message))
                {
                    await call.RequestStream.WriteAsync(message, context.CancellationToken);
                }
            }

            return new PeerAck();
        }
    }
}

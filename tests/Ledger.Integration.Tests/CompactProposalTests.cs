using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Consensus;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Ledger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Ledger.Integration.Tests;

/// <summary>
/// Proposals that name their transactions by id (D53). Four validator processes; in the first two tests the other
/// three reach node-3 through a relay in the test that passes on consensus messages but no gossip, so node-3 holds
/// none of the transactions a compact proposal names: it must fetch them from the proposer and decide. Through a
/// relay that does not say node-3 takes compact proposals (as an older build), node-3 gets them whole. A node sent
/// forged compact proposals commits nothing from them and says why.
/// </summary>
public sealed class CompactProposalTests(ITestOutputHelper output) : IAsyncLifetime
{
    private IReadOnlyList<NodeProcess> _nodes = [];
    private WebApplication? _relay;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            output.WriteLine($"--- {node.NodeId}");
            output.WriteLine(string.Join('\n', node.Log.Split('\n').Where(l => !l.Contains("link to")).TakeLast(30)));
            await node.DisposeAsync();
        }

        if (_relay is not null)
        {
            await _relay.StopAsync();
            await _relay.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_validator_lacking_the_named_transactions_fetches_them_and_decides()
    {
        var relayed = await StartWithRelay(advertise: true);
        await using var client = Participants.Client(_nodes[0]);
        await NetworkChecks.FileMethodologies(client, "lacking", 6);
        var head = await client.GetStatusAsync();

        await using var lacking = Participants.Client(_nodes[3]);
        await WaitUntil(async () => (await lacking.GetStatusAsync()).Height >= head.Height, "node-3 reaches the head");
        output.WriteLine($"relay: {relayed.Compact} compact proposals naming transactions, {relayed.Whole} whole proposals with transactions");
        // A proposal sent before node-3's response headers reached the sender goes whole (D53), so only compact ones are asserted.
        Assert.True(relayed.Compact > 0, "proposals with transactions reached node-3 compact");
        var fetched = Lines(_nodes[3], "Rebuilt the proposal");
        output.WriteLine($"node-3: {fetched} proposals rebuilt with fetched envelopes, {Lines(_nodes[3], "Committed block")} heights decided, {Lines(_nodes[3], "Synced block")} synced");
        Assert.True(fetched > 0, "node-3 fetched the envelopes it lacked");
        Assert.True(Lines(_nodes[3], "Committed block") > 0, "node-3 decided heights itself");
        Assert.Equal(0, Lines(_nodes[3], "Could not rebuild"));
        await NetworkChecks.AssertSameChain(_nodes);
    }

    [Fact]
    public async Task A_peer_that_does_not_say_it_takes_compact_proposals_gets_them_whole()
    {
        var relayed = await StartWithRelay(advertise: false);
        await using var client = Participants.Client(_nodes[0]);
        await NetworkChecks.FileMethodologies(client, "older", 4);
        var head = await client.GetStatusAsync();

        await using var older = Participants.Client(_nodes[3]);
        await WaitUntil(async () => (await older.GetStatusAsync()).Height >= head.Height, "node-3 reaches the head");
        output.WriteLine($"relay: {relayed.Compact} compact proposals naming transactions, {relayed.Whole} whole proposals with transactions");
        Assert.Equal(0, relayed.Compact);
        Assert.True(relayed.Whole > 0, "proposals with transactions reached node-3 whole");
        Assert.Equal(0, Lines(_nodes[3], "Rebuilt the proposal"));
        await NetworkChecks.AssertSameChain(_nodes);
    }

    [Fact]
    public async Task Forged_compact_proposals_commit_nothing_and_say_why()
    {
        _nodes = await NodeProcess.StartNetworkAsync(4);
        await using var client = Participants.Client(_nodes[0]);
        await NetworkChecks.FileMethodologies(client, "before", 2);
        var target = _nodes[3];
        await using var targetClient = Participants.Client(target);
        await WaitUntil(async () => (await targetClient.GetStatusAsync()).Height >= (await client.GetStatusAsync()).Height, "node-3 has the head");
        var before = await targetClient.GetStatusAsync();
        var chainId = target.Genesis.ChainId;
        var hash = NetworkHashes.For(target.Genesis.HashAlgorithm);
        var next = before.Height + 1;
        var stranger = new byte[32];
        stranger[0] = 0xAB;

        using var channel = GrpcChannel.ForAddress(target.Url);
        using (var call = new Peer.PeerClient(channel).Consensus())
        {
            // node-1's signature over a header naming a transaction nobody holds: node-3 asks node-1, which holds no such proposal.
            await Send(call, Compact(hash, chainId, next, "node-1", [stranger], sign: true));
            // The same with a signature that is not node-1's: nobody is asked.
            await Send(call, Compact(hash, chainId, next, "node-1", [stranger.Reverse().ToArray()], sign: false));
            // No transactions named, so the header's transactions root (all zero) is wrong for the empty block rebuilt.
            await Send(call, Compact(hash, chainId, next, "node-2", [], sign: true));
            // An id that is not a hash; and transactions carried beside the ids.
            await Send(call, Compact(hash, chainId, next, "node-1", [new byte[31]], sign: true));
            var carrying = Compact(hash, chainId, next, "node-1", [stranger], sign: true);
            carrying.CompactProposal.Proposal.Block.Transactions.Add(new Envelope { ChainId = chainId });
            await Send(call, carrying);
            await call.RequestStream.CompleteAsync();
            await call;
        }

        await target.WaitForLogAsync("NotHeld", TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(2));
        foreach (var problem in new[] { "NotHeld", "BadSignature", "Malformed" })
        {
            Assert.True(target.Log.Contains($"Could not rebuild the compact proposal of height {next} round 0 from node-", StringComparison.Ordinal) && target.Log.Contains(problem, StringComparison.Ordinal), $"node-3 logged {problem}");
        }

        Assert.True(Lines(target, "Could not rebuild") >= 4, "each forgery was refused with its reason");
        // The forgeries start the height on node-3 (as a forged whole proposal would), so the network may commit it, but
        // never with a forged header: each has time 1 and an all-zero state root.
        Assert.Equal(before.LastBlockHash, (await targetClient.GetBlockAsync(before.Height))!.BlockHash);

        // The node still takes part: transactions through it and through another commit on every node.
        await NetworkChecks.FileMethodologies(targetClient, "after", 2);
        await NetworkChecks.FileMethodologies(client, "after-0", 2);
        await NetworkChecks.AssertSameChain(_nodes);
        var committed = await targetClient.GetBlockAsync(next);
        Assert.NotEqual(1, committed!.Block.Header.TimeMs);
        Assert.NotEqual(new byte[32], committed.Block.Header.StateRoot.ToByteArray());
    }

    /// <summary>A compact proposal of round 0 at height by proposer, with zero hashes in its header; signed with the proposer's key, or junk.</summary>
    private static ConsensusMessage Compact(INetworkHash hash, string chainId, ulong height, string proposer, byte[][] ids, bool sign)
    {
        var zero = ByteString.CopyFrom(new byte[32]);
        var header = new BlockHeader { ChainId = chainId, Height = height, TimeMs = 1, PreviousHeaderHash = zero, TransactionsRoot = zero, ReceiptsRoot = zero, StateRoot = zero, ValidatorSetHash = zero, Proposer = proposer };
        var proposal = new Proposal { Height = height, Round = 0, ValidRound = -1, Block = new Block { Header = header }, Proposer = proposer };
        var signBytes = ConsensusSigning.ProposalSignBytes(chainId, proposal, BlockHashing.HeaderHash(hash, header));
        proposal.Signature = ByteString.CopyFrom(sign ? TestKeys.For(proposer).Sign(signBytes) : new byte[64]);
        var compact = new CompactProposal { Proposal = proposal };
        compact.TransactionIds.AddRange(ids.Select(ByteString.CopyFrom));
        return new ConsensusMessage { CompactProposal = compact };
    }

    private static Task Send(AsyncClientStreamingCall<PeerConsensusMessage, PeerAck> call, ConsensusMessage message) =>
        call.RequestStream.WriteAsync(new PeerConsensusMessage { From = message.CompactProposal.Proposal.Proposer, Message = message });

    /// <summary>Four validators; the other three reach node-3 through the relay (consensus only, no gossip).</summary>
    private async Task<Relay> StartWithRelay(bool advertise)
    {
        var relay = new Relay(advertise);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddSingleton(relay);
        _relay = builder.Build();
        _relay.MapGrpcService<RelayPeer>();
        await _relay.StartAsync();
        var address = new Uri(_relay.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        _nodes = await NodeProcess.StartNetworkAsync(4, peerUrl: (from, to) =>
        {
            if (to.NodeId != "node-3")
            {
                return to.Url;
            }

            relay.Target = to.Url;
            return address;
        });
        return relay;
    }

    /// <summary>Counts the proposals with transactions the relay passed on, by form; advertise: it passes on node-3's response headers.</summary>
    public sealed class Relay(bool advertise)
    {
        private readonly ConcurrentDictionary<string, int> _counts = new();

        public Uri? Target { get; set; }

        public bool Advertise => advertise;

        public int Compact => _counts.GetValueOrDefault("compact");

        public int Whole => _counts.GetValueOrDefault("whole");

        public void Saw(ConsensusMessage message)
        {
            if (message.CompactProposal is { TransactionIds.Count: > 0 })
            {
                _counts.AddOrUpdate("compact", 1, (_, n) => n + 1);
            }
            else if (message.Proposal is { Block.Transactions.Count: > 0 })
            {
                _counts.AddOrUpdate("whole", 1, (_, n) => n + 1);
            }
        }
    }

    /// <summary>Each consensus stream from a validator becomes one stream to node-3, in order; gossip streams are not served.</summary>
    private sealed class RelayPeer(Relay relay) : Peer.PeerBase
    {
        public override async Task<PeerAck> Consensus(IAsyncStreamReader<PeerConsensusMessage> requestStream, ServerCallContext context)
        {
            using var channel = GrpcChannel.ForAddress(relay.Target!);
            using var call = new Peer.PeerClient(channel).Consensus(cancellationToken: context.CancellationToken);
            if (relay.Advertise)
            {
                var headers = await call.ResponseHeadersAsync;
                await context.WriteResponseHeadersAsync(new Metadata { { Ledger.Node.Peers.PeerNetwork.CompactProposalsHeader, headers.GetValue(Ledger.Node.Peers.PeerNetwork.CompactProposalsHeader) ?? "" } });
            }

            await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
            {
                relay.Saw(message.Message);
                await call.RequestStream.WriteAsync(message, context.CancellationToken);
            }

            return new PeerAck();
        }
    }

    private static int Lines(NodeProcess node, string text) => node.Log.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    private static async Task WaitUntil(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(100);
        }
    }
}

using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Consensus;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Ledger.Testing;
using Microsoft.AspNetCore.Builder;
using Xunit.Abstractions;

namespace Ledger.Integration.Tests;

/// <summary>
/// Proposals that name their transactions by id (D53). Four validator processes; in the first two tests the other
/// three reach node-3 through a relay in the test that passes on consensus messages but no gossip, so node-3 holds
/// none of the transactions a compact proposal names: it must fetch them from the proposer and decide. Through a
/// relay that does not say node-3 takes compact proposals (as an older build), node-3 gets them whole. Through a relay
/// that slips forgeries in before the real compact proposals (a flood from another validator; copies with other ids),
/// node-3 still fetches the real ones. A node sent forged compact proposals commits nothing from them and says why; a
/// proposer refuses ProposalTransactions indexes that are not strictly ascending or run past the block.
/// </summary>
public sealed class CompactProposalTests(ITestOutputHelper output) : IAsyncLifetime
{
    private IReadOnlyList<NodeProcess> _nodes = [];
    private WebApplication? _relay;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => RelayedNetwork.StopAsync(output, _nodes, _relay, 30);

    [Fact]
    public async Task A_validator_lacking_the_named_transactions_fetches_them_and_decides()
    {
        var relayed = await StartWithRelay(advertise: true);
        await using var client = Participants.Client(_nodes[0]);
        await NetworkChecks.FileMethodologies(client, "lacking", 6);
        var head = await client.GetStatusAsync();

        await using var lacking = Participants.Client(_nodes[3]);
        await RelayedNetwork.WaitUntil(async () => (await lacking.GetStatusAsync()).Height >= head.Height, "node-3 reaches the head");
        output.WriteLine($"relay: {relayed.Compact} compact proposals naming transactions, {relayed.Whole} whole proposals with transactions");
        // A proposal sent before node-3's response headers reached the sender goes whole (D53), so only compact ones are asserted.
        Assert.True(relayed.Compact > 0, "proposals with transactions reached node-3 compact");
        var fetched = RelayedNetwork.Lines(_nodes[3], "Rebuilt the proposal");
        output.WriteLine($"node-3: {fetched} proposals rebuilt with fetched envelopes, {RelayedNetwork.Lines(_nodes[3], "Committed block")} heights decided, {RelayedNetwork.Lines(_nodes[3], "Synced block")} synced");
        Assert.True(fetched > 0, "node-3 fetched the envelopes it lacked");
        Assert.True(RelayedNetwork.Lines(_nodes[3], "Committed block") > 0, "node-3 decided heights itself");
        // A fetch may outlast its wait on a loaded machine (FetchFailed, then block sync); nothing else may fail.
        Assert.DoesNotContain(_nodes[3].Log.Split('\n'), l => l.Contains("Could not rebuild", StringComparison.Ordinal) && !l.Contains("FetchFailed", StringComparison.Ordinal));
        await NetworkChecks.AssertSameChain(_nodes);
    }

    [Fact]
    public async Task A_validator_flooding_compact_proposals_does_not_shut_out_the_proposers()
    {
        var relayed = await StartWithRelay(advertise: true);
        var chainId = _nodes[0].Genesis.ChainId;
        var hash = NetworkHashes.For(_nodes[0].Genesis.HashAlgorithm);
        var flooded = new ConcurrentDictionary<ulong, bool>();
        // Before a proposer's first compact proposal of each height reaches node-3, 64 from another validator (node-1, or
        // node-2 when node-1 proposes): signed with its own key, one for each of rounds 0–63, naming a transaction
        // nobody holds. Before the second reading these filled node-3's 64 places for the height.
        relayed.Inject = message =>
        {
            if (message.Message.CompactProposal is not { TransactionIds.Count: > 0, Proposal: var real } || !flooded.TryAdd(real.Height, true))
            {
                return [];
            }

            var byzantine = real.Proposer == "node-1" ? "node-2" : "node-1";
            return Enumerable.Range(0, 64).Select(r => new PeerConsensusMessage { From = byzantine, Message = Compact(hash, chainId, real.Height, byzantine, [Stranger], sign: true, round: (uint)r) }).ToList();
        };

        await using var client = Participants.Client(_nodes[0]);
        await NetworkChecks.FileMethodologies(client, "flooded", 4);
        var head = await client.GetStatusAsync();
        await using var target = Participants.Client(_nodes[3]);
        await RelayedNetwork.WaitUntil(async () => (await target.GetStatusAsync()).Height >= head.Height, "node-3 reaches the head");
        output.WriteLine($"relay: {relayed.Compact} compact proposals naming transactions; flooded {flooded.Count} heights");
        Assert.True(flooded.Count > 0, "some heights were flooded");
        Assert.True(RelayedNetwork.Lines(_nodes[3], "Rebuilt the proposal") > 0, "node-3 still fetched the proposers' envelopes");
        Assert.True(RelayedNetwork.Lines(_nodes[3], "NotProposer") > 0, "node-3 refused the rounds its proposer does not own");
        await NetworkChecks.AssertSameChain(_nodes);
    }

    [Fact]
    public async Task A_copy_of_a_compact_proposal_with_other_ids_does_not_shut_out_the_real_one()
    {
        var relayed = await StartWithRelay(advertise: true);
        var copies = 0;
        // Before every compact proposal reaches node-3: the same proposal (same header and signature) with other ids,
        // once from another validator, once claiming to be from the proposer (possible here: the test's links have no
        // client certificates) with one id more, so the proposer refuses the fetch. Before the second reading either
        // took the proposal's one place and the real one was ignored for the round.
        relayed.Inject = message =>
        {
            if (message.Message.CompactProposal is not { TransactionIds.Count: > 0 } real)
            {
                return [];
            }

            Interlocked.Increment(ref copies);
            var other = real.Proposal.Proposer == "node-1" ? "node-2" : "node-1";
            var reversed = real.Clone();
            reversed.TransactionIds.Clear();
            reversed.TransactionIds.AddRange(real.TransactionIds.Reverse().Select(id => ByteString.CopyFrom(Enumerable.Reverse(id.ToByteArray()).ToArray())));
            var longer = real.Clone();
            longer.TransactionIds.Add(ByteString.CopyFrom(Stranger));
            return
            [
                new PeerConsensusMessage { From = other, Message = new ConsensusMessage { CompactProposal = reversed } },
                new PeerConsensusMessage { From = real.Proposal.Proposer, Message = new ConsensusMessage { CompactProposal = longer } },
            ];
        };

        await using var client = Participants.Client(_nodes[0]);
        await NetworkChecks.FileMethodologies(client, "copied", 4);
        var head = await client.GetStatusAsync();
        await using var copied = Participants.Client(_nodes[3]);
        await RelayedNetwork.WaitUntil(async () => (await copied.GetStatusAsync()).Height >= head.Height, "node-3 reaches the head");
        output.WriteLine($"relay: {relayed.Compact} compact proposals naming transactions, {copies} copied");
        Assert.True(copies > 0, "copies were sent");
        Assert.True(RelayedNetwork.Lines(_nodes[3], "Rebuilt the proposal") > 0, "node-3 still fetched the real proposals' envelopes");
        Assert.True(RelayedNetwork.Lines(_nodes[3], "NotProposer") > 0, "node-3 refused the copy from another validator");
        await NetworkChecks.AssertSameChain(_nodes);
    }

    [Fact]
    public async Task ProposalTransactions_refuses_indexes_that_are_not_ascending_or_past_the_block()
    {
        _nodes = await NodeProcess.StartNetworkAsync(4);
        await using var client = Participants.Client(_nodes[0]);
        await NetworkChecks.FileMethodologies(client, "served", 1);
        var height = (await client.GetStatusAsync()).Height;
        var block = await client.GetBlockAsync(height);
        while (block!.Block.Transactions.Count == 0)
        {
            block = await client.GetBlockAsync(--height);
        }

        // Served by the proposer of the round it was decided in (a re-proposal is served by the round's proposer).
        var count = block.Block.Transactions.Count;
        var round = block.Certificate.Round;
        var proposer = _nodes.Single(n => n.NodeId == new ValidatorSet(n.Genesis.Validators).Proposer(height, round).ValidatorId);
        using var channel = GrpcChannel.ForAddress(proposer.Url);
        var peer = new Peer.PeerClient(channel);
        ProposalTransactionsRequest Ask(params uint[] indexes) =>
            new() { Height = height, Round = round, BlockHash = block.BlockHash, Indexes = { indexes } };

        // The proposer holds this proposal: all of it, and one envelope by index.
        Assert.Equal(block.Block.Transactions, (await peer.ProposalTransactionsAsync(Ask())).Envelopes);
        Assert.Equal(block.Block.Transactions[0], Assert.Single((await peer.ProposalTransactionsAsync(Ask(0))).Envelopes));
        // Index 0 many times (once a reply of that many envelopes), one past the block, and ascending but past it.
        foreach (var indexes in new uint[][] { [0, 0], Enumerable.Repeat(0u, Blocks.TransactionsPerBlockMax).ToArray(), [(uint)count], [0, (uint)count + 5] })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => peer.ProposalTransactionsAsync(Ask(indexes)).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        }

        if (count > 1)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => peer.ProposalTransactionsAsync(Ask(1, 0)).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        }
    }

    [Fact]
    public async Task A_peer_that_does_not_say_it_takes_compact_proposals_gets_them_whole()
    {
        var relayed = await StartWithRelay(advertise: false);
        await using var client = Participants.Client(_nodes[0]);
        await NetworkChecks.FileMethodologies(client, "older", 4);
        var head = await client.GetStatusAsync();

        await using var older = Participants.Client(_nodes[3]);
        await RelayedNetwork.WaitUntil(async () => (await older.GetStatusAsync()).Height >= head.Height, "node-3 reaches the head");
        output.WriteLine($"relay: {relayed.Compact} compact proposals naming transactions, {relayed.Whole} whole proposals with transactions");
        Assert.Equal(0, relayed.Compact);
        Assert.True(relayed.Whole > 0, "proposals with transactions reached node-3 whole");
        Assert.Equal(0, RelayedNetwork.Lines(_nodes[3], "Rebuilt the proposal"));
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
        await RelayedNetwork.WaitUntil(async () => (await targetClient.GetStatusAsync()).Height >= (await client.GetStatusAsync()).Height, "node-3 has the head");
        var before = await targetClient.GetStatusAsync();
        var chainId = target.Genesis.ChainId;
        var hash = NetworkHashes.For(target.Genesis.HashAlgorithm);
        var next = before.Height + 1;
        var validators = new ValidatorSet(target.Genesis.Validators);
        var first = validators.Proposer(next, 0).ValidatorId;
        var second = validators.Proposer(next, 1).ValidatorId;
        var notFirst = validators.Proposer(next, 2).ValidatorId;

        using var channel = GrpcChannel.ForAddress(target.Url);
        using (var call = new Peer.PeerClient(channel).Consensus())
        {
            // Round 0's proposer's signature over a header naming a transaction nobody holds: node-3 asks it, and it
            // holds no such proposal.
            await Send(call, Compact(hash, chainId, next, first, [Stranger], sign: true));
            // The same with a signature that is not the proposer's: nobody is asked.
            await Send(call, Compact(hash, chainId, next, first, [Enumerable.Reverse(Stranger).ToArray()], sign: false));
            // A validator's own signature for a round it does not propose; and round 0's proposal sent by another.
            await Send(call, Compact(hash, chainId, next, notFirst, [Stranger], sign: true));
            await Send(call, Compact(hash, chainId, next, first, [Stranger, Stranger], sign: true), from: notFirst);
            // No transactions named, so the header's transactions root (all zero) is wrong for the empty block rebuilt.
            await Send(call, Compact(hash, chainId, next, second, [], sign: true, round: 1));
            // An id that is not a hash; and transactions carried beside the ids.
            await Send(call, Compact(hash, chainId, next, first, [new byte[31]], sign: true));
            var carrying = Compact(hash, chainId, next, first, [Stranger], sign: true);
            carrying.CompactProposal.Proposal.Block.Transactions.Add(new Envelope { ChainId = chainId });
            await Send(call, carrying);
            await call.RequestStream.CompleteAsync();
            await call;
        }

        await target.WaitForLogAsync("NotHeld", TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var refusals = target.Log.Split('\n').Where(l => l.Contains($"Could not rebuild the compact proposal of height {next} round ", StringComparison.Ordinal)).ToList();
        foreach (var problem in new[] { "NotHeld", "BadSignature", "NotProposer", "Malformed" })
        {
            Assert.True(refusals.Any(l => l.Contains(problem, StringComparison.Ordinal)), $"node-3 logged {problem}");
        }

        Assert.True(refusals.Count(l => l.Contains("NotProposer", StringComparison.Ordinal)) >= 2, "both proposals not from their proposer were refused");
        Assert.True(refusals.Count >= 7, "each forgery was refused with its reason");

        // The node still takes part: transactions through it and through another commit on every node.
        await NetworkChecks.FileMethodologies(targetClient, "after", 2);
        await NetworkChecks.FileMethodologies(client, "after-0", 2);
        await NetworkChecks.AssertSameChain(_nodes);
        // The forgeries start the height on node-3 (as a forged whole proposal would), so the network may commit it, but
        // never with a forged header: each has time 1 and an all-zero state root.
        var committed = await targetClient.GetBlockAsync(next);
        Assert.NotEqual(1, committed!.Block.Header.TimeMs);
        Assert.NotEqual(new byte[32], committed.Block.Header.StateRoot.ToByteArray());
    }

    /// <summary>A transaction id nobody holds.</summary>
    private static readonly byte[] Stranger = [0xAB, .. new byte[31]];

    /// <summary>A compact proposal at height and round by proposer, with zero hashes in its header; signed with the proposer's key, or junk.</summary>
    private static ConsensusMessage Compact(INetworkHash hash, string chainId, ulong height, string proposer, byte[][] ids, bool sign, uint round = 0)
    {
        var zero = ByteString.CopyFrom(new byte[32]);
        var header = new BlockHeader { ChainId = chainId, Height = height, TimeMs = 1, PreviousHeaderHash = zero, TransactionsRoot = zero, ReceiptsRoot = zero, StateRoot = zero, ValidatorSetHash = zero, Proposer = proposer };
        var proposal = new Proposal { Height = height, Round = round, ValidRound = -1, Block = new Block { Header = header }, Proposer = proposer };
        var signBytes = ConsensusSigning.ProposalSignBytes(chainId, proposal, BlockHashing.HeaderHash(hash, header));
        proposal.Signature = ByteString.CopyFrom(sign ? TestKeys.For(proposer).Sign(signBytes) : new byte[64]);
        var compact = new CompactProposal { Proposal = proposal };
        compact.TransactionIds.AddRange(ids.Select(ByteString.CopyFrom));
        return new ConsensusMessage { CompactProposal = compact };
    }

    private static Task Send(AsyncClientStreamingCall<PeerConsensusMessage, PeerAck> call, ConsensusMessage message, string? from = null) =>
        call.RequestStream.WriteAsync(new PeerConsensusMessage { From = from ?? message.CompactProposal.Proposal.Proposer, Message = message });

    /// <summary>Four validators; the other three reach node-3 through the relay (consensus only, no gossip).</summary>
    private async Task<Relay> StartWithRelay(bool advertise)
    {
        var relay = new Relay(advertise);
        (_relay, _nodes) = await RelayedNetwork.StartAsync<RelayPeer, Relay>(relay, url => relay.Target = url);
        return relay;
    }

    /// <summary>Counts the proposals with transactions the relay passed on, by form; advertise: it passes on node-3's response headers.</summary>
    public sealed class Relay(bool advertise)
    {
        private readonly ConcurrentDictionary<string, int> _counts = new();

        public Uri? Target { get; set; }

        public bool Advertise => advertise;

        /// <summary>Messages the relay sends node-3 just before the one it passes on (forgeries, for the attack tests).</summary>
        public Func<PeerConsensusMessage, IReadOnlyList<PeerConsensusMessage>>? Inject { get; set; }

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
                foreach (var injected in relay.Inject?.Invoke(message) ?? [])
                {
                    await call.RequestStream.WriteAsync(injected, context.CancellationToken);
                }

                await call.RequestStream.WriteAsync(message, context.CancellationToken);
            }

            return new PeerAck();
        }
    }
}

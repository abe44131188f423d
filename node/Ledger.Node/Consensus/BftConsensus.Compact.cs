using Google.Protobuf;
using Grpc.Core;
using Ledger.Consensus;
using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Node.Peers;

namespace Ledger.Node.Consensus;

/// <summary>
/// Compact proposals (D53). A proposal goes to a peer that takes them as its header and transaction ids; the peer
/// rebuilds the block from its mempool, which holds nearly every envelope already by gossip. A rebuilt block reaches
/// the state machine only when its transactions root is the header's: the header hash the proposal signs binds that
/// root, so every validator that rebuilds a signed header rebuilds the same block, and the state machine, which keeps
/// the first block it hears under a header hash, never holds a wrong one. Envelopes it lacks (or all of them, when
/// the root does not match) it asks of the sender, with a bounded wait, off the consensus loop; meanwhile the round
/// goes on, and a propose timeout makes the usual nil prevote.
/// </summary>
public sealed partial class BftConsensus
{
    /// <summary>Compact proposals taken up per height (rebuilt or fetched); more are ignored until the height ends.</summary>
    public const int CompactProposalsPerHeightMax = 64;

    /// <summary>Own proposals kept to serve ProposalTransactions (a valid round's proposal may be asked for later in the height).</summary>
    public const int ProposalsServedMax = 8;

    /// <summary>The longest wait for a peer's envelopes; a round's propose timeout is usually shorter, and the round goes on meanwhile.</summary>
    public static readonly TimeSpan ProposalFetchTimeout = TimeSpan.FromSeconds(5);

    private readonly HashSet<string> _compactSeen = [];
    private readonly Dictionary<ConsensusMessage, ConsensusMessage?> _compactOf = new(ReferenceEqualityComparer.Instance);
    private readonly LinkedList<(ulong Height, uint Round, byte[] Hash, Block Block)> _served = new();
    private readonly Lock _servedGate = new();
    private CancellationToken _running;

    /// <summary>Why a compact proposal did not become a proposal here (logged by name).</summary>
    public enum CompactProblem
    {
        /// <summary>No proposal, block or header; transactions in its block; too many ids, or one not a hash.</summary>
        Malformed,
        /// <summary>Its signature does not verify for its proposer at that height (checked before asking anyone for envelopes).</summary>
        BadSignature,
        /// <summary>The sender answered that it does not hold that proposal, or is not a peer here.</summary>
        NotHeld,
        /// <summary>The sender answered with another number of envelopes than asked for.</summary>
        WrongReply,
        /// <summary>With every envelope from the sender, the block's transactions root is still not the header's.</summary>
        TransactionsRootMismatch,
        /// <summary>The sender did not answer within the wait, or the call failed.</summary>
        FetchFailed,
    }

    /// <summary>The message peers that take compact proposals get instead of a proposal with transactions (built once per proposal).</summary>
    private ConsensusMessage? CompactOf(ConsensusMessage message)
    {
        if (message.KindCase != ConsensusMessage.KindOneofCase.Proposal)
        {
            return null;
        }

        if (!_compactOf.TryGetValue(message, out var compact))
        {
            compact = CompactProposals.Of(message, _chain.Machine.Parameters.Hash);
            _compactOf[message] = compact;
        }

        return compact;
    }

    /// <summary>Broadcast, compact to the peers that take it.</summary>
    private void Broadcast(ConsensusMessage message) => _network.Broadcast(message, CompactOf(message));

    /// <summary>Kept so a peer that could not rebuild it can ask for its envelopes.</summary>
    private void Serve(Proposal proposal, byte[] headerHash)
    {
        lock (_servedGate)
        {
            _served.AddLast((proposal.Height, proposal.Round, headerHash, proposal.Block));
            while (_served.Count > ProposalsServedMax)
            {
                _served.RemoveFirst();
            }
        }
    }

    /// <summary>The envelopes a peer asks for of a proposal held here (PeerService); none when it is not held or an index is out of range.</summary>
    public ProposalTransactionsReply ProposalTransactions(ProposalTransactionsRequest request)
    {
        Block? block;
        lock (_servedGate)
        {
            block = _served.LastOrDefault(p => p.Height == request.Height && p.Round == request.Round && p.Hash.AsSpan().SequenceEqual(request.BlockHash.Span)).Block;
        }

        var reply = new ProposalTransactionsReply();
        if (block is null)
        {
            return reply;
        }

        if (request.Indexes.Count == 0)
        {
            reply.Envelopes.AddRange(block.Transactions);
            return reply;
        }

        if (request.Indexes.Any(i => i >= block.Transactions.Count))
        {
            return reply;
        }

        reply.Envelopes.AddRange(request.Indexes.Select(i => block.Transactions[(int)i]));
        return reply;
    }

    /// <summary>
    /// A compact proposal of the open height: rebuilt from the mempool and handed on as the proposal it names when
    /// every envelope is here and the root matches; otherwise the sender is asked for envelopes off the loop.
    /// Each (height, round, header, signature) is taken up once; the proposer sends it again every RebroadcastInterval.
    /// </summary>
    private IReadOnlyList<ConsensusAction> Rebuild(PeerConsensusMessage peer)
    {
        var compact = peer.Message.CompactProposal;
        var hash = _chain.Machine.Parameters.Hash;
        if (CompactProposals.Malformed(compact) is { } malformed)
        {
            RebuildFailed(peer, CompactProblem.Malformed, malformed);
            return [];
        }

        var proposal = compact.Proposal;
        var headerHash = BlockHashing.HeaderHash(hash, proposal.Block.Header);
        if (_compactSeen.Count >= CompactProposalsPerHeightMax
            || !_compactSeen.Add($"{proposal.Height}/{proposal.Round}/{Convert.ToHexString(headerHash)}/{Convert.ToHexString(proposal.Signature.Span)}"))
        {
            return [];
        }

        var found = _mempool.FindEnvelopes(compact.TransactionIds);
        var missing = Enumerable.Range(0, found.Length).Where(i => found[i] is null).Select(i => (uint)i).ToList();
        if (missing.Count == 0)
        {
            var rebuilt = WithTransactions(proposal, found!);
            if (RootMatches(rebuilt.Block))
            {
                return HandlePeer(new PeerConsensusMessage { From = peer.From, Message = new ConsensusMessage { Proposal = rebuilt } });
            }
        }

        // Someone must now answer for the proposal: only its proposer's signature makes this node ask.
        if (!ConsensusSigning.VerifyProposal(_chain.Genesis.ChainId, proposal, headerHash, _chain.ValidatorsAt(proposal.Height)))
        {
            RebuildFailed(peer, CompactProblem.BadSignature, "the signature is not its proposer's");
            return [];
        }

        _ = Fetch(peer, proposal, headerHash, found, missing, _running);
        return [];
    }

    /// <summary>
    /// Asks the sender for the missing envelopes (or every one, when the mempool's copies gave another root), checks
    /// the root, and puts the rebuilt proposal into the inbox as if the sender had sent it whole.
    /// </summary>
    private async Task Fetch(PeerConsensusMessage peer, Proposal proposal, byte[] headerHash, Envelope?[] found, List<uint> missing, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(ProposalFetchTimeout);
        var started = _clock.GetTimestamp();
        var request = new ProposalTransactionsRequest { Height = proposal.Height, Round = proposal.Round, BlockHash = ByteString.CopyFrom(headerHash) };
        try
        {
            if (missing.Count > 0)
            {
                request.Indexes.AddRange(missing);
                var some = await _network.ProposalTransactions(peer.From, request, deadline.Token);
                if (Unanswered(peer, some, missing.Count))
                {
                    return;
                }

                for (var i = 0; i < missing.Count; i++)
                {
                    found[missing[i]] = some!.Envelopes[i];
                }

                var rebuilt = WithTransactions(proposal, found!);
                if (RootMatches(rebuilt.Block))
                {
                    Rebuilt(peer, rebuilt, missing.Count, _clock.GetElapsedTime(started));
                    return;
                }

                request.Indexes.Clear();
            }

            // The mempool's copies of some ids differ (other signatures): take the proposer's block whole.
            var all = await _network.ProposalTransactions(peer.From, request, deadline.Token);
            if (Unanswered(peer, all, found.Length))
            {
                return;
            }

            var whole = WithTransactions(proposal, all!.Envelopes);
            if (!RootMatches(whole.Block))
            {
                RebuildFailed(peer, CompactProblem.TransactionsRootMismatch, "the sender's own envelopes do not give the header's transactions root");
                return;
            }

            Rebuilt(peer, whole, found.Length, _clock.GetElapsedTime(started));
        }
        catch (Exception exception) when (exception is RpcException or OperationCanceledException)
        {
            if (!stopping.IsCancellationRequested)
            {
                RebuildFailed(peer, CompactProblem.FetchFailed, exception.Message);
            }
        }
    }

    private bool Unanswered(PeerConsensusMessage peer, ProposalTransactionsReply? reply, int asked)
    {
        if (reply is null || reply.Envelopes.Count == 0)
        {
            RebuildFailed(peer, CompactProblem.NotHeld, "the sender does not hold that proposal");
            return true;
        }

        if (reply.Envelopes.Count != asked)
        {
            RebuildFailed(peer, CompactProblem.WrongReply, $"asked for {asked} envelopes, got {reply.Envelopes.Count}");
            return true;
        }

        return false;
    }

    private void Rebuilt(PeerConsensusMessage peer, Proposal proposal, int fetched, TimeSpan took)
    {
        _logger.LogInformation("Rebuilt the proposal of height {Height} round {Round} from {Peer} with {Fetched} of its {Transactions} envelopes fetched in {FetchMs} ms", proposal.Height, proposal.Round, peer.From, fetched, proposal.Block.Transactions.Count, (long)took.TotalMilliseconds);
        _inbox.Writer.TryWrite(new FromPeer(new PeerConsensusMessage { From = peer.From, Message = new ConsensusMessage { Proposal = proposal } }));
    }

    private void RebuildFailed(PeerConsensusMessage peer, CompactProblem problem, string detail)
    {
        var proposal = peer.Message.CompactProposal.Proposal;
        _logger.LogWarning("Could not rebuild the compact proposal of height {Height} round {Round} from {Peer}: {Problem} ({Detail})", proposal?.Height, proposal?.Round, peer.From, problem, detail);
    }

    private bool RootMatches(Block block) => CompactProposals.RootMatches(_chain.Machine.Parameters.Hash, block);

    private static Proposal WithTransactions(Proposal compact, IEnumerable<Envelope> envelopes) => CompactProposals.WithTransactions(compact, envelopes);
}

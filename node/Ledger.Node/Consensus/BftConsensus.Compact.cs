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
    /// <summary>
    /// Different compact proposals taken up per round (rebuilt or fetched), as many as the state machine keeps
    /// proposals per round: only the round's proposer can fill them, so a full round is that proposer's doing.
    /// </summary>
    public const int CompactProposalsPerRoundMax = Tendermint.ProposalsPerRoundMax;

    /// <summary>Own proposals kept to serve ProposalTransactions (a valid round's proposal may be asked for later in the height).</summary>
    public const int ProposalsServedMax = 8;

    /// <summary>The longest wait for a peer's envelopes; a round's propose timeout is usually shorter, and the round goes on meanwhile.</summary>
    public static readonly TimeSpan ProposalFetchTimeout = TimeSpan.FromSeconds(5);

    private readonly CompactSeen _compactSeen = new();
    private readonly Dictionary<ConsensusMessage, ConsensusMessage?> _compactOf = new(ReferenceEqualityComparer.Instance);
    private readonly LinkedList<(ulong Height, uint Round, byte[] Hash, Block Block)> _served = new();
    private readonly Lock _servedGate = new();
    private CancellationToken _running;

    /// <summary>Why a compact proposal did not become a proposal here (logged by name).</summary>
    public enum CompactProblem
    {
        /// <summary>No proposal, block or header; transactions in its block; too many ids, or one not a hash.</summary>
        Malformed,
        /// <summary>Its proposer is not the one the validator set names for its round, or another validator sent it.</summary>
        NotProposer,
        /// <summary>Its signature does not verify for its proposer at that height (checked before it is taken up).</summary>
        BadSignature,
        /// <summary>The sender answered that it does not hold that proposal, or is not a peer here.</summary>
        NotHeld,
        /// <summary>The sender answered with another number of envelopes than asked for.</summary>
        WrongReply,
        /// <summary>With every envelope from the sender, the block's transactions root is still not the header's.</summary>
        TransactionsRootMismatch,
        /// <summary>The sender did not answer within the wait, or the call (or anything else in the fetch) failed.</summary>
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

    /// <summary>
    /// The envelopes a peer asks for of a proposal held here (PeerService); none when it is not held. Indexes must be
    /// strictly ascending and below the block's transaction count (none asks for all): anything else is refused with
    /// InvalidArgument, so a reply is never larger than the block.
    /// </summary>
    public ProposalTransactionsReply ProposalTransactions(ProposalTransactionsRequest request)
    {
        for (var i = 1; i < request.Indexes.Count; i++)
        {
            if (request.Indexes[i] <= request.Indexes[i - 1])
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"indexes must be strictly ascending; index {i} is {request.Indexes[i]} after {request.Indexes[i - 1]}"));
            }
        }

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

        // Ascending, so the last is the largest.
        if (request.Indexes[^1] >= block.Transactions.Count)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"index {request.Indexes[^1]} is past the block's {block.Transactions.Count} transactions"));
        }

        reply.Envelopes.AddRange(request.Indexes.Select(i => block.Transactions[(int)i]));
        return reply;
    }

    /// <summary>
    /// A compact proposal of the open height: rebuilt from the mempool and handed on as the proposal it names when
    /// every envelope is here and the root matches; otherwise the sender is asked for envelopes off the loop.
    /// Taken up only from the proposer the validator set names for its round, sent by that proposer (proposals are
    /// never relayed) and with a signature that verifies; then each (height, round, header, signature, ids, sender)
    /// once, unless its fetch found nothing (the proposer sends it again every RebroadcastInterval, and that retries).
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
        var validators = _chain.ValidatorsAt(proposal.Height);
        var named = validators.Proposer(proposal.Height, proposal.Round).ValidatorId;
        if (proposal.Proposer != named)
        {
            RebuildFailed(peer, CompactProblem.NotProposer, $"it names {proposal.Proposer} as proposer; the validator set names {named} for that round");
            return [];
        }

        if (peer.From != proposal.Proposer)
        {
            RebuildFailed(peer, CompactProblem.NotProposer, $"only {proposal.Proposer} sends its proposals");
            return [];
        }

        // The state machine drops rounds further ahead; nothing to take up for it.
        if (proposal.Round > (ulong)_machine.Round + Tendermint.RoundsAheadMax)
        {
            return [];
        }

        var headerHash = BlockHashing.HeaderHash(hash, proposal.Block.Header);
        var key = CompactSeen.Key(proposal, headerHash, compact.TransactionIds, peer.From);
        if (_compactSeen.Contains(proposal.Round, key))
        {
            return [];
        }

        if (!ConsensusSigning.VerifyProposal(_chain.Genesis.ChainId, proposal, headerHash, validators))
        {
            RebuildFailed(peer, CompactProblem.BadSignature, "the signature is not its proposer's");
            return [];
        }

        if (!_compactSeen.TryAdd(proposal.Round, key))
        {
            // Its proposer already sent CompactProposalsPerRoundMax different ones for this round.
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

        _ = Fetch(peer, proposal, headerHash, found, missing, key, _running);
        return [];
    }

    /// <summary>
    /// Asks the sender for the missing envelopes (or every one, when the mempool's copies gave another root), checks
    /// the root, and puts the rebuilt proposal into the inbox as if the sender had sent it whole.
    /// </summary>
    private async Task Fetch(PeerConsensusMessage peer, Proposal proposal, byte[] headerHash, Envelope?[] found, List<uint> missing, string key, CancellationToken stopping)
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
                    _compactSeen.Remove(proposal.Round, key);
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
                _compactSeen.Remove(proposal.Round, key);
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
        catch (Exception exception)
        {
            // Nobody awaits this task: whatever failed is logged here, and the proposer's next rebroadcast retries.
            _compactSeen.Remove(proposal.Round, key);
            if (!stopping.IsCancellationRequested)
            {
                RebuildFailed(peer, CompactProblem.FetchFailed, exception is RpcException or OperationCanceledException ? exception.Message : exception.ToString());
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

    /// <summary>
    /// The compact proposals taken up in the open height, by round, at most CompactProposalsPerRoundMax a round.
    /// Locked: a fetch that found nothing gives its entry back off the consensus loop.
    /// </summary>
    private sealed class CompactSeen
    {
        private readonly Dictionary<uint, HashSet<string>> _rounds = [];
        private readonly Lock _gate = new();

        /// <summary>Everything the message says: a copy with other ids, or from another sender, is another entry.</summary>
        public static string Key(Proposal proposal, byte[] headerHash, IEnumerable<ByteString> ids, string from)
        {
            using var idsHash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            foreach (var id in ids)
            {
                idsHash.AppendData(id.Span);
            }

            return $"{proposal.Height}/{proposal.Round}/{Convert.ToHexString(headerHash)}/{Convert.ToHexString(proposal.Signature.Span)}/{Convert.ToHexString(idsHash.GetHashAndReset())}/{from}";
        }

        public bool Contains(uint round, string key)
        {
            lock (_gate)
            {
                return _rounds.TryGetValue(round, out var keys) && keys.Contains(key);
            }
        }

        /// <summary>False when it is here already or its round is full.</summary>
        public bool TryAdd(uint round, string key)
        {
            lock (_gate)
            {
                if (!_rounds.TryGetValue(round, out var keys))
                {
                    _rounds[round] = keys = [];
                }

                return keys.Count < CompactProposalsPerRoundMax && keys.Add(key);
            }
        }

        public void Remove(uint round, string key)
        {
            lock (_gate)
            {
                if (_rounds.TryGetValue(round, out var keys))
                {
                    keys.Remove(key);
                }
            }
        }

        public void Clear()
        {
            lock (_gate)
            {
                _rounds.Clear();
            }
        }
    }
}

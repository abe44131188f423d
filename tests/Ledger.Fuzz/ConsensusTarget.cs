using Google.Protobuf;
using Ledger.Consensus;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Fuzz;

/// <summary>
/// Target 3: one validator's Tendermint state machine fed an episode of peer messages — proposals,
/// votes and decisions, correctly signed by the validators the fuzzer holds keys for, forged for the
/// others, at wrong heights and rounds, for invalid or unknown blocks, and damaged on the wire —
/// with its own proposals and votes signed and fed back as the driver does. Invariants: it never
/// throws; it never signs two different votes or proposals for one height, round and kind; every
/// Commit carries a certificate that verifies for a block it found valid; and when the fuzzer holds
/// keys for only one other validator (the node plus one Byzantine peer: half the power), nothing commits.
/// </summary>
public sealed class ConsensusTarget : IFuzzTarget
{
    private const int EventsPerEpisodeMax = 80;

    /// <summary>Actions one event may cause, fed back included; more is a runaway loop.</summary>
    private const int ActionsPerEventMax = 500;

    private static readonly ValidatorSet Validators = new(new TestLedger().Genesis.Validators);

    public string Name => "consensus";

    public void Run(FuzzRandom random, FuzzCounters counters) => new Episode(random, counters).Run();

    private sealed class Application(Func<Block, bool> isValid) : IConsensusApplication
    {
        public Block? Next { get; set; }

        public Block ProposeBlock(ulong height, uint round) => Next ?? MakeBlock(height, 7, TestLedger.ValidatorIds[0]);

        public bool IsValid(Block block) => isValid(block);
    }

    private sealed class Episode
    {
        private readonly FuzzRandom _random;
        private readonly FuzzCounters _counters;
        private readonly string _me;
        private readonly HashSet<string> _held;
        private readonly bool _minority;
        private readonly Application _application;
        private readonly Tendermint _machine;
        private readonly List<Block> _blocks = [];
        private readonly HashSet<string> _invalid = new(StringComparer.Ordinal);
        private readonly Dictionary<(ulong, uint, string), string> _signed = [];
        private readonly List<ScheduleTimeout> _timeouts = [];
        private ulong _height = 1;

        public Episode(FuzzRandom random, FuzzCounters counters)
        {
            _random = random;
            _counters = counters;
            _me = random.Pick(TestLedger.ValidatorIds);
            var others = TestLedger.ValidatorIds.Where(v => v != _me).ToList();
            _minority = random.Chance(50);
            _held = _minority ? [random.Pick(others)] : [.. others];
            _application = new Application(block => !_invalid.Contains(Hex(HashOf(block))) && block.Header.ChainId == TestLedger.ChainId);
            _machine = new Tendermint(new ConsensusConfig(TestLedger.ChainId, _me, TimeoutSettings.Default), _application);
        }

        public void Run()
        {
            NewHeight();
            Execute(_machine.StartHeight(_height, Validators));
            var events = _random.Between(5, EventsPerEpisodeMax);
            for (var i = 0; i < events; i++)
            {
                foreach (var next in _random.Chance(10) ? HonestRound() : [NextEvent()])
                {
                    if (next is not null)
                    {
                        Execute(_machine.Handle(next));
                    }
                }
            }

            _counters.Count(_minority ? "episodes, minority keys" : "episodes, quorum keys");
        }

        /// <summary>Two valid blocks and one the application calls invalid, for the current height.</summary>
        private void NewHeight()
        {
            _blocks.Clear();
            _blocks.Add(MakeBlock(_height, _random.Next(1000), _me));
            _blocks.Add(MakeBlock(_height, 1000 + _random.Next(1000), _me));
            var invalid = MakeBlock(_height, 2000 + _random.Next(1000), _me);
            _invalid.Add(Hex(HashOf(invalid)));
            _blocks.Add(invalid);
            _application.Next = _blocks[0];
        }

        private ConsensusEvent? NextEvent()
        {
            switch (_random.Next(100))
            {
                case < 30: return new VoteArrived(Vote());
                case < 45: return new ProposalArrived(Proposal());
                case < 52: return new DecisionArrived(Decision());
                case < 70: return Timeout();
                case < 90: return OverTheWire(Message());
                default: return OverTheWire(ByteMutator.RandomBytes(_random, 256));
            }
        }

        /// <summary>The held validators behave: prevotes and precommits for one block of the current round, so episodes reach commits and later heights.</summary>
        private List<ConsensusEvent?> HonestRound()
        {
            var block = _random.Pick(_blocks);
            var events = new List<ConsensusEvent?>();
            foreach (var kind in new[] { VoteKind.Prevote, VoteKind.Precommit })
            {
                foreach (var id in _held)
                {
                    var vote = new Vote { Kind = kind, Height = _height, Round = _machine.Round, BlockHash = ByteString.CopyFrom(HashOf(block)), ValidatorId = id };
                    vote.Signature = ByteString.CopyFrom(TestKeys.For(id).Sign(ConsensusSigning.VoteSignBytes(TestLedger.ChainId, vote)));
                    events.Add(new VoteArrived(vote));
                }
            }

            return events;
        }

        private uint RoundOf() => _random.Chance(85) ? (uint)_random.Between(0, (int)Math.Min(_machine.Round + 1, 5)) : _random.Pick(FieldMutator.OddUInt32);

        private ulong HeightOf() => _random.Chance(85) ? _height : _random.Pick(new[] { 0UL, _height - 1, _height + 1, ulong.MaxValue });

        private Block BlockOf()
        {
            if (_random.Chance(90))
            {
                return _random.Pick(_blocks);
            }

            var block = _random.Pick(_blocks).Clone();
            FieldMutator.Mutate(_random, block, TestLedger.ValidatorIds);
            return block;
        }

        /// <summary>A validator the fuzzer can sign for, or any name (then the signature is made with a key it does not hold).</summary>
        private (string Id, SigningKey Key) Sender()
        {
            var id = _random.Chance(80) ? _random.Pick(_held.ToList()) : _random.Chance(70) ? _random.Pick(TestLedger.ValidatorIds) : _random.Pick(FieldMutator.OddStrings);
            return (id, _held.Contains(id) ? TestKeys.For(id) : TestKeys.For("not-" + id));
        }

        private Vote Vote()
        {
            var (id, key) = Sender();
            var hash = _random.Next(10) switch
            {
                < 6 => HashOf(_random.Pick(_blocks)),
                < 9 => [],
                _ => _random.Bytes(_random.Pick(new[] { 0, 31, 32, 33 })),
            };
            var vote = new Vote { Kind = _random.Chance(50) ? VoteKind.Prevote : VoteKind.Precommit, Height = HeightOf(), Round = RoundOf(), BlockHash = ByteString.CopyFrom(hash), ValidatorId = id };
            if (_random.Chance(3))
            {
                vote.Kind = (VoteKind)_random.Pick(FieldMutator.OddInt32);
            }

            vote.Signature = SignOrJunk(key, () => ConsensusSigning.VoteSignBytes(TestLedger.ChainId, vote));
            return vote;
        }

        private Proposal Proposal()
        {
            var round = RoundOf();
            var block = BlockOf();
            var proposer = _random.Chance(80) ? Validators.Proposer(_height, round).ValidatorId : Sender().Id;
            var proposal = new Proposal { Height = HeightOf(), Round = round, ValidRound = _random.Chance(70) ? -1 : _random.Between(-2, (int)Math.Min(round, 6)), Block = block, Proposer = proposer };
            var key = _held.Contains(proposer) ? TestKeys.For(proposer) : TestKeys.For("not-" + proposer);
            var hash = HashOrZeros(block);
            proposal.Signature = SignOrJunk(key, () => ConsensusSigning.ProposalSignBytes(TestLedger.ChainId, proposal, hash));
            return proposal;
        }

        private Decision Decision()
        {
            var block = BlockOf();
            var hash = HashOrZeros(block);
            var certificate = CommitCertificates.Create(HeightOf(), RoundOf(), _random.Chance(90) ? hash : _random.Bytes(32));
            foreach (var _ in Enumerable.Range(0, _random.Between(0, 5)))
            {
                var (id, key) = Sender();
                CommitCertificates.AddSignature(certificate, TestLedger.ChainId, id, key);
            }

            return new Decision { Block = block, Certificate = certificate };
        }

        private ConsensusEvent? Timeout()
        {
            if (_timeouts.Count > 0 && _random.Chance(80))
            {
                var due = _timeouts[_random.Next(_timeouts.Count)];
                _timeouts.Remove(due);
                return new TimeoutElapsed(due.Kind, due.Height, due.Round);
            }

            return new TimeoutElapsed((TimeoutKind)_random.Next(4), HeightOf(), RoundOf());
        }

        private byte[] Message() => (_random.Next(3) switch
        {
            0 => new ConsensusMessage { Vote = Vote() },
            1 => new ConsensusMessage { Proposal = Proposal() },
            _ => new ConsensusMessage { Decision = Decision() },
        }).ToByteArray();

        /// <summary>Damaged bytes decoded as a peer's message, as the peer service would; a decode failure is counted and dropped.</summary>
        private ConsensusEvent? OverTheWire(byte[] bytes)
        {
            ConsensusMessage message;
            try
            {
                message = _random.Chance(50)
                    ? ConsensusMessage.Parser.ParseFrom(ByteMutator.Apply(_random, bytes, _random.Pick(Enum.GetValues<ByteMutator.Mutation>())))
                    : PeerConsensusMessage.Parser.ParseFrom(ByteMutator.Apply(_random, new PeerConsensusMessage { From = "x", Message = ConsensusMessage.Parser.ParseFrom(bytes) }.ToByteArray(), _random.Pick(Enum.GetValues<ByteMutator.Mutation>()))).Message ?? new ConsensusMessage();
            }
            catch (InvalidProtocolBufferException)
            {
                _counters.Count("decode failure");
                return null;
            }

            return message.KindCase switch
            {
                ConsensusMessage.KindOneofCase.Vote => new VoteArrived(message.Vote),
                ConsensusMessage.KindOneofCase.Proposal => new ProposalArrived(message.Proposal),
                ConsensusMessage.KindOneofCase.Decision => new DecisionArrived(message.Decision),
                _ => null,
            };
        }

        /// <summary>
        /// Signs what can be signed. Some damaged messages have no sign bytes (a valid round below -1, an
        /// undeclared vote kind): the state machine refuses those before it verifies, so junk stands in.
        /// </summary>
        private ByteString SignOrJunk(SigningKey key, Func<byte[]> signBytes)
        {
            try
            {
                return ByteString.CopyFrom(key.Sign(signBytes()));
            }
            catch (OverflowException)
            {
                return ByteString.CopyFrom(_random.Bytes(64));
            }
        }

        /// <summary>Carries out actions as the driver does: signs and feeds back its own messages, keeps timeouts, checks commits.</summary>
        private void Execute(IReadOnlyList<ConsensusAction> first)
        {
            var pending = new Queue<ConsensusAction>(first);
            var handled = 0;
            while (pending.TryDequeue(out var action))
            {
                FuzzAssert.That(++handled <= ActionsPerEventMax, $"one event caused over {ActionsPerEventMax} actions");
                foreach (var next in Carry(action))
                {
                    pending.Enqueue(next);
                }
            }
        }

        private IReadOnlyList<ConsensusAction> Carry(ConsensusAction action)
        {
            switch (action)
            {
                case SignAndBroadcastVote { Vote: var vote }:
                    var signedVote = vote.Clone();
                    signedVote.ValidatorId = _me;
                    NotTwice(vote.Height, vote.Round, $"vote {vote.Kind}", Hex(vote.BlockHash.ToByteArray()));
                    signedVote.Signature = ByteString.CopyFrom(TestKeys.For(_me).Sign(ConsensusSigning.VoteSignBytes(TestLedger.ChainId, signedVote)));
                    _counters.Count($"own {vote.Kind}");
                    return _machine.Handle(new VoteArrived(signedVote));
                case SignAndBroadcastProposal { Proposal: var proposal }:
                    var hash = HashOf(proposal.Block);
                    NotTwice(proposal.Height, proposal.Round, "proposal", Hex(hash));
                    var signedProposal = proposal.Clone();
                    signedProposal.Signature = ByteString.CopyFrom(TestKeys.For(_me).Sign(ConsensusSigning.ProposalSignBytes(TestLedger.ChainId, signedProposal, hash)));
                    _counters.Count("own proposal");
                    return _machine.Handle(new ProposalArrived(signedProposal));
                case ScheduleTimeout timeout:
                    _timeouts.Add(timeout);
                    return [];
                case Commit commit:
                    CheckCommit(commit);
                    _height++;
                    _timeouts.Clear();
                    NewHeight();
                    return _machine.StartHeight(_height, Validators);
                case EvidenceFound:
                    _counters.Count("evidence");
                    return [];
                default:
                    throw new FuzzFinding($"unknown action {action.GetType().Name}");
            }
        }

        private void NotTwice(ulong height, uint round, string what, string hash)
        {
            if (_signed.TryGetValue((height, round, what), out var before))
            {
                FuzzAssert.That(before == hash, $"{_me} signed two different {what}s at height {height} round {round}");
            }

            _signed[(height, round, what)] = hash;
        }

        private void CheckCommit(Commit commit)
        {
            FuzzAssert.That(!_minority, $"committed height {commit.Block.Header.Height} while the fuzzer held keys of {_me} and only {string.Join(",", _held)}: no quorum could have signed");
            FuzzAssert.That(commit.Block.Header.Height == _height && commit.BlockHash.AsSpan().SequenceEqual(HashOf(commit.Block)), "the commit's block hash or height is not its block's");
            FuzzAssert.That(CommitCertificates.Problem(commit.Certificate, TestLedger.ChainId, _height, commit.BlockHash, Validators) is null,
                $"committed with a certificate that does not verify: {CommitCertificates.Problem(commit.Certificate, TestLedger.ChainId, _height, commit.BlockHash, Validators)}");
            FuzzAssert.That(_application.IsValid(commit.Block), "committed a block the application called invalid");
            _counters.Count("commits");
        }
    }

    private static Block MakeBlock(ulong height, long tag, string proposer) => new()
    {
        Header = new BlockHeader
        {
            ChainId = TestLedger.ChainId,
            Height = height,
            TimeMs = 1_735_660_800_000 + tag,
            PreviousHeaderHash = ByteString.CopyFrom(new byte[32]),
            TransactionsRoot = ByteString.CopyFrom(new byte[32]),
            ReceiptsRoot = ByteString.CopyFrom(new byte[32]),
            StateRoot = ByteString.CopyFrom(new byte[32]),
            ValidatorSetHash = ByteString.CopyFrom(new byte[32]),
            Proposer = proposer,
        },
    };

    /// <summary>The header hash, or zeros for a damaged block that has none (no header, hashes of the wrong length).</summary>
    private static byte[] HashOrZeros(Block block) =>
        block.Header is { } header && new[] { header.PreviousHeaderHash, header.TransactionsRoot, header.ReceiptsRoot, header.StateRoot, header.ValidatorSetHash }.All(h => h.Length == 32)
            ? HashOf(block)
            : new byte[32];

    private static byte[] HashOf(Block block) => BlockHashing.HeaderHash(Sha256Hash.Instance, block.Header);

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}

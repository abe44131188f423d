using Google.Protobuf;
using Ledger.Consensus;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Node.Consensus;
using Ledger.Testing;

namespace Ledger.Integration.Tests;

/// <summary>
/// The compact form of a proposal and its rebuilding (D53), over seeded random blocks: rebuilt from separate copies
/// of the same envelopes it is the proposal that was signed, byte for byte, with the same sign bytes; rebuilt from a
/// copy of any envelope with the same id but other signatures, or in another order, its root is not the header's,
/// so the signed header admits exactly one block.
/// </summary>
public sealed class CompactProposalRebuildTests
{
    private static readonly INetworkHash Hash = NetworkHashes.For(HashAlgorithm.Sha256);

    [Fact]
    public void A_rebuilt_proposal_is_the_signed_one_and_nothing_else_matches_its_root()
    {
        for (var seed = 1; seed <= 200; seed++)
        {
            var random = new Random(seed);
            var envelopes = Enumerable.Range(0, random.Next(1, 40)).Select(i => RandomEnvelope(random, i)).ToList();
            var full = SignedProposal(envelopes, random);
            var compact = CompactProposals.Of(full, Hash)!.CompactProposal;
            Assert.Null(CompactProposals.Malformed(compact));
            Assert.Empty(compact.Proposal.Block.Transactions);
            Assert.Equal(envelopes.Count, compact.TransactionIds.Count);

            // What another validator's mempool holds: its own parsed copies, found by id.
            var mempool = envelopes.Select(e => Envelope.Parser.ParseFrom(e.ToByteArray())).ToDictionary(e => Convert.ToHexString(SignBytes.TransactionId(Hash, e)));
            var rebuilt = CompactProposals.WithTransactions(compact.Proposal, compact.TransactionIds.Select(id => mempool[Convert.ToHexString(id.Span)]));
            Assert.True(CompactProposals.RootMatches(Hash, rebuilt.Block), $"seed {seed}");
            Assert.Equal(full.Proposal, rebuilt);
            Assert.Equal(full.Proposal.ToByteArray(), rebuilt.ToByteArray());
            var headerHash = BlockHashing.HeaderHash(Hash, rebuilt.Block.Header);
            Assert.Equal(ConsensusSigning.ProposalSignBytes(TestLedger.ChainId, full.Proposal, BlockHashing.HeaderHash(Hash, full.Proposal.Block.Header)), ConsensusSigning.ProposalSignBytes(TestLedger.ChainId, rebuilt, headerHash));

            // One envelope with the same id (same sign bytes) but another signature: another root.
            var index = random.Next(envelopes.Count);
            var other = mempool.Values.Select(e => e.Clone()).ToList();
            var copy = other.Single(e => SignBytes.TransactionId(Hash, e).AsSpan().SequenceEqual(compact.TransactionIds[index].Span));
            copy.Signatures[0].Value = ByteString.CopyFrom(Enumerable.Repeat((byte)random.Next(256), 64).ToArray());
            Assert.Equal(compact.TransactionIds[index], ByteString.CopyFrom(SignBytes.TransactionId(Hash, copy)));
            var byId = other.ToDictionary(e => Convert.ToHexString(SignBytes.TransactionId(Hash, e)));
            var resigned = CompactProposals.WithTransactions(compact.Proposal, compact.TransactionIds.Select(id => byId[Convert.ToHexString(id.Span)]));
            Assert.False(CompactProposals.RootMatches(Hash, resigned.Block), $"seed {seed}: a re-signed copy must not match");

            // The same envelopes in another order, or one left out: another root.
            if (envelopes.Count > 1)
            {
                var swapped = envelopes.ToList();
                (swapped[0], swapped[^1]) = (swapped[^1], swapped[0]);
                Assert.False(CompactProposals.RootMatches(Hash, CompactProposals.WithTransactions(compact.Proposal, swapped).Block));
                Assert.False(CompactProposals.RootMatches(Hash, CompactProposals.WithTransactions(compact.Proposal, envelopes.Skip(1)).Block));
            }
        }
    }

    [Fact]
    public void A_proposal_without_transactions_or_not_a_proposal_has_no_compact_form()
    {
        var empty = SignedProposal([], new Random(7));
        Assert.Null(CompactProposals.Of(empty, Hash));
        Assert.Null(CompactProposals.Of(new ConsensusMessage { Vote = new Vote() }, Hash));
    }

    [Fact]
    public void Malformed_compact_proposals_are_named()
    {
        var compact = CompactProposals.Of(SignedProposal([RandomEnvelope(new Random(3), 0)], new Random(3)), Hash)!.CompactProposal;
        Assert.NotNull(CompactProposals.Malformed(new CompactProposal()));
        var shortId = compact.Clone();
        shortId.TransactionIds[0] = ByteString.CopyFrom(new byte[31]);
        Assert.NotNull(CompactProposals.Malformed(shortId));
        var carrying = compact.Clone();
        carrying.Proposal.Block.Transactions.Add(new Envelope());
        Assert.NotNull(CompactProposals.Malformed(carrying));
        var tooMany = compact.Clone();
        tooMany.TransactionIds.AddRange(Enumerable.Repeat(compact.TransactionIds[0], Blocks.TransactionsPerBlockMax));
        Assert.NotNull(CompactProposals.Malformed(tooMany));
        var badHeader = compact.Clone();
        badHeader.Proposal.Block.Header.StateRoot = ByteString.Empty;
        Assert.NotNull(CompactProposals.Malformed(badHeader));
    }

    private static Envelope RandomEnvelope(Random random, int i)
    {
        var body = new byte[random.Next(1, 300)];
        random.NextBytes(body);
        var envelope = new Envelope { ChainId = TestLedger.ChainId, Body = ByteString.CopyFrom(body), Signer = $"p-{random.Next(5)}", Nonce = (ulong)i, ExpiryHeight = (ulong)random.Next(1000) };
        var signBytes = SignBytes.For(envelope);
        envelope.Signatures.Add(new Signature { Signer = envelope.Signer, Value = ByteString.CopyFrom(TestKeys.For(envelope.Signer).Sign(signBytes)) });
        if (random.Next(3) == 0)
        {
            envelope.Signatures.Add(new Signature { Signer = "co", Value = ByteString.CopyFrom(TestKeys.For("co").Sign(signBytes)) });
        }

        return envelope;
    }

    private static ConsensusMessage SignedProposal(IReadOnlyList<Envelope> envelopes, Random random)
    {
        var hash = new byte[32];
        random.NextBytes(hash);
        var some = ByteString.CopyFrom(hash);
        var header = new BlockHeader
        {
            ChainId = TestLedger.ChainId,
            Height = 5,
            TimeMs = 1_000,
            PreviousHeaderHash = some,
            TransactionsRoot = ByteString.CopyFrom(BlockHashing.TransactionsRoot(Hash, envelopes)),
            ReceiptsRoot = some,
            StateRoot = some,
            ValidatorSetHash = some,
            Proposer = "node-1",
        };
        var lastCommit = new CommitCertificate { Height = 4, Round = 1, BlockHash = some, Signatures = { new CommitSignature { ValidatorId = "node-0", Signature = some } } };
        var proposal = new Proposal { Height = 5, Round = 2, ValidRound = 1, Block = new Block { Header = header, LastCommit = lastCommit, Transactions = { envelopes } }, Proposer = "node-1" };
        proposal.Signature = ByteString.CopyFrom(TestKeys.For("node-1").Sign(ConsensusSigning.ProposalSignBytes(TestLedger.ChainId, proposal, BlockHashing.HeaderHash(Hash, header))));
        return new ConsensusMessage { Proposal = proposal };
    }
}

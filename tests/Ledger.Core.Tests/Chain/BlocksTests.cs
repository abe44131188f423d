using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Testing;

namespace Ledger.Core.Tests.Chain;

/// <summary>Proposing, validating and certifying blocks: what every validator checks before it votes or applies a synced block.</summary>
public sealed class BlocksTests
{
    private readonly TestLedger _ledger = new();
    private readonly ValidatorSet _validators;
    private readonly ChainHead _genesisHead;

    public BlocksTests()
    {
        _validators = new ValidatorSet(_ledger.Genesis.Validators);
        _genesisHead = ChainHead.Genesis(_ledger.Genesis);
    }

    [Fact]
    public void A_proposed_block_validates_on_another_node_with_the_same_roots()
    {
        var proposed = Propose(_genesisHead, null, _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        var (validated, problem) = Blocks.Validate(_ledger.Machine, Fresh(), _genesisHead, proposed.Block, _validators, _validators);
        Assert.Null(problem);
        Assert.Equal(proposed.HeaderHash, validated!.HeaderHash);
        Assert.Equal(proposed.Execution.StateRoot, validated.Execution.StateRoot);
    }

    [Fact]
    public void The_proposer_leaves_out_what_would_be_refused_and_says_why()
    {
        var good = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"));
        var duplicate = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"));
        var (block, leftOut) = Blocks.Propose(_ledger.Machine, _ledger.Store, _genesisHead, [good, duplicate], 1, TestLedger.ValidatorIds[1], _validators, null);
        Assert.Single(block.Block.Transactions);
        Assert.Equal(RejectionCode.MethodologyExists, Assert.Single(leftOut).Receipt.Code);
    }

    [Fact]
    public void A_proposed_block_stays_within_the_byte_limit_and_a_larger_one_is_invalid()
    {
        _ledger.ApprovedProject("P-big", "owner-a");
        var batch = _ledger.Issue("P-big", 20089, 20100, 100_000);
        var longPurpose = new string('碳', 1_000);
        var requests = Enumerable.Range(0, 800).Select(_ =>
        {
            var body = Bodies.RequestCancellation(batch, 1);
            body.RequestCancellation.Purpose = longPurpose;
            return _ledger.Sign("owner-a", body);
        }).ToList();
        Assert.True(requests.Sum(r => r.CalculateSize()) > Limits.BlockBytesMax);

        var head = new ChainHead(_ledger.Height, new byte[32], _ledger.TimeMs);
        var (proposed, _) = Blocks.Propose(_ledger.Machine, _ledger.Store, head, requests, _ledger.TimeMs + 1, TestLedger.ValidatorIds[0], _validators, null);
        Assert.InRange(proposed.Block.Transactions.Sum(t => t.CalculateSize()), 1, Limits.BlockBytesMax);
        Assert.True(proposed.Block.Transactions.Count < requests.Count);

        var oversized = proposed.Block.Clone();
        oversized.Transactions.Add(requests.Skip(proposed.Block.Transactions.Count).Take(200));
        oversized.Header.TransactionsRoot = ByteString.CopyFrom(BlockHashing.TransactionsRoot(_ledger.Machine.Parameters.Hash, oversized.Transactions));
        Assert.Contains("bytes", Blocks.Validate(_ledger.Machine, _ledger.Store, head, oversized, _validators, _validators).Problem);
    }

    [Fact]
    public void A_block_over_the_transactions_limit_from_a_byzantine_proposer_is_invalid()
    {
        // Counted before anything is executed or hashed, so the cost of refusing it does not grow with it.
        var block = Propose(_genesisHead, null).Block;
        block.Transactions.Add(Enumerable.Range(0, Blocks.TransactionsPerBlockMax + 1).Select(_ => new Envelope()));
        AssertInvalid(block, _genesisHead, $"at most {Blocks.TransactionsPerBlockMax}");
    }

    [Fact]
    public void A_block_holding_a_refused_transaction_is_invalid()
    {
        var forged = EnvelopeFactory.Create(TestLedger.ChainId, Bodies.FileMethodology("M-1"), TestLedger.Bureau, TestKeys.For("mallory"), 1, 100);
        var block = Propose(_genesisHead, null).Block;
        var execution = _ledger.Machine.ApplyBlock(_ledger.Store, new BlockContext(1, block.Header.TimeMs), [forged]);
        block.Transactions.Add(forged);
        block.Header.TransactionsRoot = ByteString.CopyFrom(BlockHashing.TransactionsRoot(_ledger.Machine.Parameters.Hash, block.Transactions));
        block.Header.ReceiptsRoot = ByteString.CopyFrom(BlockHashing.ReceiptsRoot(_ledger.Machine.Parameters.Hash, execution.Receipts));
        block.Header.StateRoot = ByteString.CopyFrom(execution.StateRoot);
        AssertInvalid(block, _genesisHead, "refused");
    }

    [Fact]
    public void A_tampered_transaction_breaks_the_transactions_root()
    {
        var block = Propose(_genesisHead, null, _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"))).Block;
        block.Transactions[0].Nonce++;
        AssertInvalid(block, _genesisHead, "transactions root");
    }

    [Fact]
    public void A_wrong_state_root_is_refused()
    {
        var block = Propose(_genesisHead, null, _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"))).Block;
        block.Header.StateRoot = ByteString.CopyFrom(new byte[32]);
        AssertInvalid(block, _genesisHead, "state root");
    }

    [Fact]
    public void A_block_that_does_not_follow_the_head_is_refused()
    {
        var block = Propose(_genesisHead, null).Block;
        block.Header.PreviousHeaderHash = ByteString.CopyFrom(Enumerable.Repeat((byte)1, 32).ToArray());
        AssertInvalid(block, _genesisHead, "does not follow");
    }

    [Fact]
    public void Block_time_must_advance()
    {
        var block = Propose(_genesisHead, null).Block;
        block.Header.TimeMs = _genesisHead.TimeMs;
        AssertInvalid(block, _genesisHead, "not after");
    }

    [Fact]
    public void The_second_block_must_carry_a_quorum_certificate_of_the_first()
    {
        var (head, certificate) = CommitFirstBlock(TestLedger.ValidatorIds[..3]);
        Assert.Null(Blocks.Validate(_ledger.Machine, _ledger.Store, head, Propose(head, certificate).Block, _validators, _validators).Problem);
        AssertInvalid(Propose(head, null).Block, head, "no commit certificate");
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2 })]
    [InlineData(new[] { 1, 2, 3 })]
    [InlineData(new[] { 0, 2, 3 })]
    [InlineData(new[] { 0, 1, 2, 3 })]
    public void Any_quorum_subset_certifies(int[] signers)
    {
        var (head, certificate) = CommitFirstBlock(signers.Select(i => TestLedger.ValidatorIds[i]).ToArray());
        Assert.Null(CommitCertificates.Problem(certificate, TestLedger.ChainId, 1, head.HeaderHash, _validators));
    }

    [Fact]
    public void Two_of_four_validators_do_not_certify()
    {
        var (head, certificate) = CommitFirstBlock(TestLedger.ValidatorIds[..2]);
        Assert.Contains("more than 2/3", CommitCertificates.Problem(certificate, TestLedger.ChainId, 1, head.HeaderHash, _validators));
    }

    [Fact]
    public void A_certificate_with_a_bad_signature_is_refused_even_with_a_quorum_besides()
    {
        var (head, certificate) = CommitFirstBlock(TestLedger.ValidatorIds);
        certificate.Signatures[3].Signature = ByteString.CopyFrom(new byte[64]);
        Assert.Contains("does not verify", CommitCertificates.Problem(certificate, TestLedger.ChainId, 1, head.HeaderHash, _validators));
    }

    [Fact]
    public void A_certificate_counting_one_validator_twice_is_refused()
    {
        var (head, certificate) = CommitFirstBlock(TestLedger.ValidatorIds[..2]);
        certificate.Signatures.Add(certificate.Signatures[0]);
        Assert.Contains("twice", CommitCertificates.Problem(certificate, TestLedger.ChainId, 1, head.HeaderHash, _validators));
    }

    [Fact]
    public void A_quorum_of_nil_precommits_is_no_certificate()
    {
        // An announcement (D49) carries only the certificate; one of nil precommits must not pass as a commit.
        var certificate = CommitCertificates.Create(1, 0, []);
        foreach (var signer in TestLedger.ValidatorIds)
        {
            CommitCertificates.AddSignature(certificate, TestLedger.ChainId, signer, TestKeys.For(signer));
        }

        Assert.Contains("names no block", CommitCertificates.Problem(certificate, TestLedger.ChainId, 1, certificate.BlockHash.Span, _validators));
    }

    [Fact]
    public void A_certificate_signed_by_a_stranger_is_refused()
    {
        var (head, certificate) = CommitFirstBlock(TestLedger.ValidatorIds[..3]);
        CommitCertificates.AddSignature(certificate, TestLedger.ChainId, "stranger", TestKeys.For("stranger"));
        Assert.Contains("not a validator", CommitCertificates.Problem(certificate, TestLedger.ChainId, 1, head.HeaderHash, _validators));
    }

    [Fact]
    public void A_certificate_for_another_block_is_refused()
    {
        var (_, certificate) = CommitFirstBlock(TestLedger.ValidatorIds);
        Assert.Contains("another block", CommitCertificates.Problem(certificate, TestLedger.ChainId, 1, new byte[32], _validators));
    }

    [Fact]
    public void A_precommit_for_another_chain_does_not_count()
    {
        var (head, certificate) = CommitFirstBlock(TestLedger.ValidatorIds);
        Assert.NotNull(CommitCertificates.Problem(certificate, "ordos-other", 1, head.HeaderHash, _validators));
    }

    [Fact]
    public void The_proposer_rotates_with_height_and_round()
    {
        var proposers = Enumerable.Range(0, 4).Select(h => _validators.Proposer((ulong)h, 0).ValidatorId).ToList();
        Assert.Equal(4, proposers.Distinct().Count());
        Assert.Equal(_validators.Proposer(1, 1).ValidatorId, _validators.Proposer(2, 0).ValidatorId);
    }

    private (ChainHead Head, CommitCertificate Certificate) CommitFirstBlock(IReadOnlyList<string> signers)
    {
        var proposed = Propose(_genesisHead, null, _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        _ledger.Store.Apply(proposed.Execution.Changes);
        var certificate = CommitCertificates.Create(1, 0, proposed.HeaderHash);
        foreach (var signer in signers)
        {
            CommitCertificates.AddSignature(certificate, TestLedger.ChainId, signer, TestKeys.For(signer));
        }

        return (new ChainHead(1, proposed.HeaderHash, proposed.Block.Header.TimeMs), certificate);
    }

    private ExecutedBlock Propose(ChainHead head, CommitCertificate? lastCommit, params Envelope[] envelopes) =>
        Blocks.Propose(_ledger.Machine, _ledger.Store, head, envelopes, head.TimeMs + 1_000, TestLedger.ValidatorIds[(int)(head.Height + 1) % 4], _validators, lastCommit).Block;

    private InMemoryState Fresh()
    {
        var store = new InMemoryState();
        store.Apply(_ledger.Machine.ApplyGenesis(_ledger.Genesis).Changes);
        return store;
    }

    private void AssertInvalid(Block block, ChainHead head, string expected)
    {
        var (validated, problem) = Blocks.Validate(_ledger.Machine, _ledger.Store, head, block, _validators, _validators);
        Assert.Null(validated);
        Assert.Contains(expected, problem);
    }
}

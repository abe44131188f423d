using Google.Protobuf;
using Ledger.Core.Cancellation;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Core.Tests.Cancellation;

/// <summary>CancellationCertificates on an in-memory chain whose blocks are certified by three of four genesis validators.</summary>
public sealed class CancellationCertificateTests
{
    private const uint Jan1 = 20089;
    private readonly TestLedger _ledger = new();

    [Fact]
    public void A_certificate_built_from_committed_blocks_verifies()
    {
        Assert.Empty(CancellationCertificates.Verify(_ledger.Genesis, Certificate()));
    }

    [Theory]
    [InlineData("beneficiary")]
    [InlineData("purpose")]
    [InlineData("serial range")]
    [InlineData("grams")]
    [InlineData("batch id")]
    [InlineData("holder")]
    [InlineData("using entity")]
    [InlineData("custody user or consent")]
    public void An_altered_summary_field_is_named(string field)
    {
        var certificate = Certificate();
        Action alter = field switch
        {
            "beneficiary" => () => certificate.Beneficiary += "x",
            "purpose" => () => certificate.Purpose = "other",
            "serial range" => () => certificate.SerialRange = certificate.BatchId + ":2-401",
            "grams" => () => certificate.AmountGrams++,
            "batch id" => () => certificate.BatchId += "x",
            "using entity" => () => certificate.UsingEntity = "Someone else",
            "custody user or consent" => () => certificate.ConsentRef = "consent never given",
            _ => () => certificate.Holder = TestLedger.Operator,
        };
        alter();

        Assert.Contains(CancellationCertificates.Verify(_ledger.Genesis, certificate), p => p.StartsWith(field, StringComparison.Ordinal));
    }

    [Fact]
    public void An_altered_merkle_path_hash_is_a_merkle_path_mismatch()
    {
        var certificate = Certificate();
        certificate.Request.MerklePath[0] = Flip(certificate.Request.MerklePath[0]);

        Assert.Contains("request: Merkle path mismatch", string.Join('\n', CancellationCertificates.Verify(_ledger.Genesis, certificate)), StringComparison.Ordinal);
    }

    [Fact]
    public void An_altered_state_root_breaks_the_commit_certificate()
    {
        var certificate = Certificate();
        certificate.Request.Header.StateRoot = Flip(certificate.Request.Header.StateRoot);

        Assert.Contains("request: commit certificate", string.Join('\n', CancellationCertificates.Verify(_ledger.Genesis, certificate)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_validator_set_other_than_the_genesis_set_is_named()
    {
        var certificate = Certificate();
        certificate.Approval.Validators[0].Power++;

        var problems = string.Join('\n', CancellationCertificates.Verify(_ledger.Genesis, certificate));

        Assert.Contains("approval: validator set hash mismatch", problems, StringComparison.Ordinal);
        Assert.Contains("approval: validator set differs from the genesis validators", problems, StringComparison.Ordinal);
    }

    [Fact]
    public void A_flipped_byte_of_an_envelope_body_fails_without_throwing()
    {
        var certificate = Certificate();
        certificate.Request.Envelope.Body = Flip(certificate.Request.Envelope.Body);

        Assert.NotEmpty(CancellationCertificates.Verify(_ledger.Genesis, certificate));
    }

    [Fact]
    public void Serial_ranges_parse_only_in_their_one_form()
    {
        Assert.Equal((5UL, 9UL), CancellationCertificates.ParseSerialRange("B:1:5-9", "B:1"));
        Assert.Null(CancellationCertificates.ParseSerialRange("B:5-9", "B:1"));
        Assert.Null(CancellationCertificates.ParseSerialRange("B:1:9-5", "B:1"));
        Assert.Null(CancellationCertificates.ParseSerialRange("B:1:+5-9", "B:1"));
    }

    private static ByteString Flip(ByteString bytes)
    {
        var flipped = bytes.ToByteArray();
        flipped[flipped.Length / 2] ^= 0x01;
        return ByteString.CopyFrom(flipped);
    }

    /// <summary>Request (second of two transactions in its block) and approval (alone in a later block).</summary>
    private CancellationCertificate Certificate()
    {
        _ledger.ApprovedProject("PV-1", "owner-a");
        var batch = _ledger.Issue("PV-1", Jan1, Jan1 + 30, 1_000);
        var filler = _ledger.Sign("owner-a", Bodies.RequestCancellation(batch, 100));
        var request = _ledger.Sign("owner-a", Bodies.RequestCancellation(batch, 400));
        var requestBlock = Commit(filler, request);
        var cancellationId = requestBlock.Receipts[1].Attributes.Single(a => a.Key == "cancellation_id").Value;
        var approvalBlock = Commit(_ledger.Sign(TestLedger.Operator, Bodies.ApproveCancellation(cancellationId)));
        var record = _ledger.View.GetCancellation(cancellationId)!;
        return CancellationCertificates.Build(_ledger.Genesis.HashAlgorithm, record, requestBlock, 1, approvalBlock, 0);
    }

    private CancellationCertificates.CommittedBlock Commit(params Envelope[] envelopes)
    {
        var receipts = _ledger.ApplyBlock(envelopes);
        Assert.All(receipts, r => TestLedger.Committed(r));
        var hash = NetworkHashes.For(_ledger.Genesis.HashAlgorithm);
        var header = new BlockHeader
        {
            ChainId = TestLedger.ChainId,
            Height = _ledger.Height,
            TimeMs = _ledger.TimeMs,
            PreviousHeaderHash = ByteString.CopyFrom(new byte[BlockHashing.HashBytes]),
            TransactionsRoot = ByteString.CopyFrom(BlockHashing.TransactionsRoot(hash, envelopes)),
            ReceiptsRoot = ByteString.CopyFrom(BlockHashing.ReceiptsRoot(hash, receipts)),
            StateRoot = ByteString.CopyFrom(_ledger.StateRoot),
            ValidatorSetHash = ByteString.CopyFrom(new ValidatorSet(_ledger.Genesis.Validators).Hash(hash)),
            Proposer = TestLedger.ValidatorIds[0],
        };
        var certificate = CommitCertificates.Create(header.Height, 0, BlockHashing.HeaderHash(hash, header));
        foreach (var validator in TestLedger.ValidatorIds.Take(3))
        {
            CommitCertificates.AddSignature(certificate, TestLedger.ChainId, validator, TestKeys.For(validator));
        }

        var block = new Block { Header = header, Transactions = { envelopes } };
        return new CancellationCertificates.CommittedBlock(block, receipts, certificate, _ledger.Genesis.Validators);
    }
}

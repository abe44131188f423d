using Google.Protobuf;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Core.Tests.Execution;

/// <summary>One test per rejection code: the code comes back with a message, and the state is exactly as before.</summary>
public sealed class RejectionTests
{
    private readonly TestLedger _ledger = new();

    private const uint Jan1 = 20089; // 2025-01-01

    [Fact]
    public void Malformed_body_is_refused()
    {
        var envelope = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"));
        envelope.Body = ByteString.CopyFrom(0xFF, 0xFF, 0xFF);
        envelope.Signatures[0] = Resign(envelope, TestLedger.Bureau);
        AssertRefused(RejectionCode.Malformed, envelope);
    }

    [Fact]
    public void Body_without_a_kind_is_refused()
    {
        var envelope = _ledger.Sign(TestLedger.Bureau, new TransactionBody());
        AssertRefused(RejectionCode.Malformed, envelope);
    }

    [Fact]
    public void Non_canonical_body_encoding_is_refused()
    {
        var envelope = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"));
        // The same message followed by an unknown field 15: parses, but is not the canonical encoding.
        envelope.Body = ByteString.CopyFrom([.. envelope.Body.ToByteArray(), 0x78, 0x01]);
        envelope.Signatures[0] = Resign(envelope, TestLedger.Bureau);
        AssertRefused(RejectionCode.Malformed, envelope);
    }

    [Fact]
    public void Envelope_with_unknown_fields_is_refused()
    {
        var envelope = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"));
        var withUnknown = Envelope.Parser.ParseFrom([.. envelope.ToByteArray(), 0x78, 0x01]);
        AssertRefused(RejectionCode.Malformed, withUnknown);
    }

    [Fact]
    public void Envelope_for_another_chain_is_refused()
    {
        var envelope = EnvelopeFactory.Create("other-chain", Bodies.FileMethodology("M-1"), TestLedger.Bureau, _ledger.KeyOf(TestLedger.Bureau), 7, 100);
        AssertRefused(RejectionCode.WrongChain, envelope);
    }

    [Fact]
    public void Expired_envelope_is_refused()
    {
        _ledger.ApplyBlock();
        _ledger.ApplyBlock();
        var envelope = EnvelopeFactory.Create(TestLedger.ChainId, Bodies.FileMethodology("M-1"), TestLedger.Bureau, _ledger.KeyOf(TestLedger.Bureau), 7, expiryHeight: 2);
        AssertRefused(RejectionCode.Expired, envelope);
    }

    [Fact]
    public void Expiry_too_far_ahead_is_refused()
    {
        var envelope = EnvelopeFactory.Create(TestLedger.ChainId, Bodies.FileMethodology("M-1"), TestLedger.Bureau, _ledger.KeyOf(TestLedger.Bureau), 7, Limits.ExpiryHeightsAheadMax + 10);
        AssertRefused(RejectionCode.InvalidField, envelope);
    }

    [Fact]
    public void Reused_nonce_is_refused()
    {
        var first = EnvelopeFactory.Create(TestLedger.ChainId, Bodies.FileMethodology("M-1"), TestLedger.Bureau, _ledger.KeyOf(TestLedger.Bureau), 42, 100);
        TestLedger.Committed(_ledger.ApplyBlock(first)[0]);
        var second = EnvelopeFactory.Create(TestLedger.ChainId, Bodies.FileMethodology("M-2"), TestLedger.Bureau, _ledger.KeyOf(TestLedger.Bureau), 42, 100);
        AssertRefused(RejectionCode.NonceReused, second);
    }

    [Fact]
    public void Replayed_envelope_is_refused()
    {
        var envelope = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"));
        TestLedger.Committed(_ledger.ApplyBlock(envelope)[0]);
        AssertRefused(RejectionCode.NonceReused, envelope);
    }

    [Fact]
    public void Same_envelope_twice_in_one_block_commits_once()
    {
        var envelope = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"));
        var receipts = _ledger.ApplyBlock(envelope, envelope);
        Assert.Equal(RejectionCode.Unspecified, receipts[0].Code);
        Assert.Equal(RejectionCode.NonceReused, receipts[1].Code);
    }

    [Fact]
    public void Unknown_signer_is_refused()
    {
        var envelope = EnvelopeFactory.Create(TestLedger.ChainId, Bodies.FileMethodology("M-1"), "nobody", TestKeys.For("nobody"), 1, 100);
        AssertRefused(RejectionCode.UnknownSigner, envelope);
    }

    [Fact]
    public void Forged_signature_is_refused()
    {
        var envelope = EnvelopeFactory.Create(TestLedger.ChainId, Bodies.FileMethodology("M-1"), TestLedger.Bureau, TestKeys.For("mallory"), 1, 100);
        AssertRefused(RejectionCode.BadSignature, envelope);
    }

    [Fact]
    public void Signature_over_other_bytes_is_refused()
    {
        var envelope = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"));
        envelope.Nonce++;
        AssertRefused(RejectionCode.BadSignature, envelope);
    }

    [Fact]
    public void Envelope_without_signature_is_refused()
    {
        var envelope = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"));
        envelope.Signatures.Clear();
        AssertRefused(RejectionCode.MissingSignature, envelope);
    }

    [Fact]
    public void First_signature_must_be_the_signers()
    {
        var envelope = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"));
        envelope.Signatures[0].Signer = TestLedger.Operator;
        AssertRefused(RejectionCode.MissingSignature, envelope);
    }

    [Fact]
    public void Too_many_signatures_are_refused()
    {
        var envelope = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"));
        for (var i = 0; i < Limits.SignaturesPerEnvelopeMax; i++)
        {
            envelope.Signatures.Add(envelope.Signatures[0]);
        }

        AssertRefused(RejectionCode.InvalidField, envelope);
    }

    [Fact]
    public void Two_signatures_by_one_signer_are_refused()
    {
        var envelope = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"), TestLedger.Bureau);
        AssertRefused(RejectionCode.InvalidField, envelope);
    }

    [Fact]
    public void Suspended_signer_is_refused()
    {
        _ledger.Register("trader-a", Role.Trader);
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Update("trader-a", ParticipantStatus.Suspended, Role.Trader)));
        AssertRefused(RejectionCode.SignerSuspended, _ledger.Sign("trader-a", Bodies.RequestCancellation("ORD-P-x-20250101-20250131", 1)));
    }

    [Fact]
    public void Signer_without_the_role_is_refused()
    {
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(TestLedger.Operator, Bodies.FileMethodology("M-1")));
    }

    [Fact]
    public void Operator_may_not_grant_bureau_roles()
    {
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(TestLedger.Operator, Bodies.Register("v-2", TestKeys.For("v-2"), Role.Verifier)));
    }

    [Fact]
    public void Operator_registers_enterprises()
    {
        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.Register("trader-a", TestKeys.For("trader-a"), Role.Trader)));
    }

    [Fact]
    public void Participant_may_not_change_itself()
    {
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(TestLedger.Bureau, Bodies.Update(TestLedger.Bureau, ParticipantStatus.Suspended, Role.Bureau)));
    }

    [Fact]
    public void Invalid_participant_id_is_refused()
    {
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(TestLedger.Bureau, Bodies.Register("bad id\0", TestKeys.For("x"), Role.Trader)));
    }

    [Fact]
    public void Registering_an_id_twice_is_refused()
    {
        _ledger.Register("trader-a", Role.Trader);
        AssertRefused(RejectionCode.ParticipantExists, _ledger.Sign(TestLedger.Bureau, Bodies.Register("trader-a", TestKeys.For("other"), Role.Trader)));
    }

    [Fact]
    public void Updating_an_unknown_participant_is_refused()
    {
        AssertRefused(RejectionCode.UnknownParticipant, _ledger.Sign(TestLedger.Bureau, Bodies.Update("ghost", ParticipantStatus.Active, Role.Trader)));
    }

    [Fact]
    public void Malformed_public_key_is_refused()
    {
        var body = Bodies.Register("trader-a", TestKeys.For("trader-a"), Role.Trader);
        body.RegisterParticipant.PublicKey.Key = ByteString.CopyFrom(new byte[31]);
        AssertRefused(RejectionCode.InvalidKey, _ledger.Sign(TestLedger.Bureau, body));
    }

    [Fact]
    public void Unsupported_key_algorithm_is_refused()
    {
        var body = Bodies.Register("trader-a", TestKeys.For("trader-a"), Role.Trader);
        body.RegisterParticipant.PublicKey.Algorithm = (KeyAlgorithm)99;
        AssertRefused(RejectionCode.InvalidKey, _ledger.Sign(TestLedger.Bureau, body));
    }

    [Fact]
    public void Transfer_to_a_suspended_recipient_is_refused()
    {
        var batch = IssuedTo("owner-a", 1_000);
        _ledger.Register("trader-b", Role.Trader);
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Update("trader-b", ParticipantStatus.Suspended, Role.Trader)));
        AssertRefused(RejectionCode.RecipientSuspended, _ledger.Sign("owner-a", Bodies.Transfer("trader-b", batch, 10), TestLedger.Operator));
    }

    [Fact]
    public void Transfer_to_an_unknown_recipient_is_refused()
    {
        var batch = IssuedTo("owner-a", 1_000);
        AssertRefused(RejectionCode.UnknownParticipant, _ledger.Sign("owner-a", Bodies.Transfer("ghost", batch, 10), TestLedger.Operator));
    }

    [Fact]
    public void Transfer_to_a_non_trading_party_is_refused()
    {
        var batch = IssuedTo("owner-a", 1_000);
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign("owner-a", Bodies.Transfer(TestLedger.Verifier, batch, 10), TestLedger.Operator, TestLedger.Verifier));
    }

    [Fact]
    public void Filing_a_methodology_twice_is_refused()
    {
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        AssertRefused(RejectionCode.MethodologyExists, _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
    }

    [Fact]
    public void Methodology_with_an_unknown_level_is_refused()
    {
        var body = Bodies.FileMethodology("M-1");
        body.FileMethodology.Level = MethodologyLevel.Unspecified;
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(TestLedger.Bureau, body));
    }

    [Fact]
    public void Applying_under_an_unknown_methodology_is_refused()
    {
        _ledger.Register("owner-a", Role.ProjectOwner);
        AssertRefused(RejectionCode.UnknownMethodology, _ledger.Sign("owner-a", Bodies.ApplyProject("P-1", "M-none")));
    }

    [Fact]
    public void Applying_under_a_superseded_methodology_is_refused()
    {
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        var successor = Bodies.FileMethodology("M-1.1");
        successor.FileMethodology.SupersedesMethodologyId = "M-1";
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, successor));
        _ledger.Register("owner-a", Role.ProjectOwner);
        AssertRefused(RejectionCode.MethodologyNotActive, _ledger.Sign("owner-a", Bodies.ApplyProject("P-1", "M-1")));
    }

    [Fact]
    public void Superseding_a_superseded_methodology_is_refused()
    {
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        var successor = Bodies.FileMethodology("M-1.1");
        successor.FileMethodology.SupersedesMethodologyId = "M-1";
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, successor));
        var second = Bodies.FileMethodology("M-1.2");
        second.FileMethodology.SupersedesMethodologyId = "M-1";
        AssertRefused(RejectionCode.MethodologyNotActive, _ledger.Sign(TestLedger.Bureau, second));
    }

    [Fact]
    public void Applying_for_an_existing_project_is_refused()
    {
        _ledger.ApprovedProject("P-1", "owner-a");
        AssertRefused(RejectionCode.ProjectExists, _ledger.Sign("owner-a", Bodies.ApplyProject("P-1", "M-1")));
    }

    [Fact]
    public void Approving_with_a_malformed_project_id_is_refused()
    {
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(TestLedger.Bureau, new TransactionBody { ApproveProject = new ApproveProject { ProjectId = "P 1\u0000x" } }));
    }

    [Fact]
    public void Approving_an_unknown_project_is_refused()
    {
        AssertRefused(RejectionCode.UnknownProject, _ledger.Sign(TestLedger.Bureau, new TransactionBody { ApproveProject = new ApproveProject { ProjectId = "P-none" } }));
    }

    [Fact]
    public void Approving_twice_is_refused()
    {
        _ledger.ApprovedProject("P-1", "owner-a");
        AssertRefused(RejectionCode.InvalidStatusTransition, _ledger.Sign(TestLedger.Bureau, new TransactionBody { ApproveProject = new ApproveProject { ProjectId = "P-1" } }));
    }

    [Fact]
    public void Issuance_for_an_unapproved_project_is_refused()
    {
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        _ledger.Register("owner-a", Role.ProjectOwner);
        TestLedger.Committed(_ledger.Submit("owner-a", Bodies.ApplyProject("P-1", "M-1")));
        AssertRefused(RejectionCode.ProjectNotApproved, IssueEnvelope("P-1", Jan1, Jan1 + 30, 1_000, 1));
    }

    [Fact]
    public void Issuance_for_a_rejected_project_is_refused()
    {
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        _ledger.Register("owner-a", Role.ProjectOwner);
        TestLedger.Committed(_ledger.Submit("owner-a", Bodies.ApplyProject("P-1", "M-1")));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, new TransactionBody { RejectProject = new RejectProject { ProjectId = "P-1", Reason = "boundary unclear" } }));
        AssertRefused(RejectionCode.ProjectNotApproved, IssueEnvelope("P-1", Jan1, Jan1 + 30, 1_000, 1));
    }

    [Fact]
    public void Overlapping_monitoring_period_is_double_issuance()
    {
        _ledger.ApprovedProject("P-1", "owner-a");
        _ledger.Issue("P-1", Jan1, Jan1 + 30, 1_000);
        AssertRefused(RejectionCode.DoubleIssuance, IssueEnvelope("P-1", Jan1 + 30, Jan1 + 60, 1_000, 2));
    }

    [Fact]
    public void Reused_report_hash_is_refused()
    {
        _ledger.ApprovedProject("P-1", "owner-a");
        _ledger.Issue("P-1", Jan1, Jan1 + 30, 1_000, reportSeed: 1);
        var sameReport = Bodies.Issue("P-1", Jan1 + 31, Jan1 + 60, 1_000, Bodies.ReportHash(1, Jan1, "P-1"));
        AssertRefused(RejectionCode.ReportHashReused, _ledger.Sign(TestLedger.Bureau, sameReport, TestLedger.Verifier));
    }

    [Fact]
    public void Project_registered_elsewhere_never_issues()
    {
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        _ledger.Register("owner-a", Role.ProjectOwner);
        TestLedger.Committed(_ledger.Submit("owner-a", Bodies.ApplyProject("P-1", "M-1", "VCS-4521")));
        _ledger.Approve("P-1");
        AssertRefused(RejectionCode.ExcludedElsewhere, IssueEnvelope("P-1", Jan1, Jan1 + 30, 1_000, 1));
    }

    [Fact]
    public void Zero_amount_is_refused()
    {
        _ledger.ApprovedProject("P-1", "owner-a");
        AssertRefused(RejectionCode.InvalidAmount, IssueEnvelope("P-1", Jan1, Jan1 + 30, 0, 1));
    }

    [Fact]
    public void Amount_above_the_batch_maximum_is_refused()
    {
        _ledger.ApprovedProject("P-1", "owner-a");
        AssertRefused(RejectionCode.InvalidAmount, IssueEnvelope("P-1", Jan1, Jan1 + 30, Limits.GramsPerBatchMax + 1, 1));
    }

    [Fact]
    public void Period_ending_before_it_starts_is_refused()
    {
        _ledger.ApprovedProject("P-1", "owner-a");
        AssertRefused(RejectionCode.InvalidPeriod, IssueEnvelope("P-1", Jan1 + 30, Jan1, 1_000, 1));
    }

    [Fact]
    public void Issuance_without_the_verifiers_signature_is_refused()
    {
        _ledger.ApprovedProject("P-1", "owner-a");
        var body = Bodies.Issue("P-1", Jan1, Jan1 + 30, 1_000, Bodies.ReportHash(1, Jan1, "P-1"));
        AssertRefused(RejectionCode.MissingSignature, _ledger.Sign(TestLedger.Bureau, body));
    }

    [Fact]
    public void Issuance_signed_by_a_non_verifier_is_refused()
    {
        _ledger.ApprovedProject("P-1", "owner-a");
        var body = Bodies.Issue("P-1", Jan1, Jan1 + 30, 1_000, Bodies.ReportHash(1, Jan1, "P-1"), verifier: TestLedger.Operator);
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(TestLedger.Bureau, body, TestLedger.Operator));
    }

    [Fact]
    public void Transfer_of_an_unknown_batch_is_refused()
    {
        _ledger.Register("owner-a", Role.ProjectOwner);
        _ledger.Register("trader-b", Role.Trader);
        AssertRefused(RejectionCode.UnknownBatch, _ledger.Sign("owner-a", Bodies.Transfer("trader-b", "ORD-P-none-20250101-20250131", 1), TestLedger.Operator, "trader-b"));
    }

    [Fact]
    public void Spending_more_than_held_is_refused()
    {
        var batch = IssuedTo("owner-a", 1_000);
        _ledger.Register("trader-b", Role.Trader);
        AssertRefused(RejectionCode.InsufficientBalance, _ledger.Sign("owner-a", Bodies.Transfer("trader-b", batch, 1_001), TestLedger.Operator, "trader-b"));
    }

    [Fact]
    public void Transfer_without_operator_attestation_is_refused()
    {
        var batch = IssuedTo("owner-a", 1_000);
        _ledger.Register("trader-b", Role.Trader);
        AssertRefused(RejectionCode.MissingSignature, _ledger.Sign("owner-a", Bodies.Transfer("trader-b", batch, 10), "trader-b"));
    }

    [Fact]
    public void Transfer_to_oneself_is_refused()
    {
        var batch = IssuedTo("owner-a", 1_000);
        AssertRefused(RejectionCode.SelfTransfer, _ledger.Sign("owner-a", Bodies.Transfer("owner-a", batch, 10), TestLedger.Operator));
    }

    [Fact]
    public void Approving_an_unknown_cancellation_is_refused()
    {
        AssertRefused(RejectionCode.UnknownCancellation, _ledger.Sign(TestLedger.Operator, Bodies.ApproveCancellation("00ff")));
    }

    [Fact]
    public void Approving_a_cancellation_twice_is_refused()
    {
        var batch = IssuedTo("owner-a", 1_000);
        var cancellation = TestLedger.Committed(_ledger.Submit("owner-a", Bodies.RequestCancellation(batch, 100))).Attributes.Single(a => a.Key == "cancellation_id").Value;
        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.ApproveCancellation(cancellation)));
        AssertRefused(RejectionCode.CancellationNotPending, _ledger.Sign(TestLedger.Operator, Bodies.ApproveCancellation(cancellation)));
    }

    [Fact]
    public void Rotated_out_key_is_refused()
    {
        _ledger.Register("trader-a", Role.Trader);
        var newKey = TestKeys.For("trader-a-2");
        var rotate = new TransactionBody { RotateKey = new RotateKey { ParticipantId = "trader-a", NewPublicKey = newKey.ToPublicKey() } };
        var envelope = _ledger.Sign("trader-a", rotate);
        EnvelopeFactory.CoSign(envelope, "trader-a", newKey);
        TestLedger.Committed(_ledger.ApplyBlock(envelope)[0]);
        AssertRefused(RejectionCode.BadSignature, _ledger.Sign("trader-a", Bodies.RequestCancellation("ORD-P-x-20250101-20250131", 1)));
    }

    [Fact]
    public void Key_rotation_without_proof_of_possession_is_refused()
    {
        _ledger.Register("trader-a", Role.Trader);
        var rotate = new TransactionBody { RotateKey = new RotateKey { ParticipantId = "trader-a", NewPublicKey = TestKeys.For("trader-a-2").ToPublicKey() } };
        AssertRefused(RejectionCode.MissingSignature, _ledger.Sign("trader-a", rotate));
    }

    [Fact]
    public void Key_rotation_with_a_wrong_proof_is_refused()
    {
        _ledger.Register("trader-a", Role.Trader);
        var rotate = new TransactionBody { RotateKey = new RotateKey { ParticipantId = "trader-a", NewPublicKey = TestKeys.For("trader-a-2").ToPublicKey() } };
        var envelope = _ledger.Sign("trader-a", rotate);
        EnvelopeFactory.CoSign(envelope, "trader-a", TestKeys.For("someone-else"));
        AssertRefused(RejectionCode.BadSignature, envelope);
    }

    [Fact]
    public void Rotating_another_participants_key_needs_the_bureau()
    {
        _ledger.Register("trader-a", Role.Trader);
        _ledger.Register("trader-b", Role.Trader);
        var newKey = TestKeys.For("trader-b-2");
        var rotate = new TransactionBody { RotateKey = new RotateKey { ParticipantId = "trader-b", NewPublicKey = newKey.ToPublicKey() } };
        var envelope = _ledger.Sign("trader-a", rotate);
        EnvelopeFactory.CoSign(envelope, "trader-b", newKey);
        AssertRefused(RejectionCode.UnauthorizedRole, envelope);
    }

    private Envelope IssueEnvelope(string projectId, uint firstDay, uint lastDay, ulong grams, byte reportSeed) =>
        _ledger.Sign(TestLedger.Bureau, Bodies.Issue(projectId, firstDay, lastDay, grams, Bodies.ReportHash(reportSeed, firstDay, projectId)), TestLedger.Verifier);

    private string IssuedTo(string owner, ulong grams)
    {
        _ledger.ApprovedProject("P-" + owner, owner);
        return _ledger.Issue("P-" + owner, Jan1, Jan1 + 30, grams);
    }

    private Signature Resign(Envelope envelope, string signer) =>
        new() { Signer = signer, Value = ByteString.CopyFrom(_ledger.KeyOf(signer).Sign(SignBytes.For(envelope))) };

    /// <summary>The envelope is refused with code and a message, in a block of its own, and nothing in the state changes but the root's chain.</summary>
    private void AssertRefused(RejectionCode code, Envelope envelope)
    {
        var checkReceipt = _ledger.Machine.Check(_ledger.Store, new BlockContext(_ledger.Height + 1, _ledger.TimeMs), envelope);
        var result = _ledger.Machine.ApplyBlock(_ledger.Store, new BlockContext(_ledger.Height + 1, _ledger.TimeMs), [envelope]);
        var receipt = result.Receipts.Single();
        Assert.True(receipt.Code == code, $"expected {code}, got {receipt.Code}: {receipt.Message}");
        Assert.False(string.IsNullOrWhiteSpace(receipt.Message));
        Assert.Equal(receipt, checkReceipt);
        var changedKeys = result.Changes.Entries.Select(e => e.Key).ToList();
        Assert.True(changedKeys.Count == 1 && changedKeys[0].AsSpan().SequenceEqual(State.StateKeys.StateRoot), "a refused transaction writes nothing but the block's root");
    }
}

using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Testing;

namespace Ledger.Core.Tests.Chain;

/// <summary>The bureau changes the validators; the change signs from two heights after its block, and the auditor follows it.</summary>
public sealed class ValidatorChangeTests
{
    private readonly TestLedger _ledger = new();

    [Fact]
    public void Only_the_bureau_changes_the_validators()
    {
        Assert.Equal(RejectionCode.UnauthorizedRole, _ledger.Submit(TestLedger.Operator, Change(("node-new", 10))).Code);
    }

    [Fact]
    public void A_change_that_leaves_no_validator_is_refused()
    {
        var removeAll = Change(TestLedger.ValidatorIds.Select(id => (id, 0UL)).ToArray());
        Assert.Equal(RejectionCode.InvalidField, _ledger.Submit(TestLedger.Bureau, removeAll).Code);
    }

    [Fact]
    public void A_validator_without_a_valid_key_is_refused()
    {
        var body = Change(("node-new", 10));
        body.ChangeValidators.Updates[0].PublicKey.Key = Google.Protobuf.ByteString.CopyFrom(new byte[5]);
        Assert.Equal(RejectionCode.InvalidKey, _ledger.Submit(TestLedger.Bureau, body).Code);
    }

    [Fact]
    public void A_change_committed_at_h_takes_effect_at_h_plus_2()
    {
        var receipt = TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Change(("node-verifier-2", 0), ("node-new", 10))));
        var h = _ledger.Height;
        Assert.Equal((h + 2).ToString(System.Globalization.CultureInfo.InvariantCulture), receipt.Attributes.Single(a => a.Key == "effective_height").Value);
        Assert.NotNull(ValidatorSchedules.At(_ledger.Store, h + 1).Find("node-verifier-2"));
        Assert.Null(ValidatorSchedules.At(_ledger.Store, h + 2).Find("node-verifier-2"));
        Assert.NotNull(ValidatorSchedules.At(_ledger.Store, h + 2).Find("node-new"));
        Assert.NotNull(ValidatorSchedules.At(_ledger.Store, 1).Find("node-verifier-2"));
    }

    [Fact]
    public void The_auditor_follows_a_validator_change_and_refuses_the_old_set_after_it()
    {
        var newSet = new[] { "node-bureau", "node-operator", "node-verifier-1", "node-new" };
        var oldSet = TestLedger.ValidatorIds;
        var (blocks, certificates) = Chain(3, height => height >= 3 ? newSet[..3] : oldSet[..3]);
        var verified = ChainVerifier.Verify(_ledger.Genesis, 3, h => (blocks[(int)h - 1], certificates[(int)h - 1]));
        Assert.True(verified.Verified, verified.Problem);

        var (oldBlocks, oldCertificates) = Chain(3, _ => new[] { "node-operator", "node-verifier-1", "node-verifier-2" });
        var refused = ChainVerifier.Verify(_ledger.Genesis, 3, h => (oldBlocks[(int)h - 1], oldCertificates[(int)h - 1]));
        Assert.Equal(3UL, refused.FailedHeight);
        Assert.Contains("not a validator", refused.Problem);
    }

    /// <summary>A chain whose first block changes the validators, each block certified by signersAt(height).</summary>
    private (List<Block> Blocks, List<CommitCertificate> Certificates) Chain(ulong heights, Func<ulong, string[]> signersAt)
    {
        var state = new InMemoryState();
        state.Apply(_ledger.Machine.ApplyGenesis(_ledger.Genesis).Changes);
        var head = ChainHead.Genesis(_ledger.Genesis);
        var change = EnvelopeFactory(Change(("node-verifier-2", 0), ("node-new", 10)));
        var blocks = new List<Block>();
        var certificates = new List<CommitCertificate>();
        for (var height = 1UL; height <= heights; height++)
        {
            var (proposed, _) = Blocks.Propose(_ledger.Machine, state, head, height == 1 ? [change] : [], head.TimeMs + 1_000, "node-bureau", certificates.LastOrDefault());
            state.Apply(proposed.Execution.Changes);
            var certificate = CommitCertificates.Create(height, 0, proposed.HeaderHash);
            foreach (var signer in signersAt(height))
            {
                CommitCertificates.AddSignature(certificate, TestLedger.ChainId, signer, TestKeys.For(signer));
            }

            blocks.Add(proposed.Block);
            certificates.Add(certificate);
            head = new ChainHead(height, proposed.HeaderHash, proposed.Block.Header.TimeMs);
        }

        return (blocks, certificates);
    }

    private Envelope EnvelopeFactory(TransactionBody body) =>
        Ledger.Core.Execution.EnvelopeFactory.Create(TestLedger.ChainId, body, TestLedger.Bureau, _ledger.KeyOf(TestLedger.Bureau), 77, 100);

    private static TransactionBody Change(params (string Id, ulong Power)[] updates) => new()
    {
        ChangeValidators = new ChangeValidators
        {
            Updates = { updates.Select(u => new ValidatorUpdate { ValidatorId = u.Id, PublicKey = TestKeys.For(u.Id).ToPublicKey(), Power = u.Power }) },
        },
    };
}

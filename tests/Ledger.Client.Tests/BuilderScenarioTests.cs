using System.Security.Cryptography;
using System.Text;
using Ledger.Client.Builders;
using Ledger.Client.Keys;
using Ledger.Core.Protocol;
using Ledger.Testing;
using HashAlgorithm = Ledger.Core.Protocol.HashAlgorithm;

namespace Ledger.Client.Tests;

/// <summary>Every builder, signed by the SDK, is accepted by Ledger.Core's state machine.</summary>
public sealed class BuilderScenarioTests
{
    private const string Owner = "owner-1";
    private const string Trader = "trader-1";
    private const string Trader2 = "trader-2";
    private const string Expert = "expert-1";
    private const string ScenarioCompany = "travel-app";

    public static TheoryData<KeyAlgorithm, HashAlgorithm> Networks => new()
    {
        { KeyAlgorithm.Ed25519, HashAlgorithm.Sha256 },
        { KeyAlgorithm.Sm2, HashAlgorithm.Sm3 },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Every_builder_produces_a_body_the_ledger_commits(KeyAlgorithm keys, HashAlgorithm hash)
    {
        var sdk = new SdkLedger(new TestLedger(hash, keys));
        var (bureau, operatorSigner, verifier) = (sdk.Signer(TestLedger.Bureau), sdk.Signer(TestLedger.Operator), sdk.Signer(TestLedger.Verifier));
        var ledger = sdk.Ledger;

        sdk.Commit(Transactions.RegisterParticipant(Owner, "Ordos Solar Co.", [Role.ProjectOwner], ledger.KeyOf(Owner).ToPublicKey()), bureau);
        sdk.Commit(Transactions.RegisterParticipant(Trader, "Inner Mongolia Steel", [Role.Trader], ledger.KeyOf(Trader).ToPublicKey()), operatorSigner);
        sdk.Commit(Transactions.RegisterParticipant(Trader2, "Kangbashi Hotel", [Role.Trader], ledger.KeyOf(Trader2).ToPublicKey()), bureau);
        sdk.Commit(Transactions.UpdateParticipant(Trader2, "Kangbashi Hotel Group", [Role.Trader, Role.RightsProvider], ParticipantStatus.Active), bureau);
        Assert.Equal("Kangbashi Hotel Group", ledger.View.GetParticipant(Trader2)!.Name);

        sdk.Commit(Transactions.FileMethodology("M-1", "Distributed photovoltaics", MethodologyLevel.Local, "1.0", ["pv"]), bureau);
        sdk.Commit(Transactions.FileMethodology("M-2", "Distributed photovoltaics", MethodologyLevel.Local, "2.0", ["pv", "pv-storage"], supersedesMethodologyId: "M-1"), bureau);
        Assert.Equal(MethodologyStatus.Superseded, ledger.View.GetMethodology("M-1")!.Status);

        var owner = sdk.Signer(Owner);
        sdk.Commit(Transactions.ApplyProject("P-1", "Rooftop PV, Dongsheng", "M-2"), owner);
        sdk.Commit(Transactions.ApplyProject("P-2", "Rooftop PV, Ejin Horo", "M-2", ["VCS-1234"]), owner);
        sdk.Commit(Transactions.RegisterParticipant(Expert, "Prof. Wang (expert committee)", [Role.Expert], ledger.KeyOf(Expert).ToPublicKey()), bureau);
        var expert = sdk.Signer(Expert);
        sdk.Commit(Transactions.SubmitReview("P-1", favourable: true, SHA256.HashData(Encoding.UTF8.GetBytes("opinion on P-1")), "sound baseline"), expert);
        sdk.Commit(Transactions.SubmitReview("P-2", favourable: false, "double counted with VCS"), expert);
        sdk.Commit(Transactions.StartPublicNotice("P-1"), operatorSigner);
        var objection = sdk.Commit(Transactions.FileObjection("P-1", "panels predate the scheme", onBehalfOf: "public-comment-0017"), operatorSigner);
        sdk.Commit(Transactions.AnswerObjection("P-1", uint.Parse(SdkLedger.AttributeOf(objection, "objection_number"), System.Globalization.CultureInfo.InvariantCulture), "commissioning certificate checked"), bureau);
        sdk.Commit(Transactions.ApproveProject("P-1"), bureau);
        sdk.Commit(Transactions.RejectProject("P-2", "registered in VCS (§17)"), bureau);
        Assert.Equal(ProjectStatus.Rejected, ledger.View.GetProject("P-2")!.Status);

        var reportHash = SHA256.HashData(Encoding.UTF8.GetBytes("verification report P-1 2025Q1"));
        var issued = sdk.Commit(Transactions.IssueProjectReductions("P-1", new DateOnly(2025, 1, 1), new DateOnly(2025, 3, 31), 1_000_000, reportHash, TestLedger.Verifier), bureau, verifier);
        var batchId = SdkLedger.AttributeOf(issued, "batch_id");

        sdk.Commit(Transactions.Transfer(Trader, batchId, 400_000, 18_000_00, "CNY"), owner, operatorSigner, sdk.Signer(Trader));

        var trader = sdk.Signer(Trader);
        var requested = sdk.Commit(Transactions.RequestCancellation(batchId, 100_000, "Ordos No. 1 Middle School", "2025 campus carbon neutrality"), trader);
        var approvedId = SdkLedger.AttributeOf(requested, "cancellation_id");
        sdk.Commit(Transactions.ApproveCancellation(approvedId), operatorSigner);
        var declined = sdk.Commit(Transactions.RequestCancellation(batchId, 50_000, "Ordos No. 1 Middle School", "2025 sports day"), trader);
        sdk.Commit(Transactions.DeclineCancellation(SdkLedger.AttributeOf(declined, "cancellation_id"), "the beneficiary could not be confirmed"), operatorSigner);

        var balance = ledger.View.GetBalance(Trader, batchId);
        Assert.Equal((300_000UL, 0UL, 100_000UL), (balance.TradableGrams, balance.EscrowedGrams, balance.RetiredGrams));
        Assert.Equal(600_000UL, ledger.View.GetBalance(Owner, batchId).TradableGrams);
        Assert.Equal(CancellationStatus.Approved, ledger.View.GetCancellation(approvedId)!.Status);

        EveryLifecycleBuilder(sdk, bureau, operatorSigner, owner, expert);
    }

    /// <summary>Calendar, scenario methodology and application, exceptions, exclusions, evaluation, suspension, reinstatement.</summary>
    private static void EveryLifecycleBuilder(SdkLedger sdk, LedgerSigner bureau, LedgerSigner operatorSigner, LedgerSigner owner, LedgerSigner expert)
    {
        var ledger = sdk.Ledger;
        sdk.Commit(Transactions.SetCalendar(2025, [new DateOnly(2025, 1, 1), new DateOnly(2025, 10, 1)], [new DateOnly(2025, 9, 28)]), bureau);
        Assert.Equal(2, ledger.View.GetCalendar(2025)!.Holidays.Count);

        sdk.Commit(Transactions.FileScenarioMethodology("SM-1", "Green travel", MethodologyLevel.Local, "1.0", [Transactions.EmissionFactor("cycling", "km", 120), Transactions.EmissionFactor("transit", "km", 37, 2)], 2_000), bureau);
        sdk.Commit(Transactions.FileMethodology("M-G", "PV (group standard)", MethodologyLevel.Group, "1.0", ["pv"]), bureau);
        sdk.Commit(Transactions.GrantMethodologyException("P-3", "M-G", "pilot of the association standard"), bureau);
        sdk.Commit(Transactions.ApplyProject("P-3", "Rooftop PV, Otog", "M-G"), owner);
        sdk.Commit(Transactions.WithdrawMethodology("M-G", "superseded by the local methodology"), bureau);
        Assert.Equal(MethodologyStatus.Withdrawn, ledger.View.GetMethodology("M-G")!.Status);
        sdk.Commit(Transactions.DeclareExternalRegistration("P-3", "GS-88"), owner);
        sdk.Commit(Transactions.AddExclusion("CCER", "CCER-0042", "P-3", "listed in the CCER registry"), bureau);
        Assert.Equal(2, ledger.View.GetProject("P-3")!.ExternalRegistryIds.Count + ledger.View.GetProject("P-3")!.BureauExclusions.Count);

        ledger.Register(ScenarioCompany, Role.ScenarioCompany);
        sdk.Commit(Transactions.ApplyScenario("S-1", "Green travel, Kangbashi", "SM-1"), sdk.Signer(ScenarioCompany));
        sdk.Commit(Transactions.SubmitReview("S-1", favourable: true, "factors match the methodology"), expert);
        sdk.Commit(Transactions.StartPublicNotice("S-1"), operatorSigner);
        sdk.Commit(Transactions.Approve("S-1"), bureau);
        sdk.Commit(Transactions.Reject("P-3", "methodology withdrawn"), bureau);

        var today = Core.Calendar.WorkingDays.Date(ledger.Today);
        var evaluation = sdk.Commit(Transactions.RecordEvaluation("P-1", "meter calibration overdue", today), operatorSigner);
        var number = uint.Parse(SdkLedger.AttributeOf(evaluation, "evaluation_number"), System.Globalization.CultureInfo.InvariantCulture);
        ledger.AdvanceTo(ledger.TimeMs + Core.Calendar.WorkingDays.DayMs);
        sdk.Commit(Transactions.Suspend("P-1", number, "calibration not rectified in time"), bureau);
        sdk.Commit(Transactions.RecordRectification("P-1", number, "meters recalibrated"), owner);
        sdk.Commit(Transactions.Reinstate("P-1"), bureau);
        Assert.Equal(ProjectStatus.Approved, ledger.View.GetProject("P-1")!.Status);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Every_trading_builder_produces_a_body_the_ledger_commits(KeyAlgorithm keys, HashAlgorithm hash)
    {
        var sdk = new SdkLedger(new TestLedger(hash, keys));
        var ledger = sdk.Ledger;
        ledger.ApprovedProject("P-1", Owner);
        ledger.Register(Trader, Role.Trader);
        ledger.Register("mall-1", Role.RightsProvider);
        var batchId = ledger.Issue("P-1", 20089, 20179, 1_000_000);
        var (owner, trader, provider, operatorSigner) = (sdk.Signer(Owner), sdk.Signer(Trader), sdk.Signer("mall-1"), sdk.Signer(TestLedger.Operator));
        var now = DateTimeOffset.FromUnixTimeMilliseconds(ledger.TimeMs);

        var opened = sdk.Commit(Transactions.OpenAuction(Owner, batchId, 300_000, "CNY", 10_000, 500, now.AddSeconds(3)), operatorSigner, owner);
        var auctionId = SdkLedger.AttributeOf(opened, "auction_id");
        sdk.Commit(Transactions.PlaceBid(auctionId, 10_000), trader);
        ledger.ApplyBlock();
        sdk.Commit(Transactions.SettleAuction(auctionId), operatorSigner);
        var second = SdkLedger.AttributeOf(sdk.Commit(Transactions.OpenAuction(Owner, batchId, 100_000, "CNY", 0, 1, now.AddDays(1)), operatorSigner, owner), "auction_id");
        sdk.Commit(Transactions.CancelAuction(second, "the seller withdrew the lot"), operatorSigner);

        sdk.Commit(Transactions.PublishMallOffer("tea-set", "Ordos tea set", MallOfferKind.Goods, 5_000, 10, now.AddDays(-1), now.AddDays(30)), provider);
        sdk.Commit(Transactions.UpdateMallOffer("tea-set", 4_000, 20, now.AddDays(60)), provider);
        sdk.Commit(Transactions.Redeem("tea-set", 3, batchId, SHA256.HashData("voucher"u8)), trader);
        sdk.Commit(Transactions.WithdrawMallOffer("tea-set"), provider);
        sdk.Commit(Transactions.RequestCancellation(batchId, 1_000, "Ordos No. 1 Middle School", "neutrality", "Ordos Education Bureau"), trader);

        Assert.Equal((287_000UL, 12_000UL), (ledger.View.GetBalance(Trader, batchId).TradableGrams, ledger.View.GetBalance("mall-1", batchId).TradableGrams));
        Assert.Equal(700_000UL, ledger.View.GetBalance(Owner, batchId).TradableGrams);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void A_participant_rotates_its_own_key_with_the_rotate_key_helper(KeyAlgorithm keys, HashAlgorithm hash)
    {
        var sdk = new SdkLedger(new TestLedger(hash, keys));
        sdk.Ledger.Register(Owner, Role.ProjectOwner);
        using var newKey = KeyFile.Generate(keys);
        var oldSigner = sdk.Signer(Owner);

        var rotation = Envelopes.RotateKey(TestLedger.ChainId, oldSigner, Owner, newKey, Envelopes.NewNonce(), sdk.Ledger.Height + 10);
        TestLedger.Committed(sdk.Apply(rotation));

        Assert.Equal(newKey.ToPublicKey(), sdk.Ledger.View.GetParticipant(Owner)!.PublicKey);
        var withOldKey = sdk.Apply(Transactions.ApplyProject("P-9", "Rooftop PV", "M-1"), oldSigner);
        Assert.Equal(RejectionCode.BadSignature, withOldKey.Code);
        sdk.Commit(Transactions.FileMethodology("M-1", "PV", MethodologyLevel.Local, "1.0", ["pv"]), sdk.Signer(TestLedger.Bureau));
        sdk.Commit(Transactions.ApplyProject("P-9", "Rooftop PV", "M-1"), new LedgerSigner(Owner, newKey));
    }

    [Fact]
    public void The_bureau_rotates_a_lost_key_with_the_holders_proof_of_possession()
    {
        var sdk = new SdkLedger(new TestLedger());
        sdk.Ledger.Register(Trader, Role.Trader);
        using var newKey = KeyFile.Generate(KeyAlgorithm.Sm2);

        var rotation = Envelopes.RotateKey(TestLedger.ChainId, sdk.Signer(TestLedger.Bureau), Trader, newKey, Envelopes.NewNonce(), sdk.Ledger.Height + 10);

        TestLedger.Committed(sdk.Apply(rotation));
        Assert.Equal(KeyAlgorithm.Sm2, sdk.Ledger.View.GetParticipant(Trader)!.PublicKey.Algorithm);
    }

    [Fact]
    public void A_rotation_without_the_proof_of_possession_is_refused()
    {
        var sdk = new SdkLedger(new TestLedger());
        sdk.Ledger.Register(Owner, Role.ProjectOwner);
        using var newKey = KeyFile.Generate(KeyAlgorithm.Ed25519);

        var receipt = sdk.Apply(Transactions.RotateKey(Owner, newKey.ToPublicKey()), sdk.Signer(Owner));

        Assert.Equal(RejectionCode.MissingSignature, receipt.Code);
    }

    [Fact]
    public void A_prepared_envelope_co_signed_by_a_second_party_commits()
    {
        var sdk = new SdkLedger(new TestLedger());
        sdk.Ledger.ApprovedProject("P-1", Owner);
        sdk.Ledger.Register(Trader, Role.Trader);
        var batchId = sdk.Ledger.Issue("P-1", 20089, 20179, 1_000);

        // Step 1, at the seller: sign the offer alone. Step 2, at the buyer: accept. Step 3, at the operator: attest.
        var envelope = sdk.Sign(Transactions.Transfer(Trader, batchId, 250, 1_125, "CNY"), sdk.Signer(Owner));
        Assert.Equal(RejectionCode.MissingSignature, sdk.Ledger.Machine.ApplyBlock(sdk.Ledger.Store, new Core.Execution.BlockContext(sdk.Ledger.Height + 1, sdk.Ledger.TimeMs), [envelope]).Receipts[0].Code);
        Envelopes.CoSign(envelope, sdk.Signer(Trader));
        Assert.Equal(RejectionCode.MissingSignature, sdk.Ledger.Machine.ApplyBlock(sdk.Ledger.Store, new Core.Execution.BlockContext(sdk.Ledger.Height + 1, sdk.Ledger.TimeMs), [envelope]).Receipts[0].Code);
        Envelopes.CoSign(envelope, sdk.Signer(TestLedger.Operator));

        TestLedger.Committed(sdk.Apply(envelope));
        Assert.Equal(250UL, sdk.Ledger.View.GetBalance(Trader, batchId).TradableGrams);
    }

    [Fact]
    public void The_transaction_id_the_sdk_computes_is_the_ledgers()
    {
        var sdk = new SdkLedger(new TestLedger());
        sdk.Ledger.ApprovedProject("P-1", Owner);
        var batchId = sdk.Ledger.Issue("P-1", 20089, 20179, 1_000);
        var envelope = sdk.Sign(Transactions.RequestCancellation(batchId, 10, "school", "neutrality"), sdk.Signer(Owner));

        var receipt = TestLedger.Committed(sdk.Apply(envelope));

        Assert.Equal(Envelopes.TransactionId(envelope, HashAlgorithm.Sha256), SdkLedger.AttributeOf(receipt, "cancellation_id"));
        Assert.Equal(Convert.ToHexStringLower(receipt.TransactionId.Span), Envelopes.TransactionId(envelope, HashAlgorithm.Sha256));
    }

    [Fact]
    public void Nonces_are_random_so_two_envelopes_for_one_body_are_two_transactions()
    {
        var sdk = new SdkLedger(new TestLedger());
        sdk.Ledger.ApprovedProject("P-1", Owner);
        var batchId = sdk.Ledger.Issue("P-1", 20089, 20179, 1_000);
        var body = Transactions.RequestCancellation(batchId, 10, "school", "neutrality");

        var first = sdk.Sign(body, sdk.Signer(Owner));
        var second = sdk.Sign(body, sdk.Signer(Owner));

        Assert.NotEqual(first.Nonce, second.Nonce);
        Assert.All(sdk.Ledger.ApplyBlock(first, second), r => TestLedger.Committed(r));
    }
}

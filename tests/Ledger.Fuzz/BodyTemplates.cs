using Google.Protobuf;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Fuzz;

/// <summary>A body with who would sign it. For RotateKey the signer's own co-signature is made with NewKey.</summary>
public sealed record BodyCase(TransactionBody Body, string Signer, string[] CoSigners, SigningKey? NewKey = null);

/// <summary>
/// One plausible body of every TransactionBody kind, aimed at the FuzzWorld's records and signed by
/// the role that would send it; the fuzzer then damages its fields. A test fails when a kind of the
/// oneof has no entry here.
/// </summary>
public static class BodyTemplates
{
    private const string Bureau = TestLedger.Bureau;
    private const string Operator = TestLedger.Operator;
    private const string Verifier = TestLedger.Verifier;

    public static readonly IReadOnlyDictionary<TransactionBody.KindOneofCase, Func<FuzzWorld, FuzzRandom, BodyCase>> ByKind =
        new Dictionary<TransactionBody.KindOneofCase, Func<FuzzWorld, FuzzRandom, BodyCase>>
        {
            [TransactionBody.KindOneofCase.RegisterParticipant] = (w, r) => new(Bodies.Register($"new-{r.Next(1000)}", TestKeys.For($"new-{r.Next(4)}"), Role.Trader), Operator, []),
            [TransactionBody.KindOneofCase.UpdateParticipant] = (w, r) => new(Bodies.Update(FuzzWorld.Trader, ParticipantStatus.Active, Role.Trader), Bureau, []),
            [TransactionBody.KindOneofCase.RotateKey] = (w, r) => RotateKey(r),
            [TransactionBody.KindOneofCase.FileMethodology] = (w, r) => new(r.Chance(50) ? Bodies.FileMethodology($"M-{r.Next(100)}") : Bodies.FileScenarioMethodology($"SM-{r.Next(100)}"), Bureau, []),
            [TransactionBody.KindOneofCase.ApplyProject] = (w, r) => new(Bodies.ApplyProject($"PV-{r.Next(100)}", "M-1"), FuzzWorld.Owner, []),
            [TransactionBody.KindOneofCase.ApproveProject] = (w, r) => new(Bodies.Approve(FuzzWorld.InNotice), Bureau, []),
            [TransactionBody.KindOneofCase.RejectProject] = (w, r) => new(Bodies.Reject(r.Chance(50) ? FuzzWorld.Applied : FuzzWorld.InNotice), Bureau, []),
            [TransactionBody.KindOneofCase.IssueProjectReductions] = (w, r) => new(
                Bodies.Issue(FuzzWorld.Project, w.Today - 5, w.Today - 1, 1_000_000, Bodies.ReportHash((byte)r.Next(256), w.Today, FuzzWorld.Project)), Bureau, [Verifier]),
            [TransactionBody.KindOneofCase.Transfer] = (w, r) => new(Bodies.Transfer(FuzzWorld.Trader, w.BatchId, 1_000), FuzzWorld.Owner, [FuzzWorld.Trader, Operator]),
            [TransactionBody.KindOneofCase.RequestCancellation] = (w, r) => new(Bodies.RequestCancellation(w.BatchId, 500), FuzzWorld.Owner, []),
            [TransactionBody.KindOneofCase.ApproveCancellation] = (w, r) => new(Bodies.ApproveCancellation(w.CancellationId), Operator, []),
            [TransactionBody.KindOneofCase.DeclineCancellation] = (w, r) => new(Bodies.DeclineCancellation(w.CancellationId), Operator, []),
            [TransactionBody.KindOneofCase.ChangeValidators] = (w, r) => new(ChangeValidators(r), Bureau, []),
            [TransactionBody.KindOneofCase.ApplyScenario] = (w, r) => new(Bodies.ApplyScenario($"SC-{r.Next(100)}", Scenarios.MethodologyId), FuzzWorld.Company, []),
            [TransactionBody.KindOneofCase.SubmitReview] = (w, r) => new(Bodies.SubmitReview(FuzzWorld.Applied, r.Chance(50)), "expert-1", []),
            [TransactionBody.KindOneofCase.StartPublicNotice] = (w, r) => new(Bodies.StartPublicNotice(FuzzWorld.Applied), Operator, []),
            [TransactionBody.KindOneofCase.FileObjection] = (w, r) => new(Bodies.FileObjection(FuzzWorld.InNotice), FuzzWorld.Trader, []),
            [TransactionBody.KindOneofCase.AnswerObjection] = (w, r) => new(Bodies.AnswerObjection(FuzzWorld.InNotice, 1), Bureau, []),
            [TransactionBody.KindOneofCase.RecordEvaluation] = (w, r) => new(Bodies.RecordEvaluation(FuzzWorld.Project, w.Today + 30), Operator, []),
            [TransactionBody.KindOneofCase.RecordRectification] = (w, r) => new(Bodies.RecordRectification(FuzzWorld.Project, 1), FuzzWorld.Owner, []),
            [TransactionBody.KindOneofCase.Suspend] = (w, r) => new(Bodies.Suspend(FuzzWorld.Project, 1), Bureau, []),
            [TransactionBody.KindOneofCase.Reinstate] = (w, r) => new(Bodies.Reinstate(FuzzWorld.Project), Bureau, []),
            [TransactionBody.KindOneofCase.SetCalendar] = (w, r) => new(Bodies.SetCalendar(new SetCalendar { Year = 2025, Holidays = { 20_089, 20_090 }, AdjustedWorkingDays = { 20_095 } }), Bureau, []),
            [TransactionBody.KindOneofCase.AddExclusion] = (w, r) => new(Bodies.AddExclusion("CCER", $"CCER-{r.Next(100)}", FuzzWorld.Project), Bureau, []),
            [TransactionBody.KindOneofCase.DeclareExternalRegistration] = (w, r) => new(Bodies.DeclareExternalRegistration(FuzzWorld.Project, "VCS-1"), FuzzWorld.Owner, []),
            [TransactionBody.KindOneofCase.WithdrawMethodology] = (w, r) => new(Bodies.WithdrawMethodology("M-1"), Bureau, []),
            [TransactionBody.KindOneofCase.GrantMethodologyException] = (w, r) => new(Bodies.GrantMethodologyException(FuzzWorld.Project, "M-1"), Bureau, []),
            [TransactionBody.KindOneofCase.SubmitBehaviourBatch] = (w, r) => new(BehaviourChunk(w, r), FuzzWorld.Company, []),
            [TransactionBody.KindOneofCase.IssueScenarioBatch] = (w, r) => new(
                Scenarios.Issue(new ScenarioDayVerification { ScenarioId = FuzzWorld.Scenario, Day = w.Today - 1, Chunks = 1, Records = 2, RecordsRoot = ByteString.CopyFrom(new byte[32]), Grams = 240 }), Bureau, [Operator]),
            [TransactionBody.KindOneofCase.WithdrawCustody] = (w, r) => new(Scenarios.Withdraw(Scenarios.UserId(FuzzWorld.Company, 1), w.BatchId, 10, FuzzWorld.Trader), FuzzWorld.Company, []),
            [TransactionBody.KindOneofCase.CorrectReductions] = (w, r) => new(Correct(w), Bureau, []),
            [TransactionBody.KindOneofCase.MakeGoodShortfall] = (w, r) => new(new TransactionBody { MakeGoodShortfall = new MakeGoodShortfall { BatchId = w.BatchId, AmountGrams = 100 } }, FuzzWorld.Owner, []),
            [TransactionBody.KindOneofCase.OpenAuction] = (w, r) => new(Bodies.OpenAuction(FuzzWorld.Owner, w.BatchId, 1_000, w.Block.TimeMs + 3_600_000), Operator, [FuzzWorld.Owner]),
            [TransactionBody.KindOneofCase.PlaceBid] = (w, r) => new(Bodies.PlaceBid(w.AuctionId, (ulong)r.Between(1, 100_000)), FuzzWorld.Trader, []),
            [TransactionBody.KindOneofCase.SettleAuction] = (w, r) => new(Bodies.SettleAuction(w.AuctionId), Operator, []),
            [TransactionBody.KindOneofCase.CancelAuction] = (w, r) => new(Bodies.CancelAuction(w.AuctionId), Operator, []),
            [TransactionBody.KindOneofCase.PublishMallOffer] = (w, r) => new(Bodies.PublishMallOffer($"offer-{r.Next(100)}", 100, 10, w.Block.TimeMs, w.Block.TimeMs + 86_400_000), FuzzWorld.Provider, []),
            [TransactionBody.KindOneofCase.UpdateMallOffer] = (w, r) => new(Bodies.UpdateMallOffer(FuzzWorld.OfferId, 200, 5, w.Block.TimeMs + 86_400_000), FuzzWorld.Provider, []),
            [TransactionBody.KindOneofCase.WithdrawMallOffer] = (w, r) => new(Bodies.WithdrawMallOffer(FuzzWorld.OfferId), FuzzWorld.Provider, []),
            [TransactionBody.KindOneofCase.Redeem] = (w, r) => new(Bodies.Redeem(FuzzWorld.OfferId, 1, w.BatchId, $"voucher-{r.Next(1000)}"), FuzzWorld.Owner, []),
        };

    /// <summary>The kinds of the oneof (without None), to check that every one has a template.</summary>
    public static IReadOnlyList<TransactionBody.KindOneofCase> AllKinds { get; } =
        Enum.GetValues<TransactionBody.KindOneofCase>().Where(k => k != TransactionBody.KindOneofCase.None).ToList();

    private static BodyCase RotateKey(FuzzRandom random)
    {
        var newKey = TestKeys.For($"rotated-{random.Next(8)}");
        var body = new TransactionBody { RotateKey = new RotateKey { ParticipantId = FuzzWorld.Trader, NewPublicKey = newKey.ToPublicKey() } };
        return new BodyCase(body, FuzzWorld.Trader, [FuzzWorld.Trader], newKey);
    }

    private static TransactionBody ChangeValidators(FuzzRandom random) => new()
    {
        ChangeValidators = new ChangeValidators
        {
            Updates = { new ValidatorUpdate { ValidatorId = random.Pick(TestLedger.ValidatorIds), PublicKey = TestKeys.For($"validator-{random.Next(4)}").ToPublicKey(), Power = (ulong)random.Next(20) } },
        },
    };

    private static TransactionBody BehaviourChunk(FuzzWorld world, FuzzRandom random)
    {
        var records = Enumerable.Range(0, random.Between(1, 4))
            .Select(i => Scenarios.Record(FuzzWorld.Company, random.Next(5), random.Pick(Scenarios.Factors).ActivityType, (ulong)random.Between(1, 30), $"event-{random.Next(1_000_000)}"));
        return Scenarios.Chunk(FuzzWorld.Scenario, world.Today - 1, (uint)random.Next(3), records);
    }

    private static TransactionBody Correct(FuzzWorld world) => new()
    {
        CorrectReductions = new CorrectReductions
        {
            BatchId = world.BatchId,
            Deductions = { new Deduction { Account = FuzzWorld.Owner, AmountGrams = 1_000 } },
            Reason = "meter data abnormal",
            EvidenceHash = ByteString.CopyFrom(new byte[32]),
        },
    };
}

using Google.Protobuf;
using Ledger.Core.Protocol;
using Ledger.Testing;
using Xunit;
using S = Ledger.Testing.Scenarios;

namespace Ledger.Core.Tests.Scenarios;

/// <summary>SubmitBehaviourBatch, the calculation (§14), IssueScenarioBatch (§15) and WithdrawCustody (§16), path by path.</summary>
public sealed class ScenarioIssuanceTests
{
    private const string Company = "metro-app";
    private const string OtherCompany = "bike-app";
    private const string Scenario = "S-METRO";
    private const string OtherScenario = "S-BIKE";
    private const string BatchId = "ORD-S-S-METRO-20241231";

    private readonly TestLedger _ledger = new();

    public ScenarioIssuanceTests()
    {
        _ledger.ApproveScenario(Scenario, Company);
        _ledger.ApproveScenario(OtherScenario, OtherCompany);
    }

    [Fact]
    public void The_ledger_calculates_per_activity_floor_of_summed_quantities_then_sums_and_caps()
    {
        Submit(0, S.Record(Company, 1, "walk", 7, "w1"), S.Record(Company, 1, "bike", 3, "b1"));
        // walk: floor(7 × 3/10) = 2; bike: floor(3 × 69/2) = 103.
        Assert.Equal(105UL, Custody(1)!.Grams);

        // Across chunks the floor is of the day's sum, not of each chunk: walk 7 + 6 = 13 steps -> 3 g, not 2 + 1.
        Submit(1, S.Record(Company, 1, "walk", 6, "w2"));
        Assert.Equal(106UL, Custody(1)!.Grams);

        // Metro 120 g a ride: 50 rides would be 6,000 g, capped at 5,000 g for the day.
        Submit(2, Enumerable.Range(0, 50).Select(i => S.Record(Company, 1, "metro", 1, $"m{i}")).ToArray());
        Assert.Equal(S.DailyCapGrams, Custody(1)!.Grams);
        Assert.Equal(S.DailyCapGrams, _ledger.View.GetScenarioDay(Scenario, S.Day)!.Grams);
    }

    [Fact]
    public void The_cap_applies_per_user_and_the_day_total_is_the_sum_of_capped_users()
    {
        Submit(0, Enumerable.Range(0, 60).Select(i => S.Record(Company, 1, "metro", 1, $"a{i}")).Append(S.Record(Company, 2, "metro", 2, "b")).ToArray());
        var day = _ledger.View.GetScenarioDay(Scenario, S.Day)!;
        Assert.Equal(S.DailyCapGrams + 240, day.Grams);
        Assert.Equal(2UL, day.Users);
        Assert.Equal(61UL, day.Records);
    }

    [Fact]
    public void A_record_without_consent_refuses_the_whole_chunk_and_names_the_record()
    {
        var before = StateWithoutRoot();
        var receipt = _ledger.Submit(Company, S.Chunk(Scenario, S.Day, 0, [S.Record(Company, 1, "metro", 1, "m1"), S.Record(Company, 2, "metro", 1, "m2", consentRef: "")]));
        Assert.Equal(RejectionCode.NoConsent, receipt.Code);
        Assert.Contains("record 1", receipt.Message, StringComparison.Ordinal);
        Assert.Equal(before, StateWithoutRoot());
    }

    [Fact]
    public void A_dedup_key_twice_in_one_chunk_is_a_duplicate()
    {
        var receipt = _ledger.Submit(Company, S.Chunk(Scenario, S.Day, 0, [S.Record(Company, 1, "metro", 1, "m1"), S.Record(Company, 2, "metro", 1, "m1")]));
        Assert.Equal(RejectionCode.DuplicateRecord, receipt.Code);
        Assert.Contains("record 1", receipt.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_counted_in_an_earlier_chunk_is_a_duplicate()
    {
        Submit(0, S.Record(Company, 1, "metro", 1, "m1"));
        var receipt = _ledger.Submit(Company, S.Chunk(Scenario, S.Day, 1, [S.Record(Company, 1, "metro", 1, "m2"), S.Record(Company, 1, "metro", 1, "m1")]));
        Assert.Equal(RejectionCode.DuplicateRecord, receipt.Code);
        Assert.Contains("record 1", receipt.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_metro_ride_reported_by_two_apps_counts_once()
    {
        // The same person has different pseudonymous ids at the two companies; the ride's dedup key is the same.
        Submit(0, S.Record(Company, 1, "metro", 1, "fare-txn-884211"));
        Assert.NotEqual(S.UserId(Company, 1), S.UserId(OtherCompany, 1));
        var receipt = _ledger.Submit(OtherCompany, S.Chunk(OtherScenario, S.Day, 0, [S.Record(OtherCompany, 1, "metro", 1, "fare-txn-884211")]));
        Assert.Equal(RejectionCode.DuplicateRecord, receipt.Code);
        Assert.Contains($"scenario {Scenario} on 2024-12-31", receipt.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Records_are_checked_before_anything_is_written()
    {
        Assert.Equal(RejectionCode.UnknownActivity, SubmitCode(0, S.Record(Company, 1, "flight", 1, "x")));
        var rawId = S.Record(Company, 1, "metro", 1, "x");
        rawId.UserId = ByteString.CopyFromUtf8("13800138000");
        Assert.Equal(RejectionCode.InvalidField, SubmitCode(0, rawId));
        var noQuantity = S.Record(Company, 1, "metro", 0, "x");
        Assert.Equal(RejectionCode.InvalidField, SubmitCode(0, noQuantity));
        var backwards = S.Record(Company, 1, "metro", 1, "x");
        backwards.WindowStartMs = backwards.WindowEndMs + 1;
        Assert.Equal(RejectionCode.InvalidField, SubmitCode(0, backwards));
        var shortKey = S.Record(Company, 1, "metro", 1, "x");
        shortKey.DedupKey = ByteString.CopyFrom(new byte[31]);
        Assert.Equal(RejectionCode.InvalidField, SubmitCode(0, shortKey));
    }

    [Fact]
    public void Behaviour_that_has_not_ended_yet_is_refused()
    {
        // The test ledger's blocks are at 2025-01-01 00:00 CST and a few seconds: day 20089 has barely begun.
        var receipt = _ledger.Submit(Company, S.Chunk(Scenario, S.Day + 1, 0, [S.Record(Company, 1, "metro", 1, "m1")]));
        Assert.Equal(RejectionCode.InvalidField, receipt.Code);
        Assert.Contains("after the block's time", receipt.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chunk_over_the_record_limit_or_empty_is_refused()
    {
        var records = Enumerable.Range(0, Limits.BehaviourRecordsPerChunkMax + 1).Select(i => S.Record(Company, i, "metro", 1, $"m{i}"));
        Assert.Equal(RejectionCode.InvalidField, _ledger.Submit(Company, S.Chunk(Scenario, S.Day, 0, records)).Code);
        Assert.Equal(RejectionCode.InvalidField, _ledger.Submit(Company, S.Chunk(Scenario, S.Day, 0, [])).Code);
    }

    [Fact]
    public void A_full_chunk_of_typical_records_fits_an_envelope()
    {
        var records = Enumerable.Range(0, Limits.BehaviourRecordsPerChunkMax).Select(i => S.Record(Company, i, "metro", 1, $"fare-{i}", consentRef: $"consent-{i:D8}"));
        TestLedger.Committed(_ledger.Submit(Company, S.Chunk(Scenario, S.Day, 0, records)));
    }

    [Fact]
    public void A_chunk_index_commits_once()
    {
        Submit(0, S.Record(Company, 1, "metro", 1, "m1"));
        Assert.Equal(RejectionCode.ChunkAlreadySubmitted, SubmitCode(0, S.Record(Company, 1, "metro", 1, "m2")));
    }

    [Fact]
    public void Only_the_scenarios_own_company_submits_and_only_for_an_approved_scenario()
    {
        Assert.Equal(RejectionCode.UnauthorizedRole, _ledger.Submit(OtherCompany, S.Chunk(Scenario, S.Day, 0, [S.Record(OtherCompany, 1, "metro", 1, "m1")])).Code);
        Assert.Equal(RejectionCode.UnauthorizedRole, _ledger.Submit(TestLedger.Operator, S.Chunk(Scenario, S.Day, 0, [S.Record(Company, 1, "metro", 1, "m1")])).Code);

        TestLedger.Committed(_ledger.Submit(Company, S.Apply("S-PENDING")));
        Assert.Equal(RejectionCode.ProjectNotApproved, _ledger.Submit(Company, S.Chunk("S-PENDING", S.Day, 0, [S.Record(Company, 1, "metro", 1, "m1")])).Code);

        _ledger.ApprovedProject("PV-1", "owner-a");
        Assert.Equal(RejectionCode.NotAScenario, _ledger.Submit(Company, S.Chunk("PV-1", S.Day, 0, [S.Record(Company, 1, "metro", 1, "m1")])).Code);
        Assert.Equal(RejectionCode.UnknownProject, _ledger.Submit(Company, S.Chunk("S-NONE", S.Day, 0, [S.Record(Company, 1, "metro", 1, "m1")])).Code);
    }

    [Fact]
    public void Issuance_creates_the_days_batch_held_in_custody_with_its_records_root()
    {
        IReadOnlyList<BehaviourRecord>[] chunks =
        [
            [S.Record(Company, 1, "metro", 2, "m1"), S.Record(Company, 2, "bike", 4, "b1")],
            [S.Record(Company, 1, "walk", 1000, "w1")],
        ];
        Submit(0, [.. chunks[0]]);
        Submit(1, [.. chunks[1]]);
        var verification = S.Verification(_ledger.Machine.Parameters.Hash, Scenario, S.Day, chunks, 240 + 138 + 300);

        var receipt = TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, S.Issue(verification), TestLedger.Operator));

        Assert.Equal(BatchId, receipt.Attributes.Single(a => a.Key == "batch_ids").Value);
        var batch = _ledger.View.GetBatch(BatchId)!;
        Assert.Equal(678UL, batch.IssuedGrams);
        Assert.Equal(678UL, batch.TradableGrams);
        Assert.Equal(Company, batch.Custodian);
        Assert.Equal(TestLedger.Operator, batch.VerifierId);
        Assert.Equal(verification.RecordsRoot, batch.RecordsRoot);
        Assert.Equal(3UL, batch.Records);
        Assert.Equal(540UL, Custody(1)!.Grams);
        Assert.Equal(138UL, Custody(2)!.Grams);
    }

    [Fact]
    public void A_day_issues_once_and_takes_no_chunks_after()
    {
        Submit(0, S.Record(Company, 1, "metro", 1, "m1"));
        var verification = S.VerificationOf(_ledger, Scenario, S.Day);
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, S.Issue(verification), TestLedger.Operator));

        Assert.Equal(RejectionCode.DayAlreadyIssued, _ledger.Submit(TestLedger.Bureau, S.Issue(verification), TestLedger.Operator).Code);
        Assert.Equal(RejectionCode.DayAlreadyIssued, SubmitCode(1, S.Record(Company, 1, "metro", 1, "m2")));
    }

    [Fact]
    public void Issuance_needs_every_chunk_a_matching_verification_and_the_operator()
    {
        Assert.Equal(RejectionCode.DayNotSubmitted, _ledger.Submit(TestLedger.Bureau, S.Issue(Empty(Scenario)), TestLedger.Operator).Code);

        Submit(1, S.Record(Company, 1, "metro", 1, "m1"));
        Assert.Equal(RejectionCode.DayNotSubmitted, _ledger.Submit(TestLedger.Bureau, S.Issue(S.VerificationOf(_ledger, Scenario, S.Day)), TestLedger.Operator).Code);

        Submit(0, S.Record(Company, 2, "metro", 1, "m2"));
        var verification = S.VerificationOf(_ledger, Scenario, S.Day);
        var wrongGrams = verification.Clone();
        wrongGrams.Grams++;
        Assert.Equal(RejectionCode.VerificationMismatch, _ledger.Submit(TestLedger.Bureau, S.Issue(wrongGrams), TestLedger.Operator).Code);
        var wrongRoot = verification.Clone();
        wrongRoot.RecordsRoot = ByteString.CopyFrom(new byte[32]);
        Assert.Equal(RejectionCode.VerificationMismatch, _ledger.Submit(TestLedger.Bureau, S.Issue(wrongRoot), TestLedger.Operator).Code);

        Assert.Equal(RejectionCode.MissingSignature, _ledger.Submit(TestLedger.Bureau, S.Issue(verification)).Code);
        Assert.Equal(RejectionCode.UnauthorizedRole, _ledger.Submit(TestLedger.Operator, S.Issue(verification), TestLedger.Bureau).Code);
        Assert.Equal(RejectionCode.InvalidField, _ledger.Submit(TestLedger.Bureau, S.Issue(verification, verification), TestLedger.Operator).Code);
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, S.Issue(verification), TestLedger.Operator));
    }

    [Fact]
    public void One_approval_issues_many_days_or_none()
    {
        Submit(0, S.Record(Company, 1, "metro", 1, "m1"));
        TestLedger.Committed(_ledger.Submit(OtherCompany, S.Chunk(OtherScenario, S.Day, 0, [S.Record(OtherCompany, 1, "bike", 10, "b1")])));
        TestLedger.Committed(_ledger.Submit(Company, S.Chunk(Scenario, S.Day - 1, 0, [S.Record(Company, 1, "metro", 1, "m0")])));
        var days = new[] { S.VerificationOf(_ledger, Scenario, S.Day), S.VerificationOf(_ledger, OtherScenario, S.Day), S.VerificationOf(_ledger, Scenario, S.Day - 1) };

        var before = StateWithoutRoot();
        Assert.Equal(RejectionCode.DayNotSubmitted, _ledger.Submit(TestLedger.Bureau, S.Issue([.. days, Empty(OtherScenario, S.Day - 5)]), TestLedger.Operator).Code);
        Assert.Equal(before, StateWithoutRoot());

        var receipt = TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, S.Issue(days), TestLedger.Operator));
        Assert.Equal("ORD-S-S-METRO-20241231,ORD-S-S-BIKE-20241231,ORD-S-S-METRO-20241230", receipt.Attributes.Single(a => a.Key == "batch_ids").Value);
        Assert.Equal(120UL + 345 + 120, ulong.Parse(receipt.Attributes.Single(a => a.Key == "issued_grams").Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Custody_units_move_to_the_users_own_trader_account_when_the_company_signs()
    {
        IssueOneDay();
        _ledger.Register("person-1", Role.Trader);

        TestLedger.Committed(_ledger.Submit(Company, S.Withdraw(S.UserId(Company, 1), BatchId, 100, "person-1")));

        Assert.Equal(140UL, Custody(1)!.Grams - Custody(1)!.WithdrawnGrams);
        Assert.Equal(100UL, _ledger.View.GetBalance("person-1", BatchId).TradableGrams);
        Assert.Equal(240UL, _ledger.View.GetBatch(BatchId)!.TradableGrams);
        Assert.Equal(RejectionCode.InsufficientBalance, _ledger.Submit(Company, S.Withdraw(S.UserId(Company, 1), BatchId, 141, "person-1")).Code);
        TestLedger.Committed(_ledger.Submit(Company, S.Withdraw(S.UserId(Company, 1), BatchId, 140, "person-1")));
    }

    [Fact]
    public void Withdrawal_refusals()
    {
        Submit(0, S.Record(Company, 1, "metro", 2, "m1"));
        _ledger.Register("person-1", Role.Trader);
        _ledger.Register("owner-b", Role.ProjectOwner);
        Assert.Equal(RejectionCode.UnknownBatch, _ledger.Submit(Company, S.Withdraw(S.UserId(Company, 1), BatchId, 1, "person-1")).Code);
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, S.Issue(S.VerificationOf(_ledger, Scenario, S.Day)), TestLedger.Operator));

        Assert.Equal(RejectionCode.UnknownCustody, _ledger.Submit(Company, S.Withdraw(S.UserId(Company, 9), BatchId, 1, "person-1")).Code);
        Assert.Equal(RejectionCode.UnknownCustody, _ledger.Submit(OtherCompany, S.Withdraw(S.UserId(Company, 1), BatchId, 1, "person-1")).Code);
        Assert.Equal(RejectionCode.UnauthorizedRole, _ledger.Submit(Company, S.Withdraw(S.UserId(Company, 1), BatchId, 1, "owner-b")).Code);
        Assert.Equal(RejectionCode.UnknownParticipant, _ledger.Submit(Company, S.Withdraw(S.UserId(Company, 1), BatchId, 1, "nobody")).Code);
        Assert.Equal(RejectionCode.InvalidAmount, _ledger.Submit(Company, S.Withdraw(S.UserId(Company, 1), BatchId, 0, "person-1")).Code);
        Assert.Equal(RejectionCode.InvalidField, _ledger.Submit(Company, S.Withdraw([1, 2, 3], BatchId, 1, "person-1")).Code);
        Assert.Equal(RejectionCode.UnauthorizedRole, _ledger.Submit("person-1", S.Withdraw(S.UserId(Company, 1), BatchId, 1, "person-1")).Code);
    }

    [Fact]
    public void Withdrawn_units_trade_like_any_other()
    {
        IssueOneDay();
        _ledger.Register("person-1", Role.Trader);
        _ledger.Register("buyer", Role.Trader);
        TestLedger.Committed(_ledger.Submit(Company, S.Withdraw(S.UserId(Company, 1), BatchId, 200, "person-1")));
        TestLedger.Committed(_ledger.Submit("person-1", Bodies.Transfer("buyer", BatchId, 50), TestLedger.Operator, "buyer"));
        Assert.Equal(50UL, _ledger.View.GetBalance("buyer", BatchId).TradableGrams);
    }

    [Fact]
    public void A_correction_voids_a_users_custody_units_and_the_withdrawn_ones_from_the_trader()
    {
        IssueOneDay();
        _ledger.Register("person-1", Role.Trader);
        TestLedger.Committed(_ledger.Submit(Company, S.Withdraw(S.UserId(Company, 1), BatchId, 100, "person-1")));
        var user = Google.Protobuf.ByteString.CopyFrom(S.UserId(Company, 1));
        TransactionBody Correct(params Deduction[] deductions) => new()
        {
            CorrectReductions = new CorrectReductions { BatchId = BatchId, Reason = "the app double-reported rides on 2024-12-31", Deductions = { deductions } },
        };

        Assert.Equal(RejectionCode.InsufficientBalance, _ledger.Submit(TestLedger.Bureau, Correct(new Deduction { Account = Company, CustodyUserId = user, AmountGrams = 141 })).Code);
        Assert.Equal(RejectionCode.UnknownCustody, _ledger.Submit(TestLedger.Bureau, Correct(new Deduction { Account = OtherCompany, CustodyUserId = user, AmountGrams = 1 })).Code);
        Assert.Equal(RejectionCode.UnknownCustody, _ledger.Submit(TestLedger.Bureau, Correct(new Deduction { Account = Company, CustodyUserId = Google.Protobuf.ByteString.CopyFrom(S.UserId(Company, 9)), AmountGrams = 1 })).Code);
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Correct(
            new Deduction { Account = Company, CustodyUserId = user, AmountGrams = 140 },
            new Deduction { Account = "person-1", AmountGrams = 100 })));

        Assert.Equal((240UL, 140UL), (Custody(1)!.Grams, Custody(1)!.VoidedGrams));
        Assert.Equal(0UL, Core.State.Holdings.CustodyBalance(Custody(1)!));
        Assert.Equal(0UL, _ledger.View.GetBalance("person-1", BatchId).TradableGrams);
        var batch = _ledger.View.GetBatch(BatchId)!;
        Assert.Equal((240UL, 0UL, 240UL), (batch.IssuedGrams, batch.TradableGrams, batch.VoidedGrams));
        Assert.Equal(RejectionCode.InsufficientBalance, _ledger.Submit(Company, S.Withdraw(S.UserId(Company, 1), BatchId, 1, "person-1")).Code);
    }

    [Fact]
    public void A_company_owing_a_shortfall_issues_no_scenario_day()
    {
        IssueOneDay();
        _ledger.Register("person-1", Role.Trader);
        TestLedger.Committed(_ledger.Submit(Company, S.Withdraw(S.UserId(Company, 1), BatchId, 100, "person-1")));
        var request = TestLedger.Committed(_ledger.Submit("person-1", Bodies.RequestCancellation(BatchId, 100)));
        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.ApproveCancellation(request.Attributes.Single(a => a.Key == "cancellation_id").Value)));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, new TransactionBody
        {
            CorrectReductions = new CorrectReductions { BatchId = BatchId, ShortfallGrams = 100, Reason = "rides reported twice" },
        }));
        Assert.Equal(100UL, _ledger.View.GetShortfall(Company)!.OutstandingGrams);

        var next = S.Day + 1;
        _ledger.AdvanceTo(Math.Max(_ledger.TimeMs, Core.Scenarios.ScenarioRules.DayStartMs(next + 1)));
        TestLedger.Committed(_ledger.Submit(Company, S.Chunk(Scenario, next, 0, [S.Record(Company, 1, "metro", 1, "m-next")])));
        var refused = _ledger.Submit(TestLedger.Bureau, S.Issue(S.VerificationOf(_ledger, Scenario, next)), TestLedger.Operator);
        Assert.Equal(RejectionCode.OutstandingShortfall, refused.Code);
    }

    [Fact]
    public void A_suspended_company_takes_no_new_custody_until_reinstated()
    {
        Submit(0, S.Record(Company, 1, "metro", 2, "m1"));
        var roles = _ledger.View.GetParticipant(Company)!.Roles.ToArray();
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Update(Company, ParticipantStatus.Suspended, roles)));
        var refused = _ledger.Submit(TestLedger.Bureau, S.Issue(S.VerificationOf(_ledger, Scenario, S.Day)), TestLedger.Operator);
        Assert.Equal(RejectionCode.RecipientSuspended, refused.Code);

        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Update(Company, ParticipantStatus.Active, roles)));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, S.Issue(S.VerificationOf(_ledger, Scenario, S.Day)), TestLedger.Operator));
        Assert.NotNull(Custody(1));
    }

    [Fact]
    public void Days_of_a_suspension_cannot_be_backfilled_after_reinstatement()
    {
        // Evaluation due today; missed; suspended the next day; rectified and reinstated two days later.
        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.RecordEvaluation(Scenario, _ledger.Today)));
        _ledger.AdvanceTo(_ledger.TimeMs + (24 * 3_600_000));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Suspend(Scenario, 1)));
        var suspendedDay = _ledger.Today;
        TestLedger.Committed(_ledger.Submit(Company, Bodies.RecordRectification(Scenario, 1)));
        _ledger.AdvanceTo(_ledger.TimeMs + (2 * 24 * 3_600_000));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Reinstate(Scenario)));
        Assert.Equal(_ledger.Today, _ledger.View.GetProject(Scenario)!.RecordsFromDay);

        var backfill = _ledger.Submit(Company, S.Chunk(Scenario, suspendedDay, 0, [S.Record(Company, 1, "metro", 1, "during-suspension")]));
        Assert.Equal(RejectionCode.InvalidPeriod, backfill.Code);
        Assert.Contains("reinstated", backfill.Message, StringComparison.Ordinal);

        _ledger.AdvanceTo(Core.Scenarios.ScenarioRules.DayStartMs(_ledger.Today + 1) + 3_600_000);
        TestLedger.Committed(_ledger.Submit(Company, S.Chunk(Scenario, _ledger.Today - 1, 0, [S.Record(Company, 1, "metro", 1, "reinstatement-day")])));
    }

    [Fact]
    public void A_scenario_that_issued_here_cannot_declare_a_registration_elsewhere()
    {
        IssueOneDay();
        Assert.Equal([S.Day], _ledger.View.GetProject(Scenario)!.IssuedPeriods.Select(p => p.FirstDay));
        Assert.Equal(RejectionCode.IssuedHere, _ledger.Submit(Company, Bodies.DeclareExternalRegistration(Scenario, "VCS-9")).Code);
    }

    [Fact]
    public void A_company_that_provides_a_mall_offer_cannot_redeem_its_users_custody_units_to_itself()
    {
        IssueOneDay();
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Update(Company, ParticipantStatus.Active, Role.ScenarioCompany, Role.RightsProvider)));
        TestLedger.Committed(_ledger.Submit(Company, new TransactionBody
        {
            PublishMallOffer = new PublishMallOffer
            {
                OfferId = "self-offer", Title = "Metro ticket", Kind = MallOfferKind.Goods, PriceGrams = 10, Stock = 5,
                ValidFromMs = _ledger.TimeMs, ValidUntilMs = _ledger.TimeMs + (30L * 24 * 3_600_000),
            },
        }));

        var redeem = new TransactionBody
        {
            Redeem = new Redeem { OfferId = "self-offer", Quantity = 1, BatchId = BatchId, VoucherHash = Google.Protobuf.ByteString.CopyFrom(new byte[32]), CustodyUserId = Convert.ToHexStringLower(S.UserId(Company, 1)), ConsentRef = "consent-v1" },
        };
        Assert.Equal(RejectionCode.SelfTransfer, _ledger.Submit(Company, redeem).Code);
    }

    [Fact]
    public void A_scenario_does_not_issue_as_a_project()
    {
        var receipt = _ledger.Submit(TestLedger.Bureau, Bodies.Issue(Scenario, S.Day, S.Day, 100, Bodies.ReportHash(1, S.Day, Scenario)), TestLedger.Verifier);
        Assert.Equal(RejectionCode.NotAScenario, receipt.Code);
    }

    /// <summary>Every entry but the state root, which every block moves on.</summary>
    private List<string> StateWithoutRoot() =>
        _ledger.Snapshot().Where(e => !e.Key.AsSpan().SequenceEqual(Core.State.StateKeys.StateRoot)).Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value)).ToList();

    private void IssueOneDay()
    {
        Submit(0, S.Record(Company, 1, "metro", 2, "m1"));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, S.Issue(S.VerificationOf(_ledger, Scenario, S.Day)), TestLedger.Operator));
    }

    private static ScenarioDayVerification Empty(string scenarioId, uint day = S.Day) =>
        new() { ScenarioId = scenarioId, Day = day, RecordsRoot = ByteString.CopyFrom(new byte[32]) };

    private void Submit(uint chunkIndex, params BehaviourRecord[] records) =>
        TestLedger.Committed(_ledger.Submit(Company, S.Chunk(Scenario, S.Day, chunkIndex, records)));

    private RejectionCode SubmitCode(uint chunkIndex, params BehaviourRecord[] records) =>
        _ledger.Submit(Company, S.Chunk(Scenario, S.Day, chunkIndex, records)).Code;

    private CustodyRecord? Custody(int person) => _ledger.View.GetCustody(Company, S.UserId(Company, person), BatchId);
}

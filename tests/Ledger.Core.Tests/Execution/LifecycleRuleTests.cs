using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Testing;
using static Ledger.Testing.ChinaHolidays;

namespace Ledger.Core.Tests.Execution;

/// <summary>
/// The measures' lifecycle rules (§5–§11, §17) on a network with the measures' own genesis rules:
/// three expert opinions, five full working days of public notice with the real 2025 and 2026
/// calendars, block times set explicitly. Each refusal comes with its code and a message and
/// changes nothing.
/// </summary>
public sealed class LifecycleRuleTests
{
    private const string Owner = "owner-a";
    private readonly TestLedger _ledger = new(rules: TestLedger.MeasuresRules);

    public LifecycleRuleTests()
    {
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.SetCalendar(Year2025)));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.SetCalendar(Year2026)));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        _ledger.Register(Owner, Role.ProjectOwner);
        for (var i = 1; i <= 4; i++)
        {
            _ledger.Expert(i);
        }
    }

    // --- review (§10) ---

    [Fact]
    public void The_first_opinion_puts_a_project_under_review()
    {
        Apply("P-1");
        var receipt = TestLedger.Committed(_ledger.Submit("expert-1", Bodies.SubmitReview("P-1", favourable: true)));
        Assert.Equal("PROJECT_STATUS_UNDER_REVIEW", receipt.Attributes.Single(a => a.Key == "status").Value);
        Assert.Equal(ProjectStatus.UnderReview, Project("P-1").Status);
    }

    [Fact]
    public void An_expert_gives_one_opinion_per_subject()
    {
        Apply("P-1");
        TestLedger.Committed(_ledger.Submit("expert-1", Bodies.SubmitReview("P-1", favourable: true)));
        AssertRefused(RejectionCode.ReviewAlreadySubmitted, _ledger.Sign("expert-1", Bodies.SubmitReview("P-1", favourable: false)));
    }

    [Fact]
    public void Only_an_expert_reviews_and_never_its_own_application()
    {
        Apply("P-1");
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(TestLedger.Bureau, Bodies.SubmitReview("P-1", favourable: true)));
        _ledger.Register("expert-owner", Role.Expert, Role.ProjectOwner);
        TestLedger.Committed(_ledger.Submit("expert-owner", Bodies.ApplyProject("P-2", "M-1")));
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign("expert-owner", Bodies.SubmitReview("P-2", favourable: true)));
    }

    [Fact]
    public void An_opinion_needs_a_hash_or_a_summary()
    {
        Apply("P-1");
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign("expert-1", new TransactionBody { SubmitReview = new SubmitReview { SubjectId = "P-1", Favourable = true } }));
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign("expert-1", new TransactionBody { SubmitReview = new SubmitReview { SubjectId = "P-1", OpinionHash = Google.Protobuf.ByteString.CopyFrom(new byte[31]) } }));
    }

    [Fact]
    public void A_notice_needs_the_required_opinions()
    {
        Apply("P-1");
        Review("P-1", true, true);
        AssertRefused(RejectionCode.ReviewIncomplete, _ledger.Sign(TestLedger.Operator, Bodies.StartPublicNotice("P-1")));
    }

    [Fact]
    public void A_notice_needs_a_favourable_majority()
    {
        Apply("P-1");
        Review("P-1", true, false, false);
        AssertRefused(RejectionCode.ReviewIncomplete, _ledger.Sign(TestLedger.Operator, Bodies.StartPublicNotice("P-1")));
        Review("P-1", 4, true);
        // 2 favourable of 4 is a tie, not a majority.
        AssertRefused(RejectionCode.ReviewIncomplete, _ledger.Sign(TestLedger.Operator, Bodies.StartPublicNotice("P-1")));
    }

    [Fact]
    public void Two_favourable_of_three_start_the_notice_by_the_operator_only()
    {
        Apply("P-1");
        Review("P-1", true, false, true);
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(TestLedger.Bureau, Bodies.StartPublicNotice("P-1")));
        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.StartPublicNotice("P-1")));
        Assert.Equal(ProjectStatus.PublicNotice, Project("P-1").Status);
        AssertRefused(RejectionCode.InvalidStatusTransition, _ledger.Sign("expert-4", Bodies.SubmitReview("P-1", favourable: true)));
    }

    [Fact]
    public void Approval_before_public_notice_is_refused()
    {
        Apply("P-1");
        AssertRefused(RejectionCode.InvalidStatusTransition, _ledger.Sign(TestLedger.Bureau, Bodies.Approve("P-1")));
        Review("P-1", true, true, true);
        AssertRefused(RejectionCode.InvalidStatusTransition, _ledger.Sign(TestLedger.Bureau, Bodies.Approve("P-1")));
    }

    // --- public notice in working days (§10) ---

    [Fact]
    public void A_notice_started_before_national_day_2025_allows_approval_only_from_october_11()
    {
        Apply("P-1");
        Review("P-1", true, true, true);
        _ledger.AdvanceTo(TimeMs(2025, 9, 26, 16, 30));
        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.StartPublicNotice("P-1")));

        _ledger.AdvanceTo(TimeMs(2025, 10, 9, 9));
        AssertRefused(RejectionCode.NoticePeriodNotElapsed, _ledger.Sign(TestLedger.Bureau, Bodies.Approve("P-1")));
        _ledger.AdvanceTo(TimeMs(2025, 10, 10, 23, 59));
        var late = AssertRefused(RejectionCode.NoticePeriodNotElapsed, _ledger.Sign(TestLedger.Bureau, Bodies.Approve("P-1")));
        Assert.Contains("2025-10-10", late.Message, StringComparison.Ordinal);

        _ledger.AdvanceTo(TimeMs(2025, 10, 11, 0, 1));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Approve("P-1")));
        Assert.Equal(ProjectStatus.Approved, Project("P-1").Status);
    }

    [Fact]
    public void Without_the_2025_calendar_the_same_notice_would_end_inside_the_holiday()
    {
        var ledger = new TestLedger(rules: TestLedger.MeasuresRules);
        TestLedger.Committed(ledger.Submit(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        ledger.Register(Owner, Role.ProjectOwner);
        TestLedger.Committed(ledger.Submit(Owner, Bodies.ApplyProject("P-1", "M-1")));
        ledger.Review("P-1");
        ledger.AdvanceTo(TimeMs(2025, 9, 26, 16, 30));
        TestLedger.Committed(ledger.Submit(TestLedger.Operator, Bodies.StartPublicNotice("P-1")));
        ledger.AdvanceTo(TimeMs(2025, 10, 4, 9));
        TestLedger.Committed(ledger.Submit(TestLedger.Bureau, Bodies.Approve("P-1")));
    }

    [Fact]
    public void A_calendar_filed_during_the_notice_counts_at_approval()
    {
        var ledger = new TestLedger(rules: TestLedger.MeasuresRules);
        TestLedger.Committed(ledger.Submit(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        ledger.Register(Owner, Role.ProjectOwner);
        TestLedger.Committed(ledger.Submit(Owner, Bodies.ApplyProject("P-1", "M-1")));
        ledger.Review("P-1");
        ledger.AdvanceTo(TimeMs(2025, 9, 26, 16, 30));
        TestLedger.Committed(ledger.Submit(TestLedger.Operator, Bodies.StartPublicNotice("P-1")));
        ledger.AdvanceTo(TimeMs(2025, 9, 30, 9));
        TestLedger.Committed(ledger.Submit(TestLedger.Bureau, Bodies.SetCalendar(Year2025)));
        ledger.AdvanceTo(TimeMs(2025, 10, 4, 9));
        var receipt = ledger.Machine.Check(ledger.Store, new BlockContext(ledger.Height + 1, ledger.TimeMs + 1000), ledger.Sign(TestLedger.Bureau, Bodies.Approve("P-1")));
        Assert.Equal(RejectionCode.NoticePeriodNotElapsed, receipt.Code);
    }

    [Fact]
    public void A_notice_across_the_2026_spring_festival()
    {
        Apply("P-1");
        Review("P-1", true, true, true);
        _ledger.AdvanceTo(TimeMs(2026, 2, 13, 8));
        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.StartPublicNotice("P-1")));
        _ledger.AdvanceTo(TimeMs(2026, 2, 27, 17));
        AssertRefused(RejectionCode.NoticePeriodNotElapsed, _ledger.Sign(TestLedger.Bureau, Bodies.Approve("P-1")));
        _ledger.AdvanceTo(TimeMs(2026, 2, 28, 8));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Approve("P-1")));
    }

    // --- objections ---

    [Fact]
    public void An_unanswered_objection_blocks_approval_until_the_bureau_answers()
    {
        Noticed("P-1");
        _ledger.Register("trader-b", Role.Trader);
        var filed = TestLedger.Committed(_ledger.Submit("trader-b", Bodies.FileObjection("P-1")));
        Assert.Equal("1", filed.Attributes.Single(a => a.Key == "objection_number").Value);
        TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.FileObjection("P-1", onBehalfOf: "hotline-2025-0931")));
        _ledger.WaitForNoticeEnd("P-1");
        AssertRefused(RejectionCode.ObjectionUnanswered, _ledger.Sign(TestLedger.Bureau, Bodies.Approve("P-1")));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.AnswerObjection("P-1", 1)));
        AssertRefused(RejectionCode.ObjectionUnanswered, _ledger.Sign(TestLedger.Bureau, Bodies.Approve("P-1")));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.AnswerObjection("P-1", 2)));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Approve("P-1")));
        Assert.Equal("hotline-2025-0931", _ledger.View.GetObjection("P-1", 2)!.OnBehalfOf);
    }

    [Fact]
    public void Objections_are_taken_only_during_the_notice()
    {
        Apply("P-1");
        AssertRefused(RejectionCode.NoticeNotOpen, _ledger.Sign(Owner, Bodies.FileObjection("P-1")));
        _ledger.StartNotice("P-1");
        _ledger.WaitForNoticeEnd("P-1");
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Approve("P-1")));
        AssertRefused(RejectionCode.NoticeNotOpen, _ledger.Sign(Owner, Bodies.FileObjection("P-1")));
    }

    [Fact]
    public void Only_the_operator_files_on_behalf_of_the_public()
    {
        Noticed("P-1");
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(Owner, Bodies.FileObjection("P-1", onBehalfOf: "someone")));
    }

    [Fact]
    public void An_unknown_or_answered_objection_cannot_be_answered()
    {
        Noticed("P-1");
        AssertRefused(RejectionCode.UnknownObjection, _ledger.Sign(TestLedger.Bureau, Bodies.AnswerObjection("P-1", 1)));
        TestLedger.Committed(_ledger.Submit(Owner, Bodies.FileObjection("P-1")));
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(TestLedger.Operator, Bodies.AnswerObjection("P-1", 1)));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.AnswerObjection("P-1", 1)));
        AssertRefused(RejectionCode.ObjectionAlreadyAnswered, _ledger.Sign(TestLedger.Bureau, Bodies.AnswerObjection("P-1", 1)));
    }

    [Fact]
    public void The_bureau_rejects_during_the_notice_but_not_after_approval()
    {
        Noticed("P-1");
        Noticed("P-2");
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Reject("P-1")));
        Assert.Equal(ProjectStatus.Rejected, Project("P-1").Status);
        _ledger.WaitForNoticeEnd("P-2");
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Approve("P-2")));
        AssertRefused(RejectionCode.InvalidStatusTransition, _ledger.Sign(TestLedger.Bureau, Bodies.Reject("P-2")));
    }

    // --- methodologies (§5–§8) ---

    [Fact]
    public void A_lower_level_methodology_is_not_preferred_unless_the_bureau_excepts_the_subject()
    {
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.FileMethodology("M-N", MethodologyLevel.National, "pv", "wind")));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.FileMethodology("M-G", MethodologyLevel.Group, "pv")));
        AssertRefused(RejectionCode.MethodologyNotPreferred, _ledger.Sign(Owner, Bodies.ApplyProject("P-1", "M-1")));
        AssertRefused(RejectionCode.MethodologyNotPreferred, _ledger.Sign(Owner, Bodies.ApplyProject("P-1", "M-G")));

        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.GrantMethodologyException("P-1", "M-1")));
        AssertRefused(RejectionCode.MethodologyNotPreferred, _ledger.Sign(Owner, Bodies.ApplyProject("P-1", "M-G")));
        AssertRefused(RejectionCode.MethodologyNotPreferred, _ledger.Sign(Owner, Bodies.ApplyProject("P-2", "M-1")));
        TestLedger.Committed(_ledger.Submit(Owner, Bodies.ApplyProject("P-1", "M-1")));
        TestLedger.Committed(_ledger.Submit(Owner, Bodies.ApplyProject("P-3", "M-N")));
    }

    [Fact]
    public void A_withdrawn_or_superseded_higher_methodology_is_no_longer_preferred()
    {
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.FileMethodology("M-N", MethodologyLevel.National, "pv")));
        AssertRefused(RejectionCode.MethodologyNotPreferred, _ledger.Sign(Owner, Bodies.ApplyProject("P-1", "M-1")));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.WithdrawMethodology("M-N")));
        TestLedger.Committed(_ledger.Submit(Owner, Bodies.ApplyProject("P-1", "M-1")));
        AssertRefused(RejectionCode.MethodologyNotActive, _ledger.Sign(Owner, Bodies.ApplyProject("P-2", "M-N")));
        AssertRefused(RejectionCode.MethodologyNotActive, _ledger.Sign(TestLedger.Bureau, Bodies.WithdrawMethodology("M-N")));
        Assert.DoesNotContain(_ledger.View.GetActivity("pv").Entries, e => e.MethodologyId == "M-N");
    }

    [Fact]
    public void Preference_is_checked_again_at_approval()
    {
        Noticed("P-1");
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.FileMethodology("M-N", MethodologyLevel.National, "pv")));
        _ledger.WaitForNoticeEnd("P-1");
        AssertRefused(RejectionCode.MethodologyNotPreferred, _ledger.Sign(TestLedger.Bureau, Bodies.Approve("P-1")));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.GrantMethodologyException("P-1", "M-1")));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Approve("P-1")));
    }

    [Fact]
    public void A_methodology_withdrawn_during_the_notice_cannot_approve()
    {
        Noticed("P-1");
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.WithdrawMethodology("M-1")));
        _ledger.WaitForNoticeEnd("P-1");
        AssertRefused(RejectionCode.MethodologyNotActive, _ledger.Sign(TestLedger.Bureau, Bodies.Approve("P-1")));
    }

    [Fact]
    public void Projects_and_scenarios_apply_under_their_own_kind_of_methodology()
    {
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.FileScenarioMethodology("SM-1")));
        _ledger.Register("travel-app", Role.ScenarioCompany);
        AssertRefused(RejectionCode.MethodologyKindMismatch, _ledger.Sign(Owner, Bodies.ApplyProject("P-1", "SM-1")));
        AssertRefused(RejectionCode.MethodologyKindMismatch, _ledger.Sign("travel-app", Bodies.ApplyScenario("S-1", "M-1")));
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(Owner, Bodies.ApplyScenario("S-1", "SM-1")));
        TestLedger.Committed(_ledger.Submit("travel-app", Bodies.ApplyScenario("S-1", "SM-1")));
        Assert.Equal(SubjectKind.Scenario, Project("S-1").Kind);
        Assert.Equal("travel-app", Project("S-1").Applicant);
        AssertRefused(RejectionCode.ProjectExists, _ledger.Sign(Owner, Bodies.ApplyProject("S-1", "M-1")));

        var successor = Bodies.FileMethodology("M-1.1");
        successor.FileMethodology.SupersedesMethodologyId = "SM-1";
        AssertRefused(RejectionCode.MethodologyKindMismatch, _ledger.Sign(TestLedger.Bureau, successor));
    }

    [Fact]
    public void A_scenario_methodology_has_one_factor_per_activity_and_a_daily_cap()
    {
        var noCap = Bodies.FileScenarioMethodology("SM-1");
        noCap.FileMethodology.DailyCapGramsPerUser = 0;
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(TestLedger.Bureau, noCap));

        var missingFactor = Bodies.FileScenarioMethodology("SM-1");
        missingFactor.FileMethodology.EmissionFactors.RemoveAt(1);
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(TestLedger.Bureau, missingFactor));

        var twoFactors = Bodies.FileScenarioMethodology("SM-1");
        twoFactors.FileMethodology.EmissionFactors[1].ActivityType = "cycling";
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(TestLedger.Bureau, twoFactors));

        var zeroDenominator = Bodies.FileScenarioMethodology("SM-1");
        zeroDenominator.FileMethodology.EmissionFactors[0].UnitsDenominator = 0;
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(TestLedger.Bureau, zeroDenominator));

        var projectWithFactors = Bodies.FileScenarioMethodology("M-2");
        projectWithFactors.FileMethodology.Kind = MethodologyKind.Project;
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(TestLedger.Bureau, projectWithFactors));

        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.FileScenarioMethodology("SM-1")));
        var filed = _ledger.View.GetMethodology("SM-1")!;
        Assert.Equal((MethodologyKind.Scenario, 2_000UL, 2), (filed.Kind, filed.DailyCapGramsPerUser, filed.EmissionFactors.Count));
        Assert.Equal((37UL, 2UL), (filed.EmissionFactors[1].GramsNumerator, filed.EmissionFactors[1].UnitsDenominator));
    }

    // --- tracking evaluation and suspension (§11) ---

    [Fact]
    public void A_subject_not_rectified_by_its_deadline_is_suspended_and_issues_nothing_until_reinstated()
    {
        Approved("P-1");
        var deadline = _ledger.Today + 3;
        var evaluation = TestLedger.Committed(_ledger.Submit(TestLedger.Operator, Bodies.RecordEvaluation("P-1", deadline)));
        Assert.Equal("1", evaluation.Attributes.Single(a => a.Key == "evaluation_number").Value);
        AssertRefused(RejectionCode.RectificationNotDue, _ledger.Sign(TestLedger.Bureau, Bodies.Suspend("P-1", 1)));

        _ledger.AdvanceTo(TimeMs(WorkingDays(deadline).Year, WorkingDays(deadline).Month, WorkingDays(deadline).Day, 23, 59));
        AssertRefused(RejectionCode.RectificationNotDue, _ledger.Sign(TestLedger.Bureau, Bodies.Suspend("P-1", 1)));
        _ledger.AdvanceTo(_ledger.TimeMs + (2 * 60 * 60 * 1000));
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(TestLedger.Operator, Bodies.Suspend("P-1", 1)));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Suspend("P-1", 1)));
        Assert.Equal(ProjectStatus.Suspended, Project("P-1").Status);

        AssertRefused(RejectionCode.ProjectNotApproved, IssueEnvelope("P-1", 1));
        AssertRefused(RejectionCode.NotRectified, _ledger.Sign(TestLedger.Bureau, Bodies.Reinstate("P-1")));
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign("expert-1", Bodies.RecordRectification("P-1", 1)));
        TestLedger.Committed(_ledger.Submit(Owner, Bodies.RecordRectification("P-1", 1)));
        AssertRefused(RejectionCode.InvalidStatusTransition, _ledger.Sign(Owner, Bodies.RecordRectification("P-1", 1)));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Reinstate("P-1")));
        TestLedger.Committed(_ledger.ApplyBlock(IssueEnvelope("P-1", 1))[0]);
    }

    [Fact]
    public void A_rectification_on_the_deadline_day_prevents_suspension()
    {
        Approved("P-1");
        var deadline = _ledger.Today + 1;
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.RecordEvaluation("P-1", deadline)));
        _ledger.AdvanceTo(TimeMs(WorkingDays(deadline).Year, WorkingDays(deadline).Month, WorkingDays(deadline).Day, 23, 30));
        TestLedger.Committed(_ledger.Submit(Owner, Bodies.RecordRectification("P-1", 1)));
        _ledger.AdvanceTo(_ledger.TimeMs + (24 * 60 * 60 * 1000));
        var refused = AssertRefused(RejectionCode.RectificationNotDue, _ledger.Sign(TestLedger.Bureau, Bodies.Suspend("P-1", 1)));
        Assert.Contains("on time", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_late_rectification_still_allows_suspension()
    {
        Approved("P-1");
        var deadline = _ledger.Today;
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.RecordEvaluation("P-1", deadline)));
        _ledger.AdvanceTo(_ledger.TimeMs + (2 * 24 * 60 * 60 * 1000));
        TestLedger.Committed(_ledger.Submit(Owner, Bodies.RecordRectification("P-1", 1)));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Suspend("P-1", 1)));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.Reinstate("P-1")));
    }

    [Fact]
    public void Evaluations_are_of_approved_subjects_with_a_deadline_not_in_the_past()
    {
        Apply("P-1");
        AssertRefused(RejectionCode.InvalidStatusTransition, _ledger.Sign(TestLedger.Operator, Bodies.RecordEvaluation("P-1", _ledger.Today + 5)));
        Approved("P-2");
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(TestLedger.Operator, Bodies.RecordEvaluation("P-2", _ledger.Today - 1)));
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(Owner, Bodies.RecordEvaluation("P-2", _ledger.Today + 5)));
        AssertRefused(RejectionCode.UnknownEvaluation, _ledger.Sign(TestLedger.Bureau, Bodies.Suspend("P-2", 1)));
        AssertRefused(RejectionCode.UnknownEvaluation, _ledger.Sign(Owner, Bodies.RecordRectification("P-2", 7)));
        AssertRefused(RejectionCode.InvalidStatusTransition, _ledger.Sign(TestLedger.Bureau, Bodies.Reinstate("P-2")));
    }

    // --- exclusions (§17) ---

    [Fact]
    public void A_bureau_record_made_before_the_application_excludes_the_project()
    {
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.AddExclusion("CCER", "CCER-2019-0042", "P-1")));
        Assert.NotNull(_ledger.View.GetPendingExclusions("P-1"));
        Approved("P-1");
        Assert.Null(_ledger.View.GetPendingExclusions("P-1"));
        Assert.Equal("CCER-2019-0042", Project("P-1").BureauExclusions.Single().ExternalId);
        AssertRefused(RejectionCode.ExcludedElsewhere, IssueEnvelope("P-1", 1));
    }

    [Fact]
    public void A_bureau_record_after_issuance_stops_further_issuance()
    {
        Approved("P-1");
        TestLedger.Committed(_ledger.ApplyBlock(IssueEnvelope("P-1", 1))[0]);
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(Owner, Bodies.AddExclusion("VCS", "VCS-1", "P-1")));
        TestLedger.Committed(_ledger.Submit(TestLedger.Bureau, Bodies.AddExclusion("VCS", "VCS-1", "P-1")));
        AssertRefused(RejectionCode.ExclusionExists, _ledger.Sign(TestLedger.Bureau, Bodies.AddExclusion("VCS", "VCS-1")));
        AssertRefused(RejectionCode.ExcludedElsewhere, IssueEnvelope("P-1", 2));
    }

    [Fact]
    public void The_applicant_declares_registrations_elsewhere_only_before_issuing_here()
    {
        Approved("P-1");
        Approved("P-2");
        TestLedger.Committed(_ledger.Submit(Owner, Bodies.DeclareExternalRegistration("P-1", "GS-7731")));
        AssertRefused(RejectionCode.ExcludedElsewhere, IssueEnvelope("P-1", 1));
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(Owner, Bodies.DeclareExternalRegistration("P-1", "GS-7731")));

        TestLedger.Committed(_ledger.ApplyBlock(IssueEnvelope("P-2", 2))[0]);
        AssertRefused(RejectionCode.IssuedHere, _ledger.Sign(Owner, Bodies.DeclareExternalRegistration("P-2", "VCS-99")));
        _ledger.Register("owner-b", Role.ProjectOwner);
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign("owner-b", Bodies.DeclareExternalRegistration("P-1", "VCS-98")));
    }

    // --- calendar ---

    [Fact]
    public void A_calendar_is_filed_by_the_bureau_with_days_of_its_year()
    {
        AssertRefused(RejectionCode.UnauthorizedRole, _ledger.Sign(TestLedger.Operator, Bodies.SetCalendar(Year2025)));
        var otherYear = Year2025.Clone();
        otherYear.Holidays.Add(Day(2026, 1, 1));
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(TestLedger.Bureau, Bodies.SetCalendar(otherYear)));
        var weekdayWorked = Year2025.Clone();
        weekdayWorked.AdjustedWorkingDays.Add(Day(2025, 9, 29));
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(TestLedger.Bureau, Bodies.SetCalendar(weekdayWorked)));
        var holidayWorked = Year2025.Clone();
        holidayWorked.AdjustedWorkingDays.Add(Day(2025, 10, 4));
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(TestLedger.Bureau, Bodies.SetCalendar(holidayWorked)));
        var duplicate = Year2025.Clone();
        duplicate.Holidays.Add(Day(2025, 1, 1));
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(TestLedger.Bureau, Bodies.SetCalendar(duplicate)));
        AssertRefused(RejectionCode.InvalidField, _ledger.Sign(TestLedger.Bureau, Bodies.SetCalendar(new SetCalendar { Year = 1969 })));
        Assert.Equal(1 + 8 + 3 + 5 + 3 + 8, _ledger.View.GetCalendar(2025)!.Holidays.Count);
    }

    [Fact]
    public void A_development_network_approves_without_waiting()
    {
        var ledger = new TestLedger();
        ledger.ApprovedScenario("S-1", "travel-app");
        Assert.Equal(ProjectStatus.Approved, ledger.View.GetProject("S-1")!.Status);
        Assert.Equal(Projects.Lifecycle.NoticeStartDay(ledger.View.GetProject("S-1")!), ledger.Today);
    }

    private static DateOnly WorkingDays(uint day) => Core.Calendar.WorkingDays.Date(day);

    private void Apply(string projectId) => TestLedger.Committed(_ledger.Submit(Owner, Bodies.ApplyProject(projectId, "M-1")));

    private void Review(string projectId, params bool[] favourable) => Review(projectId, 1, favourable);

    private void Review(string projectId, int firstExpert, params bool[] favourable)
    {
        for (var i = 0; i < favourable.Length; i++)
        {
            TestLedger.Committed(_ledger.Submit(_ledger.Expert(firstExpert + i), Bodies.SubmitReview(projectId, favourable[i])));
        }
    }

    private void Noticed(string projectId)
    {
        Apply(projectId);
        _ledger.StartNotice(projectId);
    }

    private void Approved(string projectId)
    {
        Apply(projectId);
        _ledger.Approve(projectId);
    }

    private ProjectRecord Project(string projectId) => _ledger.View.GetProject(projectId)!;

    private Envelope IssueEnvelope(string projectId, byte reportSeed) =>
        _ledger.Sign(TestLedger.Bureau, Bodies.Issue(projectId, 20089 + (reportSeed * 40u), 20089 + (reportSeed * 40u) + 30, 1_000, Bodies.ReportHash(reportSeed, 0, projectId)), TestLedger.Verifier);

    /// <summary>Refused with code and a message, the same by Check and in a block, writing nothing but the root.</summary>
    private Receipt AssertRefused(RejectionCode code, Envelope envelope)
    {
        var context = new BlockContext(_ledger.Height + 1, _ledger.TimeMs + 1000);
        var checkReceipt = _ledger.Machine.Check(_ledger.Store, context, envelope);
        var result = _ledger.Machine.ApplyBlock(_ledger.Store, context, [envelope]);
        var receipt = result.Receipts.Single();
        Assert.True(receipt.Code == code, $"expected {code}, got {receipt.Code}: {receipt.Message}");
        Assert.False(string.IsNullOrWhiteSpace(receipt.Message));
        Assert.Equal(receipt, checkReceipt);
        var changedKeys = result.Changes.Entries.Select(e => e.Key).ToList();
        Assert.True(changedKeys.Count == 1 && changedKeys[0].AsSpan().SequenceEqual(StateKeys.StateRoot), "a refused transaction writes nothing but the block's root");
        return receipt;
    }
}

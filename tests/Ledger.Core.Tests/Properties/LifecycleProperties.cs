using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Core.Tests.Properties;

/// <summary>
/// Random lifecycle steps across two projects and a scenario, four experts, objections, evaluations,
/// suspensions, issuance and links elsewhere, with block times around the 2025 and 2026 holidays;
/// and random methodology filings for §5's preference. A failure prints FsCheck's Replay seed.
/// </summary>
public sealed class LifecycleProperties(Xunit.Abstractions.ITestOutputHelper output)
{
    [Property(MaxTest = 200, Arbitrary = [typeof(LifecycleArbitrary)])]
    public Property Lifecycle_steps_around_holidays_keep_every_rule(LifecycleRun run)
    {
        var driver = new LifecycleDriver(run.Anchor);
        var problems = new List<string>();
        foreach (var block in run.Blocks)
        {
            problems.AddRange(driver.RunBlock(block).Select(p => $"block {driver.Ledger.Height}: {p}"));
            if (problems.Count > 0)
            {
                break;
            }
        }

        return (problems.Count == 0).Label(string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Lifecycle_generators_reach_every_outcome()
    {
        var runs = LifecycleRuns.Runs.Sample(40, new Rnd(20260101UL, 1UL), 80);
        var outcomes = new Dictionary<RejectionCode, int>();
        var approvals = 0;
        var suspensions = 0;
        foreach (var run in runs)
        {
            var driver = new LifecycleDriver(run.Anchor);
            foreach (var block in run.Blocks)
            {
                Assert.Empty(driver.RunBlock(block));
            }

            foreach (var (code, count) in driver.Outcomes)
            {
                outcomes[code] = outcomes.GetValueOrDefault(code) + count;
            }

            approvals += driver.Model.Subjects.Values.Count(s => s.Status is ProjectStatus.Approved or ProjectStatus.Suspended);
            suspensions += driver.Model.Subjects.Values.Count(s => s.Status == ProjectStatus.Suspended);
        }

        output.WriteLine($"approved at the end: {approvals}, suspended: {suspensions}; " + string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}={o.Value}")));
        RejectionCode[] expected =
        [
            RejectionCode.Unspecified, RejectionCode.InvalidStatusTransition, RejectionCode.ReviewAlreadySubmitted, RejectionCode.ReviewIncomplete,
            RejectionCode.NoticeNotOpen, RejectionCode.UnknownObjection, RejectionCode.ObjectionAlreadyAnswered, RejectionCode.NoticePeriodNotElapsed,
            RejectionCode.ObjectionUnanswered, RejectionCode.UnknownEvaluation, RejectionCode.RectificationNotDue, RejectionCode.NotRectified,
            RejectionCode.ProjectNotApproved, RejectionCode.ExcludedElsewhere, RejectionCode.IssuedHere, RejectionCode.UnauthorizedRole,
        ];
        Assert.All(expected, code => Assert.True(outcomes.ContainsKey(code), $"no generated step reached {code}"));
        Assert.True(approvals > 10 && suspensions > 0, $"too few approvals ({approvals}) or suspensions ({suspensions}) to test what follows them");
    }

    [Property(MaxTest = 150, Arbitrary = [typeof(PreferenceArbitrary)])]
    public Property Lower_level_methodologies_are_refused_unless_excepted(PreferenceOp[] ops)
    {
        var ledger = new TestLedger();
        ledger.Register("owner", Role.ProjectOwner);
        ledger.Register("company", Role.ScenarioCompany);
        var model = new PreferenceModel();
        var problems = new List<string>();
        foreach (var op in ops)
        {
            var (body, signer, expected) = model.Plan(op);
            var receipt = ledger.Submit(signer, body);
            if (receipt.Code != expected)
            {
                problems.Add($"{op}: expected {expected}, ledger said {receipt.Code} ({receipt.Message})");
                break;
            }
        }

        return (problems.Count == 0).Label(string.Join(Environment.NewLine, problems));
    }

    public static class LifecycleArbitrary
    {
        public static Arbitrary<LifecycleRun> Runs() => LifecycleRuns.Arbitrary();
    }

    public static class PreferenceArbitrary
    {
        public static Arbitrary<PreferenceOp[]> Ops() =>
            Gen.Frequency(
                    (4, Gen.Choose(0, 1_000).Three().Select(t => new PreferenceOp(PreferenceOpKind.File, t.Item1, t.Item2, t.Item3))),
                    (1, Gen.Choose(0, 1_000).Three().Select(t => new PreferenceOp(PreferenceOpKind.Withdraw, t.Item1, t.Item2, t.Item3))),
                    (2, Gen.Choose(0, 1_000).Three().Select(t => new PreferenceOp(PreferenceOpKind.Grant, t.Item1, t.Item2, t.Item3))),
                    (5, Gen.Choose(0, 1_000).Three().Select(t => new PreferenceOp(PreferenceOpKind.Apply, t.Item1, t.Item2, t.Item3))))
                .ArrayOf()
                .ToArbitrary();
    }
}

public enum PreferenceOpKind
{
    File,
    Withdraw,
    Grant,
    Apply,
}

public sealed record PreferenceOp(PreferenceOpKind Kind, int A, int B, int C);

/// <summary>§5's reference: methodologies as plain values, the rule as one LINQ query.</summary>
public sealed class PreferenceModel
{
    private static readonly string[] Activities = ["pv", "wind", "biogas"];

    private sealed record Methodology(string Id, MethodologyLevel Level, MethodologyKind Kind, string[] Activities)
    {
        public bool Active { get; set; } = true;
    }

    private readonly List<Methodology> _methodologies = [];
    private readonly Dictionary<string, string> _exceptions = [];
    private readonly HashSet<string> _applied = [];

    public (TransactionBody Body, string Signer, RejectionCode Expected) Plan(PreferenceOp op) => op.Kind switch
    {
        PreferenceOpKind.File => PlanFile(op),
        PreferenceOpKind.Withdraw => PlanWithdraw(op),
        PreferenceOpKind.Grant => PlanGrant(op),
        _ => PlanApply(op),
    };

    private (TransactionBody, string, RejectionCode) PlanFile(PreferenceOp op)
    {
        var id = $"M-{_methodologies.Count}";
        var level = (MethodologyLevel)(1 + (op.A % 3));
        var kind = op.B % 3 == 0 ? MethodologyKind.Scenario : MethodologyKind.Project;
        var mask = 1 + (op.C % 7);
        var activities = Activities.Where((_, i) => (mask & (1 << i)) != 0).ToArray();
        _methodologies.Add(new Methodology(id, level, kind, activities));
        var body = Bodies.FileMethodology(id, level, activities);
        if (kind == MethodologyKind.Scenario)
        {
            body.FileMethodology.Kind = kind;
            body.FileMethodology.EmissionFactors.Add(activities.Select(a => new EmissionFactor { ActivityType = a, Unit = "kWh", GramsNumerator = 500, UnitsDenominator = 1 }));
            body.FileMethodology.DailyCapGramsPerUser = 10_000;
        }

        return (body, TestLedger.Bureau, RejectionCode.Unspecified);
    }

    private (TransactionBody, string, RejectionCode) PlanWithdraw(PreferenceOp op)
    {
        var index = op.A % (_methodologies.Count + 1);
        var id = $"M-{index}";
        var expected = index == _methodologies.Count ? RejectionCode.UnknownMethodology
            : !_methodologies[index].Active ? RejectionCode.MethodologyNotActive
            : RejectionCode.Unspecified;
        if (expected == RejectionCode.Unspecified)
        {
            _methodologies[index].Active = false;
        }

        return (Bodies.WithdrawMethodology(id), TestLedger.Bureau, expected);
    }

    private (TransactionBody, string, RejectionCode) PlanGrant(PreferenceOp op)
    {
        var subject = $"X-{op.A % 4}";
        var index = op.B % (_methodologies.Count + 1);
        var expected = index == _methodologies.Count ? RejectionCode.UnknownMethodology : RejectionCode.Unspecified;
        if (expected == RejectionCode.Unspecified)
        {
            _exceptions[subject] = $"M-{index}";
        }

        return (Bodies.GrantMethodologyException(subject, $"M-{index}"), TestLedger.Bureau, expected);
    }

    private (TransactionBody, string, RejectionCode) PlanApply(PreferenceOp op)
    {
        var scenario = op.A % 2 == 1;
        var subject = $"X-{op.B % 6}";
        var index = op.C % (_methodologies.Count + 1);
        var id = $"M-{index}";
        var chosen = index < _methodologies.Count ? _methodologies[index] : null;
        var kind = scenario ? MethodologyKind.Scenario : MethodologyKind.Project;
        var expected = true switch
        {
            _ when _applied.Contains(subject) => RejectionCode.ProjectExists,
            _ when chosen is null => RejectionCode.UnknownMethodology,
            _ when !chosen.Active => RejectionCode.MethodologyNotActive,
            _ when chosen.Kind != kind => RejectionCode.MethodologyKindMismatch,
            _ when _methodologies.Any(m => m.Active && m.Kind == kind && m.Level < chosen.Level && m.Activities.Intersect(chosen.Activities).Any())
                   && _exceptions.GetValueOrDefault(subject) != id => RejectionCode.MethodologyNotPreferred,
            _ => RejectionCode.Unspecified,
        };
        if (expected == RejectionCode.Unspecified)
        {
            _applied.Add(subject);
        }

        return scenario
            ? (Bodies.ApplyScenario(subject, id), "company", expected)
            : (Bodies.ApplyProject(subject, id), "owner", expected);
    }
}

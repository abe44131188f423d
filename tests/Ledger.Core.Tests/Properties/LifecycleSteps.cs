using FsCheck;
using FsCheck.Fluent;

namespace Ledger.Core.Tests.Properties;

public enum LifecycleStepKind
{
    Review,
    StartNotice,
    Object,
    Answer,
    Approve,
    Reject,
    Wait,
    Evaluate,
    Rectify,
    Suspend,
    Reinstate,
    Issue,
    Exclude,
    Declare,
    WrongRole,

    /// <summary>The next honest step of the subject's lifecycle, whatever it is: keeps runs moving to approval and beyond.</summary>
    Progress,
}

public sealed record LifecycleStep(LifecycleStepKind Kind, int A, int B, int C)
{
    public override string ToString() => $"{Kind}({A},{B},{C})";
}

/// <summary>A run starts at one of the anchors (days around holidays) and moves on by the Wait steps.</summary>
public sealed record LifecycleRun(int Anchor, IReadOnlyList<IReadOnlyList<LifecycleStep>> Blocks)
{
    public override string ToString() => $"anchor {Anchor}: " + string.Join(" | ", Blocks.Select(block => string.Join(", ", block)));
}

public static class LifecycleRuns
{
    private static readonly Gen<LifecycleStep> Steps =
        Gen.Frequency(
            (8, StepOf(LifecycleStepKind.Review)),
            (4, StepOf(LifecycleStepKind.StartNotice)),
            (2, StepOf(LifecycleStepKind.Object)),
            (4, StepOf(LifecycleStepKind.Answer)),
            (6, StepOf(LifecycleStepKind.Approve)),
            (1, StepOf(LifecycleStepKind.Reject)),
            (10, StepOf(LifecycleStepKind.Wait)),
            (3, StepOf(LifecycleStepKind.Evaluate)),
            (3, StepOf(LifecycleStepKind.Rectify)),
            (3, StepOf(LifecycleStepKind.Suspend)),
            (2, StepOf(LifecycleStepKind.Reinstate)),
            (5, StepOf(LifecycleStepKind.Issue)),
            (1, StepOf(LifecycleStepKind.Exclude)),
            (1, StepOf(LifecycleStepKind.Declare)),
            (2, StepOf(LifecycleStepKind.WrongRole)),
            (12, StepOf(LifecycleStepKind.Progress)));

    public static Gen<LifecycleRun> Runs =>
        Gen.Choose(0, 1_000).SelectMany(anchor =>
            Gen.Choose(1, 3).SelectMany(size => Steps.ListOf(size))
                .Select(block => (IReadOnlyList<LifecycleStep>)block.ToList())
                .ListOf()
                .Select(blocks => new LifecycleRun(anchor, blocks.ToList())));

    public static Arbitrary<LifecycleRun> Arbitrary() => Arb.From(Runs, Shrink);

    public static IEnumerable<LifecycleRun> Shrink(LifecycleRun run)
    {
        for (var i = 0; i < run.Blocks.Count; i++)
        {
            yield return run with { Blocks = run.Blocks.Where((_, index) => index != i).ToList() };
        }

        for (var i = 0; i < run.Blocks.Count; i++)
        {
            for (var j = 0; j < run.Blocks[i].Count && run.Blocks[i].Count > 1; j++)
            {
                var shorter = run.Blocks[i].Where((_, index) => index != j).ToList();
                yield return run with { Blocks = run.Blocks.Select((block, index) => index == i ? shorter : block).ToList() };
            }
        }
    }

    private static Gen<LifecycleStep> StepOf(LifecycleStepKind kind) =>
        Gen.Choose(0, 1_000).Three().Select(t => new LifecycleStep(kind, t.Item1, t.Item2, t.Item3));
}

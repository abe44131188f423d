using FsCheck;
using FsCheck.Fluent;

namespace Ledger.Core.Tests.Properties;

/// <summary>What a random step does. Honest kinds may still be refused (overlaps, overspending); the others always are.</summary>
public enum StepKind
{
    Issue,
    Transfer,
    RequestCancellation,
    ApproveCancellation,
    DeclineCancellation,
    Replay,
    ForgedSignature,
    WrongRole,
    WrongChain,
    Expired,
    MissingAttestation,
    TamperedBody,
}

/// <summary>One generated step: a kind and a few numbers its interpreter turns into a transaction.</summary>
public sealed record Step(StepKind Kind, int A, int B, int C, int D)
{
    public override string ToString() => $"{Kind}({A},{B},{C},{D})";
}

/// <summary>A run: blocks of steps. Shrinks by dropping blocks and steps, so a failure comes back small.</summary>
public sealed record Run(IReadOnlyList<IReadOnlyList<Step>> Blocks)
{
    public override string ToString() =>
        string.Join(" | ", Blocks.Select(block => string.Join(", ", block)));
}

public static class RunArbitrary
{
    private static readonly Gen<Step> HonestStep =
        Gen.Frequency(
            (5, StepOf(StepKind.Issue)),
            (8, StepOf(StepKind.Transfer)),
            (3, StepOf(StepKind.RequestCancellation)),
            (2, StepOf(StepKind.ApproveCancellation)),
            (1, StepOf(StepKind.DeclineCancellation)));

    private static readonly Gen<Step> AdversarialStep =
        Gen.Elements(StepKind.Replay, StepKind.ForgedSignature, StepKind.WrongRole, StepKind.WrongChain, StepKind.Expired, StepKind.MissingAttestation, StepKind.TamperedBody)
            .SelectMany(StepOf);

    public static Gen<Step> AnyStep(int adversarialWeight) =>
        Gen.Frequency((10, HonestStep), (adversarialWeight, AdversarialStep));

    public static Gen<Run> Runs(int adversarialWeight) =>
        Gen.Choose(1, 4).SelectMany(size => AnyStep(adversarialWeight).ListOf(size))
            .Select(block => (IReadOnlyList<Step>)block.ToList())
            .ListOf()
            .Select(blocks => new Run(blocks.ToList()));

    public static Arbitrary<Run> Arbitrary(int adversarialWeight) => Arb.From(Runs(adversarialWeight), Shrink);

    /// <summary>Drop one block, or one step of a block.</summary>
    public static IEnumerable<Run> Shrink(Run run)
    {
        for (var i = 0; i < run.Blocks.Count; i++)
        {
            yield return new Run(run.Blocks.Where((_, index) => index != i).ToList());
        }

        for (var i = 0; i < run.Blocks.Count; i++)
        {
            for (var j = 0; j < run.Blocks[i].Count && run.Blocks[i].Count > 1; j++)
            {
                var shorter = run.Blocks[i].Where((_, index) => index != j).ToList();
                yield return new Run(run.Blocks.Select((block, index) => index == i ? shorter : block).ToList());
            }
        }
    }

    private static Gen<Step> StepOf(StepKind kind) =>
        Gen.Choose(0, 1_000).Four().Select(t => new Step(kind, t.Item1, t.Item2, t.Item3, t.Item4));
}

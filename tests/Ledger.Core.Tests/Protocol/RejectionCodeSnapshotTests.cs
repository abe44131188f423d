using Ledger.Core.Protocol;

namespace Ledger.Core.Tests.Protocol;

/// <summary>
/// Clients and auditors key on rejection codes: they are append-only. This fails when a code is
/// renamed, renumbered or removed, and when one is added without updating the snapshot on purpose.
/// </summary>
public sealed class RejectionCodeSnapshotTests
{
    private static readonly string SnapshotPath = Path.Combine(AppContext.BaseDirectory, "Snapshots", "rejection-codes.txt");

    [Fact]
    public void Rejection_codes_match_the_snapshot()
    {
        var current = Current();
        var snapshot = File.ReadAllLines(SnapshotPath).Where(line => line.Length > 0 && !line.StartsWith('#')).ToList();
        var removedOrChanged = snapshot.Except(current).ToList();
        var added = current.Except(snapshot).ToList();
        Assert.True(removedOrChanged.Count == 0, "codes are append-only; changed or removed: " + string.Join(", ", removedOrChanged));
        Assert.True(added.Count == 0, "new codes must be added to Snapshots/rejection-codes.txt on purpose: " + string.Join(", ", added));
    }

    [Fact]
    public void Zero_is_never_a_rejection()
    {
        Assert.Equal(0, (int)RejectionCode.Unspecified);
        Assert.Equal("REJECTION_CODE_UNSPECIFIED", RejectionCodeDescriptor().FindValueByNumber(0).Name);
    }

    [Fact]
    public void Every_rejection_code_says_its_cause_and_remedy_in_the_proto()
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Docs", "rejections.proto"));
        var uncommented = lines
            .Select((line, index) => (line.Trim(), index))
            .Where(l => l.Item1.StartsWith("REJECTION_CODE_", StringComparison.Ordinal) && !l.Item1.StartsWith("REJECTION_CODE_UNSPECIFIED", StringComparison.Ordinal))
            .Where(l => !lines[l.index - 1].Trim().StartsWith("//", StringComparison.Ordinal))
            .Select(l => l.Item1)
            .ToList();
        Assert.True(uncommented.Count == 0, "codes without a comment: " + string.Join(", ", uncommented));
    }

    private static List<string> Current() =>
        RejectionCodeDescriptor().Values.Select(v => $"{v.Number} {v.Name}").ToList();

    private static Google.Protobuf.Reflection.EnumDescriptor RejectionCodeDescriptor() =>
        RejectionsReflection.Descriptor.EnumTypes.Single(e => e.Name == "RejectionCode");
}

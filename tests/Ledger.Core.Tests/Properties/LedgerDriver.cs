using Google.Protobuf;
using Ledger.Core.Execution;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Testing;

namespace Ledger.Core.Tests.Properties;

/// <summary>
/// Turns generated steps into signed envelopes against a TestLedger, predicts each outcome
/// with the LedgerModel, applies the block and reports every difference between ledger and model.
/// </summary>
public sealed class LedgerDriver
{
    public const uint Jan1 = 20089;

    /// <summary>One holder signs with SM2, the rest with Ed25519: both suites are exercised in every run.</summary>
    public static readonly string[] Holders = ["owner-1", "owner-2", "trader-1", "trader-sm2"];

    /// <summary>Mostly issuable projects, so that enough batches exist to trade; one never approved, one registered elsewhere.</summary>
    private static readonly string[] Projects = ["P-1", "P-1", "P-1", "P-2", "P-2", "P-2", "P-applied", "P-vcs"];

    private readonly List<Envelope> _committed = [];

    public LedgerDriver(HashAlgorithm hash = HashAlgorithm.Sha256)
    {
        Ledger = new TestLedger(hash);
        Ledger.Register("owner-1", Role.ProjectOwner);
        Ledger.Register("owner-2", Role.ProjectOwner);
        Ledger.Register("trader-1", Role.Trader);
        Ledger.Register("trader-sm2", Role.Trader);
        Ledger.ApprovedProject("P-1", "owner-1");
        Ledger.ApprovedProject("P-2", "owner-2");
        TestLedger.Committed(Ledger.Submit("owner-1", Bodies.ApplyProject("P-applied", "M-1")));
        TestLedger.Committed(Ledger.Submit("owner-2", Bodies.ApplyProject("P-vcs", "M-1", "VCS-1234")));
        Ledger.Approve("P-vcs");
    }

    public TestLedger Ledger { get; }

    public LedgerModel Model { get; } = new();

    /// <summary>How often each outcome came back: shows what the generators reach.</summary>
    public Dictionary<RejectionCode, int> Outcomes { get; } = [];

    /// <summary>Every block applied by Run, in order, for replays on a fresh ledger.</summary>
    public List<Envelope[]> AppliedBlocks { get; } = [];

    /// <summary>Applies one block of steps; returns the differences between ledger and model (empty when none).</summary>
    public IReadOnlyList<string> RunBlock(IReadOnlyList<Step> steps)
    {
        var planned = steps.Select(Plan).Where(p => p is not null).Select(p => p!).ToArray();
        var envelopes = planned.Select(p => p.Envelope).ToArray();
        var before = Clone(Ledger.Store);
        var receipts = Ledger.ApplyBlock(envelopes);
        AppliedBlocks.Add(envelopes);

        var problems = new List<string>();
        for (var i = 0; i < planned.Length; i++)
        {
            Outcomes[receipts[i].Code] = Outcomes.GetValueOrDefault(receipts[i].Code) + 1;
            if (receipts[i].Code != planned[i].Expected)
            {
                problems.Add($"{planned[i].Step}: expected {planned[i].Expected}, ledger said {receipts[i].Code} ({receipts[i].Message})");
            }
            else if (receipts[i].Code == RejectionCode.Unspecified)
            {
                _committed.Add(planned[i].Envelope);
            }
        }

        problems.AddRange(CommittedOnlyGivesSameRoot(before, envelopes, receipts));
        return problems;
    }

    /// <summary>A refused transaction changes nothing: the block's committed transactions alone give the same root.</summary>
    private IEnumerable<string> CommittedOnlyGivesSameRoot(InMemoryState before, Envelope[] envelopes, IReadOnlyList<Receipt> receipts)
    {
        var committedOnly = envelopes.Where((_, i) => receipts[i].Code == RejectionCode.Unspecified).ToArray();
        var replay = Ledger.Machine.ApplyBlock(before, new BlockContext(Ledger.Height, Ledger.TimeMs), committedOnly);
        if (!replay.StateRoot.AsSpan().SequenceEqual(Ledger.StateRoot))
        {
            yield return $"height {Ledger.Height}: the refused transactions changed the state root";
        }
    }

    private sealed record Planned(Step Step, Envelope Envelope, RejectionCode Expected);

    private Planned? Plan(Step step) => step.Kind switch
    {
        StepKind.Issue => PlanIssue(step),
        StepKind.Transfer => PlanTransfer(step, attested: true),
        StepKind.RequestCancellation => PlanRequestCancellation(step),
        StepKind.ApproveCancellation => PlanDecision(step, approve: true),
        StepKind.DeclineCancellation => PlanDecision(step, approve: false),
        StepKind.Replay => PlanReplay(step),
        StepKind.ForgedSignature => PlanForged(step),
        StepKind.WrongRole => PlanWrongRole(step),
        StepKind.WrongChain => Refused(step, EnvelopeFactory.Create("ordos-other", HonestTransferBody(step), Holders[step.A % 4], Ledger.KeyOf(Holders[step.A % 4]), 900_000 + (ulong)step.B, 1_000, (TestLedger.Operator, Ledger.KeyOf(TestLedger.Operator))), RejectionCode.WrongChain),
        StepKind.Expired => Refused(step, EnvelopeFactory.Create(TestLedger.ChainId, HonestTransferBody(step), Holders[step.A % 4], Ledger.KeyOf(Holders[step.A % 4]), 800_000 + (ulong)step.B, Ledger.Height, (TestLedger.Operator, Ledger.KeyOf(TestLedger.Operator))), RejectionCode.Expired),
        StepKind.MissingAttestation => Refused(step, Ledger.Sign(Holders[step.A % 4], HonestTransferBody(step), Holders[(step.A + 1) % 4]), RejectionCode.MissingSignature),
        StepKind.TamperedBody => PlanTampered(step),
        _ => throw new ArgumentOutOfRangeException(nameof(step)),
    };

    private Planned PlanIssue(Step step)
    {
        var projectId = Projects[step.C % Projects.Length];
        var first = Jan1 + (uint)(step.A % 90);
        var last = first + (uint)(step.B % 30);
        var grams = 1 + ((ulong)step.D * 997);
        var report = Bodies.ReportHash((byte)((step.A + step.B + step.D) % 40), 0, "shared");
        var envelope = Ledger.Sign(TestLedger.Bureau, Bodies.Issue(projectId, first, last, grams, report), TestLedger.Verifier);
        var reportHex = Convert.ToHexStringLower(report);
        var expected = projectId switch
        {
            "P-applied" => RejectionCode.ProjectNotApproved,
            "P-vcs" => RejectionCode.ExcludedElsewhere,
            _ when Model.Overlaps(projectId, first, last) => RejectionCode.DoubleIssuance,
            _ when Model.UsedReports.Contains(reportHex) => RejectionCode.ReportHashReused,
            _ => RejectionCode.Unspecified,
        };
        if (expected == RejectionCode.Unspecified)
        {
            var owner = projectId == "P-1" ? "owner-1" : "owner-2";
            Model.Issue(projectId, BatchIds.ForProject(projectId, new DayRange { FirstDay = first, LastDay = last }), owner, first, last, reportHex, grams);
        }

        return new Planned(step, envelope, expected);
    }

    private Planned PlanTransfer(Step step, bool attested)
    {
        var batchId = PickBatch(step.C);
        var from = PickHolder(step.A, batchId);
        var to = step.B % 5 == 4 ? TestLedger.Verifier : Holders[step.B % 5];
        var grams = PickAmount(Model.HoldingOf(from, batchId).Tradable, step.D);
        // The buyer accepts by co-signing (§21); nobody co-signs for themselves, so a self-transfer has the operator only.
        string[] coSigners = (attested, from == to) switch
        {
            (true, false) => [TestLedger.Operator, to],
            (true, true) => [TestLedger.Operator],
            (false, false) => [to],
            (false, true) => [],
        };
        var envelope = Ledger.Sign(from, Bodies.Transfer(to, batchId, grams), coSigners);
        var expected = true switch
        {
            _ when from == to => RejectionCode.SelfTransfer,
            _ when to == TestLedger.Verifier => RejectionCode.UnauthorizedRole,
            _ when !Model.Batches.Contains(batchId) => RejectionCode.UnknownBatch,
            _ when Model.HoldingOf(from, batchId).Tradable < grams => RejectionCode.InsufficientBalance,
            _ => RejectionCode.Unspecified,
        };
        if (expected == RejectionCode.Unspecified)
        {
            Model.Transfer(from, to, batchId, grams);
        }

        return new Planned(step, envelope, expected);
    }

    private Planned PlanRequestCancellation(Step step)
    {
        var batchId = PickBatch(step.C);
        var holder = PickHolder(step.A, batchId);
        var grams = PickAmount(Model.HoldingOf(holder, batchId).Tradable, step.D);
        var envelope = Ledger.Sign(holder, Bodies.RequestCancellation(batchId, grams));
        var expected = true switch
        {
            _ when !Model.Batches.Contains(batchId) => RejectionCode.UnknownBatch,
            _ when Model.HoldingOf(holder, batchId).Tradable < grams => RejectionCode.InsufficientBalance,
            _ => RejectionCode.Unspecified,
        };
        if (expected == RejectionCode.Unspecified)
        {
            var id = Convert.ToHexStringLower(SignBytes.TransactionId(Ledger.Machine.Parameters.Hash, envelope));
            Model.RequestCancellation(id, holder, batchId, grams);
        }

        return new Planned(step, envelope, expected);
    }

    private Planned PlanDecision(Step step, bool approve)
    {
        LedgerModel.PendingCancellation? pending = null;
        string id;
        RejectionCode expected;
        if (step.B % 5 == 0 && Model.Decided.Count > 0)
        {
            id = Model.Decided[step.A % Model.Decided.Count];
            expected = RejectionCode.CancellationNotPending;
        }
        else if (Model.Pending.Count == 0)
        {
            id = "00" + step.A.ToString("x4", System.Globalization.CultureInfo.InvariantCulture);
            expected = RejectionCode.UnknownCancellation;
        }
        else
        {
            pending = Model.Pending[step.A % Model.Pending.Count];
            id = pending.Id;
            expected = RejectionCode.Unspecified;
        }

        var body = approve ? Bodies.ApproveCancellation(id) : Bodies.DeclineCancellation(id);
        var envelope = Ledger.Sign(TestLedger.Operator, body);
        if (pending is not null)
        {
            Model.Decide(pending, approve);
        }

        return new Planned(step, envelope, expected);
    }

    private Planned? PlanReplay(Step step)
    {
        if (_committed.Count == 0)
        {
            return null;
        }

        var envelope = _committed[step.A % _committed.Count];
        var expected = envelope.ExpiryHeight < Ledger.Height + 1 ? RejectionCode.Expired : RejectionCode.NonceReused;
        return new Planned(step, envelope, expected);
    }

    private Planned PlanForged(Step step)
    {
        var from = Holders[step.A % 4];
        var envelope = EnvelopeFactory.Create(TestLedger.ChainId, HonestTransferBody(step), from, TestKeys.For("mallory"), 700_000 + (ulong)step.B, Ledger.Height + 100, (TestLedger.Operator, Ledger.KeyOf(TestLedger.Operator)));
        return new Planned(step, envelope, RejectionCode.BadSignature);
    }

    private Planned PlanWrongRole(Step step)
    {
        var envelope = step.A % 2 == 0
            ? Ledger.Sign(TestLedger.Operator, Bodies.Issue("P-1", Jan1 + 400, Jan1 + 401, 5, Bodies.ReportHash(99, 0, "wrong-role")), TestLedger.Verifier)
            : Ledger.Sign(TestLedger.Verifier, HonestTransferBody(step), TestLedger.Operator);
        return new Planned(step, envelope, RejectionCode.UnauthorizedRole);
    }

    private Planned PlanTampered(Step step)
    {
        var envelope = Ledger.Sign(Holders[step.A % 4], HonestTransferBody(step), TestLedger.Operator);
        var body = TransactionBody.Parser.ParseFrom(envelope.Body);
        body.Transfer.AmountGrams += 1;
        envelope.Body = body.ToByteString();
        return new Planned(step, envelope, RejectionCode.BadSignature);
    }

    private static Planned Refused(Step step, Envelope envelope, RejectionCode code) => new(step, envelope, code);

    /// <summary>A transfer that would pass every check but the one the step breaks: the model is not updated for it.</summary>
    private TransactionBody HonestTransferBody(Step step)
    {
        var from = Holders[step.A % 4];
        var to = Holders[(step.A + 1) % 4];
        var batchId = PickBatch(step.C);
        return Bodies.Transfer(to, batchId, Math.Max(1, Model.HoldingOf(from, batchId).Tradable));
    }

    private string PickBatch(int selector) =>
        Model.Batches.Count == 0 || selector % (Model.Batches.Count + 1) == Model.Batches.Count
            ? "ORD-P-none-20250101-20250131"
            : Model.Batches[selector % (Model.Batches.Count + 1)];

    /// <summary>Two times in three the richest holder of the batch, so that most honest steps can commit.</summary>
    private string PickHolder(int selector, string batchId) =>
        selector % 3 == 0
            ? Holders[selector / 3 % 4]
            : Holders.MaxBy(h => Model.HoldingOf(h, batchId).Tradable)!;

    private static ulong PickAmount(ulong held, int selector) => (selector % 4) switch
    {
        0 => 1,
        1 => Math.Max(1, held / 2),
        2 => Math.Max(1, held),
        _ => held + 1 + (ulong)selector,
    };

    internal static InMemoryState Clone(InMemoryState store)
    {
        var copy = new InMemoryState();
        var all = new WriteSet();
        foreach (var (key, value) in store.Entries)
        {
            all.Put(key, value);
        }

        copy.Apply(all);
        return copy;
    }
}

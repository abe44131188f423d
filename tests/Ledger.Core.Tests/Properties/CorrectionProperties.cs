using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Testing;
using Ledger.Core.Tests.Execution;

namespace Ledger.Core.Tests.Properties;

/// <summary>
/// Corrections (§11) under random interleavings of issuance, transfers, cancellations (requested,
/// approved, declined), corrections and shortfalls made good, valid and invalid alike. A small
/// reference model predicts every outcome; after every step the ledger must agree with it, supply
/// identity must hold for every batch, retired units and serials never move, and a refused step
/// changes nothing.
/// </summary>
public sealed class CorrectionProperties
{
    private const uint Jan1 = 20089;
    private static readonly string[] Owners = ["owner-1", "owner-2"];
    private static readonly string[] Accounts = ["owner-1", "owner-2", "trader-1"];

    public enum Kind
    {
        Issue,
        Transfer,
        Cancel,
        Request,
        Decide,
        Correct,
        MakeGood,
    }

    public sealed record Op(Kind Kind, int A, int B, int C, int D)
    {
        public override string ToString() => $"{Kind}({A},{B},{C},{D})";
    }

    [Property(MaxTest = 150, Arbitrary = [typeof(Ops)])]
    public Property Corrections_keep_supply_and_shortfalls_exact_and_block_issuance(Op[] ops)
    {
        var run = new Run();
        foreach (var op in ops)
        {
            if (run.Step(op) is { } problem)
            {
                return false.Label($"{op}: {problem}");
            }
        }

        return true.Label("every step as the model predicted").Classify(run.Corrections > 0, "with corrections").Classify(run.BlockedIssuances > 0, "issuance blocked by a shortfall");
    }

    [Fact]
    public void Generators_reach_every_correction_outcome()
    {
        var codes = new HashSet<RejectionCode>();
        foreach (var ops in Ops.Sequences().Sample(40, new Rnd(20261124UL, 1UL), 60))
        {
            var run = new Run();
            foreach (var op in ops)
            {
                Assert.Null(run.Step(op));
            }

            codes.UnionWith(run.Codes);
        }

        Assert.Superset(
            new HashSet<RejectionCode> { RejectionCode.Unspecified, RejectionCode.OutstandingShortfall, RejectionCode.NoOutstandingShortfall, RejectionCode.ShortfallExceedsCancelled, RejectionCode.InsufficientBalance },
            codes);
    }

    public static class Ops
    {
        public static Gen<Op[]> Sequences() =>
            Gen.Choose(5, 60).SelectMany(length => OneOp().ArrayOf(length));

        /// <summary>Shrinks by dropping one step at a time.</summary>
        public static Arbitrary<Op[]> Arbitrary() =>
            Arb.From(Sequences(), ops => Enumerable.Range(0, ops.Length).Select(i => ops.Where((_, j) => j != i).ToArray()));

        private static Gen<Op> OneOp() =>
            Gen.Frequency(
                (3, Gen.Constant(Kind.Issue)), (3, Gen.Constant(Kind.Transfer)), (2, Gen.Constant(Kind.Cancel)), (1, Gen.Constant(Kind.Request)),
                (1, Gen.Constant(Kind.Decide)), (3, Gen.Constant(Kind.Correct)), (2, Gen.Constant(Kind.MakeGood)))
            .SelectMany(kind => Gen.Choose(0, 1_000).Four().Select(t => new Op(kind, t.Item1, t.Item2, t.Item3, t.Item4)));
    }

    /// <summary>The ledger and the model side by side.</summary>
    private sealed class Run
    {
        private readonly TestLedger _ledger = new();
        private readonly Dictionary<(string Account, string Batch), (ulong Tradable, ulong Escrowed, ulong Retired)> _balances = [];
        private readonly Dictionary<string, (string Owner, ulong Issued, ulong Voided, ulong Shortfall)> _batches = [];
        private readonly Dictionary<string, (ulong Assigned, ulong MadeGood)> _owed = [];
        private readonly List<(string Id, string Holder, string Batch, ulong Grams)> _pending = [];
        private readonly Dictionary<string, uint> _nextDay = new() { ["P-1"] = Jan1, ["P-2"] = Jan1 };
        private byte _report;

        public Run()
        {
            _ledger.Register("trader-1", Role.Trader);
            _ledger.ApprovedProject("P-1", "owner-1");
            _ledger.ApprovedProject("P-2", "owner-2");
        }

        public HashSet<RejectionCode> Codes { get; } = [];

        public int Corrections { get; private set; }

        public int BlockedIssuances { get; private set; }

        public string? Step(Op op)
        {
            var batches = _batches.Keys.Order(StringComparer.Ordinal).ToList();
            string? Pick(int i) => batches.Count == 0 ? null : batches[i % batches.Count];
            return op.Kind switch
            {
                Kind.Issue => Issue(op.A % 2 == 0 ? "P-1" : "P-2", 100 + (ulong)op.B * 10),
                Kind.Transfer when Pick(op.A) is { } batch => Transfer(Accounts[op.B % 3], Accounts[op.C % 3], batch, Amount(op.D)),
                Kind.Cancel when Pick(op.A) is { } batch => Cancel(Accounts[op.B % 3], batch, Amount(op.C), decide: true),
                Kind.Request when Pick(op.A) is { } batch => Cancel(Accounts[op.B % 3], batch, Amount(op.C), decide: false),
                Kind.Decide when _pending.Count > 0 => Decide(_pending[op.A % _pending.Count], approve: op.B % 2 == 0),
                Kind.Correct when Pick(op.A) is { } batch => Correct(batch, op),
                Kind.MakeGood when Pick(op.A) is { } batch => MakeGood(Owners[op.B % 2], batch, Amount(op.C) / 4 + 1),
                _ => null,
            };
        }

        /// <summary>Mostly small, sometimes more than anyone holds.</summary>
        private static ulong Amount(int seed) => seed < 900 ? (ulong)seed + 1 : 100_000;

        private string? Issue(string project, ulong grams)
        {
            var owner = project == "P-1" ? "owner-1" : "owner-2";
            var first = _nextDay[project];
            var expected = Outstanding(owner) > 0 ? RejectionCode.OutstandingShortfall : RejectionCode.Unspecified;
            var body = Bodies.Issue(project, first, first, grams, Bodies.ReportHash(++_report, first, project));
            var (receipt, problem) = Apply(TestLedger.Bureau, body, expected, TestLedger.Verifier);
            if (expected == RejectionCode.OutstandingShortfall)
            {
                BlockedIssuances++;
            }

            if (problem is null && receipt.Code == RejectionCode.Unspecified)
            {
                _nextDay[project] = first + 1;
                var batch = receipt.Attributes.Single(a => a.Key == "batch_id").Value;
                _batches[batch] = (owner, grams, 0, 0);
                Add(owner, batch, (long)grams, 0, 0);
            }

            return problem ?? Check();
        }

        private string? Transfer(string from, string to, string batch, ulong grams)
        {
            var expected = from == to ? RejectionCode.SelfTransfer
                : Balance(from, batch).Tradable < grams ? RejectionCode.InsufficientBalance
                : RejectionCode.Unspecified;
            var (_, problem) = Apply(from, Bodies.Transfer(to, batch, grams), expected, from == to ? [TestLedger.Operator] : [TestLedger.Operator, to]);
            if (problem is null && expected == RejectionCode.Unspecified)
            {
                Add(from, batch, -(long)grams, 0, 0);
                Add(to, batch, (long)grams, 0, 0);
            }

            return problem ?? Check();
        }

        private string? Cancel(string holder, string batch, ulong grams, bool decide)
        {
            var expected = Balance(holder, batch).Tradable < grams ? RejectionCode.InsufficientBalance : RejectionCode.Unspecified;
            var (receipt, problem) = Apply(holder, Bodies.RequestCancellation(batch, grams), expected);
            if (problem is not null || expected != RejectionCode.Unspecified)
            {
                return problem ?? Check();
            }

            Add(holder, batch, -(long)grams, (long)grams, 0);
            var pending = (receipt.Attributes.Single(a => a.Key == "cancellation_id").Value, holder, batch, grams);
            _pending.Add(pending);
            return Check() ?? (decide ? Decide(pending, approve: true) : null);
        }

        private string? Decide((string Id, string Holder, string Batch, ulong Grams) pending, bool approve)
        {
            _pending.Remove(pending);
            var body = approve ? Bodies.ApproveCancellation(pending.Id) : Bodies.DeclineCancellation(pending.Id);
            var (_, problem) = Apply(TestLedger.Operator, body, RejectionCode.Unspecified);
            Add(pending.Holder, pending.Batch, approve ? 0 : (long)pending.Grams, -(long)pending.Grams, approve ? (long)pending.Grams : 0);
            return problem ?? Check();
        }

        private string? Correct(string batch, Op op)
        {
            Corrections++;
            var deductions = new List<(string, ulong)>();
            for (var i = 0; i < op.B % 3; i++)
            {
                var account = Accounts[(op.C + i) % 3];
                var held = Balance(account, batch).Tradable;
                // Mostly exactly what is held or less; sometimes one gram too many.
                var grams = op.D % 5 == 0 ? held + 1 : Math.Max(1, held / (ulong)(1 + (op.D % 3)));
                deductions.Add((account, grams));
            }

            var record = _batches[batch];
            var retired = _balances.Where(b => b.Key.Batch == batch).Aggregate(0UL, (sum, b) => sum + b.Value.Retired);
            var uncounted = retired - Math.Min(retired, record.Shortfall);
            var shortfall = op.A % 4 == 0 ? uncounted + 1 : uncounted / (ulong)(1 + (op.C % 2));
            var expected = deductions.Count == 0 && shortfall == 0 ? RejectionCode.InvalidAmount
                : deductions.Any(d => Balance(d.Item1, batch).Tradable < d.Item2) ? RejectionCode.InsufficientBalance
                : shortfall > uncounted ? RejectionCode.ShortfallExceedsCancelled
                : RejectionCode.Unspecified;
            var (_, problem) = Apply(TestLedger.Bureau, CorrectionTests.Correct(batch, shortfall, [.. deductions]), expected);
            if (problem is null && expected == RejectionCode.Unspecified)
            {
                var voided = 0UL;
                foreach (var (account, grams) in deductions)
                {
                    Add(account, batch, -(long)grams, 0, 0);
                    voided += grams;
                }

                _batches[batch] = record with { Voided = record.Voided + voided, Shortfall = record.Shortfall + shortfall };
                var owed = _owed.GetValueOrDefault(record.Owner);
                _owed[record.Owner] = (owed.Assigned + shortfall, owed.MadeGood);
            }

            return problem ?? Check();
        }

        private string? MakeGood(string owner, string batch, ulong grams)
        {
            var expected = grams > Outstanding(owner) ? RejectionCode.NoOutstandingShortfall
                : Balance(owner, batch).Tradable < grams ? RejectionCode.InsufficientBalance
                : RejectionCode.Unspecified;
            var (_, problem) = Apply(owner, CorrectionTests.MakeGood(batch, grams), expected);
            if (problem is null && expected == RejectionCode.Unspecified)
            {
                Add(owner, batch, -(long)grams, 0, 0);
                var record = _batches[batch];
                _batches[batch] = record with { Voided = record.Voided + grams };
                var owed = _owed[owner];
                _owed[owner] = (owed.Assigned, owed.MadeGood + grams);
            }

            return problem ?? Check();
        }

        private (Receipt Receipt, string? Problem) Apply(string signer, TransactionBody body, RejectionCode expected, params string[] coSigners)
        {
            var before = Records();
            var receipt = _ledger.Submit(signer, body, coSigners);
            Codes.Add(receipt.Code);
            if (receipt.Code != expected)
            {
                return (receipt, $"expected {expected}, got {receipt.Code}: {receipt.Message}");
            }

            return receipt.Code != RejectionCode.Unspecified && !before.SequenceEqual(Records())
                ? (receipt, $"refused with {receipt.Code} but the state changed")
                : (receipt, null);
        }

        /// <summary>Ledger against model, and supply identity, after every step.</summary>
        private string? Check()
        {
            var view = _ledger.View;
            foreach (var (batch, model) in _batches)
            {
                var record = view.GetBatch(batch)!;
                var holders = _balances.Where(b => b.Key.Batch == batch).ToList();
                var tradable = holders.Aggregate(0UL, (s, b) => s + b.Value.Tradable);
                var escrowed = holders.Aggregate(0UL, (s, b) => s + b.Value.Escrowed);
                var retired = holders.Aggregate(0UL, (s, b) => s + b.Value.Retired);
                if (record.IssuedGrams != record.TradableGrams + record.EscrowedGrams + record.RetiredGrams + record.VoidedGrams)
                {
                    return $"supply identity broken for {batch}";
                }

                if ((record.TradableGrams, record.EscrowedGrams, record.RetiredGrams, record.VoidedGrams) != (tradable, escrowed, retired, model.Voided))
                {
                    return $"batch {batch} is {record} but the model has tradable {tradable}, escrowed {escrowed}, retired {retired}, voided {model.Voided}";
                }

                var corrections = view.GetBatchCorrections(batch);
                if ((corrections?.ShortfallGrams ?? 0) != model.Shortfall || model.Shortfall > retired)
                {
                    return $"batch {batch}: shortfall {corrections?.ShortfallGrams} against model {model.Shortfall} (retired {retired})";
                }
            }

            foreach (var ((account, batch), model) in _balances)
            {
                var balance = view.GetBalance(account, batch);
                if ((balance.TradableGrams, balance.EscrowedGrams, balance.RetiredGrams) != model)
                {
                    return $"balance {account}/{batch} is {balance} but the model has {model}";
                }
            }

            foreach (var owner in Owners)
            {
                var record = view.GetShortfall(owner);
                var (assigned, madeGood) = _owed.GetValueOrDefault(owner);
                if ((record?.AssignedGrams ?? 0, record?.MadeGoodGrams ?? 0, record?.OutstandingGrams ?? 0) != (assigned, madeGood, assigned - madeGood))
                {
                    return $"shortfall of {owner} is {record} but the model has assigned {assigned}, made good {madeGood}";
                }
            }

            return null;
        }

        private ulong Outstanding(string owner) => _owed.TryGetValue(owner, out var owed) ? owed.Assigned - owed.MadeGood : 0;

        private (ulong Tradable, ulong Escrowed, ulong Retired) Balance(string account, string batch) => _balances.GetValueOrDefault((account, batch));

        private void Add(string account, string batch, long tradable, long escrowed, long retired)
        {
            var (t, e, r) = Balance(account, batch);
            _balances[(account, batch)] = ((ulong)((long)t + tradable), (ulong)((long)e + escrowed), (ulong)((long)r + retired));
        }

        /// <summary>Every record but the state root.</summary>
        private List<string> Records() =>
            _ledger.Store.Entries.Where(e => e.Key[0] != StateKeys.MetaTable)
                .Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value)).Order(StringComparer.Ordinal).ToList();
    }
}

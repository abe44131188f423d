using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Google.Protobuf;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Testing;
using S = Ledger.Testing.Scenarios;

namespace Ledger.Core.Tests.Properties;

/// <summary>
/// Random chunks across three scenarios of two companies, with records repeated within and across
/// scenarios, missing consents, chunks out of order and with gaps, issuing twice, withdrawals, and
/// custody cancellations (requested, approved, declined) and redemptions by the custodian or another company (D24).
/// A reference model predicts every receipt's code and computes every reduction on its own (BigInteger);
/// after every block the stored state is checked against DESIGN §5 rules 2 and 4 and the model.
/// A failure prints FsCheck's Replay seed.
/// </summary>
public sealed class ScenarioProperties
{
    [Property(MaxTest = 150, Arbitrary = [typeof(ScenarioRuns)])]
    public Property Scenario_rules_hold_after_every_block(ScenarioRun run)
    {
        var driver = new ScenarioDriver();
        var problems = new List<string>();
        foreach (var step in run.Steps)
        {
            problems.AddRange(driver.Run(step).Select(p => $"after {step} at height {driver.Ledger.Height}: {p}"));
            if (problems.Count > 0)
            {
                break;
            }
        }

        return (problems.Count == 0).Label(string.Join(Environment.NewLine, problems));
    }

    /// <summary>The generator reaches every outcome the rules have, or the property above proves little.</summary>
    [Fact]
    public void Generators_reach_every_scenario_outcome()
    {
        var codes = new HashSet<RejectionCode>();
        var custodyCommits = 0;
        foreach (var run in ScenarioRuns.Any.Sample(40, new Rnd(20260106UL, 1UL), 60))
        {
            var driver = new ScenarioDriver();
            foreach (var step in run.Steps)
            {
                Assert.Empty(driver.Run(step));
            }

            codes.UnionWith(driver.Codes);
            custodyCommits += driver.CustodyCommits;
        }

        Assert.True(custodyCommits > 0, "no custody cancellation or redemption committed");

        RejectionCode[] expected =
        [
            RejectionCode.Unspecified, RejectionCode.NoConsent, RejectionCode.DuplicateRecord, RejectionCode.DayAlreadyIssued,
            RejectionCode.DayNotSubmitted, RejectionCode.ChunkAlreadySubmitted, RejectionCode.VerificationMismatch,
            RejectionCode.UnknownBatch, RejectionCode.UnknownCustody, RejectionCode.InsufficientBalance,
        ];
        Assert.All(expected, code => Assert.Contains(code, codes));
    }
}

public sealed record RecordSpec(int Person, int Activity, int Quantity, int Event, bool NoConsent)
{
    public override string ToString() => $"p{Person}:{S.Factors[Activity].ActivityType}x{Quantity}@e{Event}{(NoConsent ? "!" : "")}";
}

public abstract record ScenarioStep;

public sealed record ChunkStep(int Scenario, int Day, int ChunkIndex, IReadOnlyList<RecordSpec> Records) : ScenarioStep
{
    public override string ToString() => $"Chunk(s{Scenario},d{Day},#{ChunkIndex},[{string.Join(" ", Records)}])";
}

public sealed record IssueStep(IReadOnlyList<(int Scenario, int Day)> Days, bool Tamper) : ScenarioStep
{
    public override string ToString() => $"Issue([{string.Join(" ", Days.Select(d => $"s{d.Scenario}d{d.Day}"))}]{(Tamper ? ",tampered" : "")})";
}

public sealed record WithdrawStep(int Scenario, int Day, int Person, int Amount, int Trader) : ScenarioStep;

public sealed record CustodyCancelStep(int Scenario, int Day, int Person, int Amount, bool Foreign) : ScenarioStep;

public sealed record CustodyRedeemStep(int Scenario, int Day, int Person, int Quantity, bool Foreign) : ScenarioStep;

/// <summary>The operator decides the oldest pending custody cancellation (or names none when there is none).</summary>
public sealed record DecideStep(bool Approve) : ScenarioStep;

public sealed record ScenarioRun(IReadOnlyList<ScenarioStep> Steps)
{
    public override string ToString() => string.Join(" | ", Steps);
}

public static class ScenarioRuns
{
    private static readonly Gen<RecordSpec> Record =
        from person in Gen.Choose(0, 3)
        from activity in Gen.Choose(0, 2)
        from quantity in Gen.Choose(1, 40)
        from @event in Gen.Choose(0, 40)
        from noConsent in Gen.Frequency((12, Gen.Constant(false)), (1, Gen.Constant(true)))
        select new RecordSpec(person, activity, quantity, @event, noConsent);

    private static readonly Gen<ScenarioStep> Chunk =
        from scenario in Gen.Choose(0, 2)
        from day in Gen.Choose(0, 1)
        from index in Gen.Frequency((4, Gen.Constant(-1)), (1, Gen.Choose(0, 3)))
        from size in Gen.Choose(1, 6)
        from records in Record.ListOf(size)
        select (ScenarioStep)new ChunkStep(scenario, day, index, records.ToList());

    private static readonly Gen<ScenarioStep> Issue =
        from count in Gen.Choose(1, 3)
        from days in Gen.Choose(0, 2).SelectMany(s => Gen.Choose(0, 1).Select(d => (s, d))).ListOf(count)
        from tamper in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
        select (ScenarioStep)new IssueStep(days.Distinct().ToList(), tamper);

    private static readonly Gen<ScenarioStep> Withdraw =
        from scenario in Gen.Choose(0, 2)
        from day in Gen.Choose(0, 1)
        from person in Gen.Choose(0, 3)
        from amount in Gen.Choose(1, 3000)
        from trader in Gen.Choose(0, 1)
        select (ScenarioStep)new WithdrawStep(scenario, day, person, amount, trader);

    private static readonly Gen<ScenarioStep> CustodyCancel =
        from scenario in Gen.Choose(0, 2)
        from day in Gen.Choose(0, 1)
        from person in Gen.Choose(0, 3)
        from amount in Gen.Choose(1, 1500)
        from foreign in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
        select (ScenarioStep)new CustodyCancelStep(scenario, day, person, amount, foreign);

    private static readonly Gen<ScenarioStep> CustodyRedeem =
        from scenario in Gen.Choose(0, 2)
        from day in Gen.Choose(0, 1)
        from person in Gen.Choose(0, 3)
        from quantity in Gen.Choose(1, 200)
        from foreign in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
        select (ScenarioStep)new CustodyRedeemStep(scenario, day, person, quantity, foreign);

    private static readonly Gen<ScenarioStep> Decide = Gen.Elements(true, false).Select(approve => (ScenarioStep)new DecideStep(approve));

    public static readonly Gen<ScenarioRun> Any =
        Gen.Frequency((8, Chunk), (3, Issue), (3, Withdraw), (2, CustodyCancel), (2, CustodyRedeem), (2, Decide)).ListOf().Select(steps => new ScenarioRun(steps.ToList()));

    public static Arbitrary<ScenarioRun> Runs() => Arb.From(Any);
}

/// <summary>Turns steps into transactions on a TestLedger, predicts each outcome with its model, and checks the state after each block.</summary>
public sealed class ScenarioDriver
{
    private static readonly (string Id, string Company)[] ScenarioIds = [("S-A", "company-a"), ("S-B", "company-b"), ("S-C", "company-a")];
    private static readonly uint[] Days = [S.Day, S.Day - 1];

    private readonly Dictionary<string, (string Scenario, uint Day)> _dedupUsed = [];
    private readonly Dictionary<(int Scenario, uint Day), SortedDictionary<uint, List<BehaviourRecord>>> _chunks = [];
    private readonly HashSet<(int Scenario, uint Day)> _issued = [];
    // Per batch and user: grams out of the custody balance (withdrawn, escrowed, retired, redeemed).
    private readonly Dictionary<string, ulong> _withdrawn = [];
    private readonly List<(string Id, string Key, ulong Grams)> _pending = [];
    private string _lastTransactionId = "";

    public ScenarioDriver()
    {
        foreach (var (id, company) in ScenarioIds)
        {
            Ledger.ApproveScenario(id, company);
        }

        Ledger.Register("person-0", Role.Trader);
        Ledger.Register("person-1", Role.Trader);
        Ledger.Register(Provider, Role.RightsProvider);
        Ledger.Submit(Provider, Bodies.PublishMallOffer(OfferId, PriceGrams, 1_000_000, 0, Ledger.TimeMs + 1_000_000_000_000));
    }

    private const string Provider = "mall-p";
    private const string OfferId = "pass";
    private const ulong PriceGrams = 7;
    private const string Consent = "consent-v1";

    public int CustodyCommits { get; private set; }

    public TestLedger Ledger { get; } = new();

    public HashSet<RejectionCode> Codes { get; } = [];

    public IReadOnlyList<string> Run(ScenarioStep step)
    {
        var before = StateWithoutRoot();
        var (signer, body, coSigners, expected) = step switch
        {
            ChunkStep chunk => Chunk(chunk),
            IssueStep issue => Issue(issue),
            WithdrawStep withdraw => Withdraw(withdraw),
            CustodyCancelStep cancel => CustodyCancel(cancel),
            CustodyRedeemStep redeem => CustodyRedeem(redeem),
            DecideStep decide => Decide(decide),
            _ => throw new ArgumentOutOfRangeException(nameof(step)),
        };
        var receipt = Ledger.Submit(signer, body, coSigners);
        _lastTransactionId = Convert.ToHexStringLower(receipt.TransactionId.Span);
        Codes.Add(receipt.Code);
        var problems = new List<string>();
        if (receipt.Code != expected)
        {
            problems.Add($"expected {expected}, got {receipt.Code}: {receipt.Message}");
            return problems;
        }

        if (receipt.Code == RejectionCode.Unspecified)
        {
            Learn(step);
        }
        else if (!before.SequenceEqual(StateWithoutRoot()))
        {
            problems.Add("a refused transaction changed state");
        }

        problems.AddRange(Invariants());
        return problems;
    }

    private (string, TransactionBody, string[], RejectionCode) Chunk(ChunkStep step)
    {
        var (scenarioId, company) = ScenarioIds[step.Scenario];
        var day = Days[step.Day];
        var records = step.Records.Select(r => ToRecord(company, r)).ToList();
        var index = ChunkIndex(step);
        var body = S.Chunk(scenarioId, day, index, records);
        return (company, body, [], PredictChunk(step.Scenario, day, index, records));
    }

    /// <summary>-1 stands for the day's next index (the count of its chunks, which fills a gap first); others are taken as given, so chunks arrive out of order.</summary>
    private uint ChunkIndex(ChunkStep step) =>
        step.ChunkIndex >= 0 ? (uint)step.ChunkIndex : (uint)(_chunks.GetValueOrDefault((step.Scenario, Days[step.Day]))?.Count ?? 0);

    private RejectionCode PredictChunk(int scenario, uint day, uint index, List<BehaviourRecord> records)
    {
        if (_issued.Contains((scenario, day)))
        {
            return RejectionCode.DayAlreadyIssued;
        }

        if (_chunks.TryGetValue((scenario, day), out var chunks) && chunks.ContainsKey(index))
        {
            return RejectionCode.ChunkAlreadySubmitted;
        }

        var seen = new HashSet<string>();
        foreach (var record in records)
        {
            if (record.ConsentRef.Length == 0)
            {
                return RejectionCode.NoConsent;
            }

            var key = Convert.ToHexString(record.DedupKey.Span);
            if (!seen.Add(key) || _dedupUsed.ContainsKey(key))
            {
                return RejectionCode.DuplicateRecord;
            }
        }

        return RejectionCode.Unspecified;
    }

    private (string, TransactionBody, string[], RejectionCode) Issue(IssueStep step)
    {
        var hash = Ledger.Machine.Parameters.Hash;
        var verifications = step.Days.Select(d =>
        {
            var chunks = _chunks.GetValueOrDefault((d.Scenario, Days[d.Day])) ?? [];
            return S.Verification(hash, ScenarioIds[d.Scenario].Id, Days[d.Day], chunks.Values.Select(c => (IReadOnlyList<BehaviourRecord>)c).ToList(), ReferenceDayGrams(d.Scenario, Days[d.Day]));
        }).ToArray();
        if (step.Tamper)
        {
            verifications[^1].Grams++;
        }

        return (TestLedger.Bureau, S.Issue(verifications), [TestLedger.Operator], PredictIssue(step));
    }

    private RejectionCode PredictIssue(IssueStep step)
    {
        for (var i = 0; i < step.Days.Count; i++)
        {
            var key = (step.Days[i].Scenario, Days[step.Days[i].Day]);
            if (!_chunks.TryGetValue(key, out var chunks))
            {
                return RejectionCode.DayNotSubmitted;
            }

            if (_issued.Contains(key))
            {
                return RejectionCode.DayAlreadyIssued;
            }

            if (chunks.Count != chunks.Keys.Max() + 1)
            {
                return RejectionCode.DayNotSubmitted;
            }

            if (step.Tamper && i == step.Days.Count - 1)
            {
                return RejectionCode.VerificationMismatch;
            }

            if (ReferenceDayGrams(key.Scenario, key.Item2) == 0)
            {
                return RejectionCode.InvalidAmount;
            }
        }

        return RejectionCode.Unspecified;
    }

    private (string, TransactionBody, string[], RejectionCode) Withdraw(WithdrawStep step)
    {
        var (scenarioId, company) = ScenarioIds[step.Scenario];
        var day = Days[step.Day];
        var batchId = BatchIds.ForScenario(scenarioId, day);
        var userId = S.UserId(company, step.Person);
        var body = S.Withdraw(userId, batchId, (ulong)step.Amount, $"person-{step.Trader}");
        RejectionCode expected;
        if (!_issued.Contains((step.Scenario, day)))
        {
            expected = RejectionCode.UnknownBatch;
        }
        else if (!UserQuantities(step.Scenario, day).ContainsKey(Convert.ToHexString(userId)))
        {
            expected = RejectionCode.UnknownCustody;
        }
        else
        {
            var available = ReferenceUserGrams(UserQuantities(step.Scenario, day)[Convert.ToHexString(userId)]) - _withdrawn.GetValueOrDefault(batchId + Convert.ToHexString(userId));
            expected = (ulong)step.Amount > available ? RejectionCode.InsufficientBalance : RejectionCode.Unspecified;
        }

        return (company, body, [], expected);
    }

    private (string, TransactionBody, string[], RejectionCode) CustodyCancel(CustodyCancelStep step)
    {
        var (signer, batchId, userId, expected) = PredictCustody(step.Scenario, step.Day, step.Person, step.Foreign, (ulong)step.Amount);
        var body = Bodies.RequestCancellation(batchId, (ulong)step.Amount);
        body.RequestCancellation.CustodyUserId = Convert.ToHexStringLower(userId);
        body.RequestCancellation.ConsentRef = Consent;
        return (signer, body, [], expected);
    }

    private (string, TransactionBody, string[], RejectionCode) CustodyRedeem(CustodyRedeemStep step)
    {
        var (signer, batchId, userId, expected) = PredictCustody(step.Scenario, step.Day, step.Person, step.Foreign, (ulong)step.Quantity * PriceGrams);
        var body = Bodies.Redeem(OfferId, (ulong)step.Quantity, batchId);
        body.Redeem.CustodyUserId = Convert.ToHexStringLower(userId);
        body.Redeem.ConsentRef = Consent;
        return (signer, body, [], expected);
    }

    /// <summary>The custodian (or the other company), and what the custody path refuses: unknown batch, another custodian, unknown user, too few grams.</summary>
    private (string Signer, string BatchId, byte[] UserId, RejectionCode Expected) PredictCustody(int scenario, int dayIndex, int person, bool foreign, ulong grams)
    {
        var (scenarioId, company) = ScenarioIds[scenario];
        var day = Days[dayIndex];
        var batchId = BatchIds.ForScenario(scenarioId, day);
        var userId = S.UserId(company, person);
        var signer = foreign ? (company == "company-a" ? "company-b" : "company-a") : company;
        RejectionCode expected;
        if (!_issued.Contains((scenario, day)))
        {
            expected = RejectionCode.UnknownBatch;
        }
        else if (foreign || !UserQuantities(scenario, day).TryGetValue(Convert.ToHexString(userId), out var quantities))
        {
            expected = RejectionCode.UnknownCustody;
        }
        else
        {
            var available = ReferenceUserGrams(quantities) - _withdrawn.GetValueOrDefault(batchId + Convert.ToHexString(userId));
            expected = grams > available ? RejectionCode.InsufficientBalance : RejectionCode.Unspecified;
        }

        return (signer, batchId, userId, expected);
    }

    private (string, TransactionBody, string[], RejectionCode) Decide(DecideStep step)
    {
        var id = _pending.Count > 0 ? _pending[0].Id : new string('0', 64);
        var body = step.Approve ? Bodies.ApproveCancellation(id) : Bodies.DeclineCancellation(id);
        return (TestLedger.Operator, body, [], _pending.Count > 0 ? RejectionCode.Unspecified : RejectionCode.UnknownCancellation);
    }

    private static string CustodyKey(int scenario, int day, int person) =>
        BatchIds.ForScenario(ScenarioIds[scenario].Id, Days[day]) + Convert.ToHexString(S.UserId(ScenarioIds[scenario].Company, person));

    private void Learn(ScenarioStep step)
    {
        switch (step)
        {
            case CustodyCancelStep cancel:
                var cancelled = CustodyKey(cancel.Scenario, cancel.Day, cancel.Person);
                _withdrawn[cancelled] = _withdrawn.GetValueOrDefault(cancelled) + (ulong)cancel.Amount;
                _pending.Add((_lastTransactionId, cancelled, (ulong)cancel.Amount));
                CustodyCommits++;
                break;
            case CustodyRedeemStep redeem:
                var redeemed = CustodyKey(redeem.Scenario, redeem.Day, redeem.Person);
                _withdrawn[redeemed] = _withdrawn.GetValueOrDefault(redeemed) + ((ulong)redeem.Quantity * PriceGrams);
                CustodyCommits++;
                break;
            case DecideStep decide:
                var decided = _pending[0];
                _pending.RemoveAt(0);
                if (!decide.Approve)
                {
                    _withdrawn[decided.Key] -= decided.Grams;
                }

                break;
            case ChunkStep chunk:
                var (scenarioId, company) = ScenarioIds[chunk.Scenario];
                var day = Days[chunk.Day];
                var records = chunk.Records.Select(r => ToRecord(company, r)).ToList();
                records.ForEach(r => _dedupUsed.Add(Convert.ToHexString(r.DedupKey.Span), (scenarioId, day)));
                if (!_chunks.TryGetValue((chunk.Scenario, day), out var chunks))
                {
                    _chunks[(chunk.Scenario, day)] = chunks = [];
                }

                chunks.Add(ChunkIndex(chunk), records);
                break;
            case IssueStep issue:
                issue.Days.ToList().ForEach(d => _issued.Add((d.Scenario, Days[d.Day])));
                break;
            case WithdrawStep withdraw:
                var key = BatchIds.ForScenario(ScenarioIds[withdraw.Scenario].Id, Days[withdraw.Day]) + Convert.ToHexString(S.UserId(ScenarioIds[withdraw.Scenario].Company, withdraw.Person));
                _withdrawn[key] = _withdrawn.GetValueOrDefault(key) + (ulong)withdraw.Amount;
                break;
        }
    }

    /// <summary>The reference calculation, written apart from the ledger's: BigInteger, per activity floor, summed, capped.</summary>
    private static ulong ReferenceUserGrams(Dictionary<string, BigInteger> quantities)
    {
        var total = quantities.Aggregate(BigInteger.Zero, (sum, q) =>
        {
            var factor = S.Factors.Single(f => f.ActivityType == q.Key);
            return sum + (q.Value * factor.GramsNumerator / factor.UnitsDenominator);
        });
        return (ulong)BigInteger.Min(total, S.DailyCapGrams);
    }

    private ulong ReferenceDayGrams(int scenario, uint day) =>
        UserQuantities(scenario, day).Values.Aggregate(0UL, (sum, user) => sum + ReferenceUserGrams(user));

    private Dictionary<string, Dictionary<string, BigInteger>> UserQuantities(int scenario, uint day)
    {
        var users = new Dictionary<string, Dictionary<string, BigInteger>>();
        foreach (var record in (_chunks.GetValueOrDefault((scenario, day)) ?? []).Values.SelectMany(c => c))
        {
            var user = Convert.ToHexString(record.UserId.Span);
            if (!users.TryGetValue(user, out var quantities))
            {
                users[user] = quantities = [];
            }

            quantities[record.ActivityType] = quantities.GetValueOrDefault(record.ActivityType) + record.Quantity;
        }

        return users;
    }

    /// <summary>DESIGN §5 rules 2 and 4, and the model, read from the stored state.</summary>
    private IEnumerable<string> Invariants()
    {
        var store = Ledger.Store;
        var dedupKeys = store.WithPrefix([StateKeys.DedupTable]).Count();
        var days = store.WithPrefix([StateKeys.ScenarioDayTable]).Select(e => ScenarioDayRecord.Parser.ParseFrom(e.Value)).ToList();
        var custody = store.WithPrefix([StateKeys.CustodyTable]).Select(e => CustodyRecord.Parser.ParseFrom(e.Value)).ToList();
        var balances = store.WithPrefix([StateKeys.BalanceTable]).Select(e => BalanceRecord.Parser.ParseFrom(e.Value)).ToList();
        var batches = store.WithPrefix([StateKeys.BatchTable]).Select(e => BatchRecord.Parser.ParseFrom(e.Value)).ToList();

        // Rule 2: every committed record left its own key; a key counted twice would leave fewer keys than records.
        if (dedupKeys != days.Sum(d => (long)d.Records) || dedupKeys != _dedupUsed.Count)
        {
            yield return $"{dedupKeys} dedup keys for {days.Sum(d => (long)d.Records)} records ({_dedupUsed.Count} in the model)";
        }

        foreach (var day in days)
        {
            var scenario = Array.FindIndex(ScenarioIds, s => s.Id == day.ScenarioId);
            var users = UserQuantities(scenario, day.Day);
            var ofDay = custody.Where(c => c.ScenarioId == day.ScenarioId && c.Day == day.Day).ToList();
            if (day.Grams != ReferenceDayGrams(scenario, day.Day) || (ulong)ofDay.Count != day.Users || day.Users != (ulong)users.Count)
            {
                yield return $"day {day.ScenarioId}/{day.Day}: {day.Grams} g for {day.Users} users; reference {ReferenceDayGrams(scenario, day.Day)} g for {users.Count}";
            }

            foreach (var record in ofDay.Where(c => c.Grams != ReferenceUserGrams(users[Convert.ToHexString(c.UserId.Span)])))
            {
                yield return $"user {Convert.ToHexString(record.UserId.Span)[..8]} of {day.ScenarioId}/{day.Day}: {record.Grams} g, reference {ReferenceUserGrams(users[Convert.ToHexString(record.UserId.Span)])}";
            }
        }

        foreach (var batch in batches)
        {
            var inCustody = custody.Where(c => c.BatchId == batch.BatchId).ToList();
            var held = balances.Where(b => b.BatchId == batch.BatchId).ToList();
            var custodyGrams = inCustody.Aggregate(0UL, (sum, c) => sum + c.Grams);
            var custodyBalance = inCustody.Aggregate(0UL, (sum, c) => sum + Holdings.CustodyBalance(c));
            var tradable = held.Aggregate(custodyBalance, (sum, b) => sum + b.TradableGrams);
            var escrowed = held.Aggregate(inCustody.Aggregate(0UL, (sum, c) => sum + c.EscrowedGrams), (sum, b) => sum + b.EscrowedGrams);
            var retired = held.Aggregate(inCustody.Aggregate(0UL, (sum, c) => sum + c.RetiredGrams), (sum, b) => sum + b.RetiredGrams);
            var redeemed = inCustody.Aggregate(0UL, (sum, c) => sum + c.RedeemedGrams);
            if (escrowed != batch.EscrowedGrams || retired != batch.RetiredGrams || batch.NextSerial - 1 != batch.RetiredGrams)
            {
                yield return $"batch {batch.BatchId}: escrow {escrowed} g and retirement {retired} g of custody and accounts; batch {batch.EscrowedGrams} g, {batch.RetiredGrams} g, next serial {batch.NextSerial}";
            }

            if (redeemed != held.Where(b => b.Account == Provider).Aggregate(0UL, (sum, b) => sum + b.TradableGrams))
            {
                yield return $"batch {batch.BatchId}: {redeemed} g redeemed from custody, but the provider holds otherwise";
            }

            foreach (var record in inCustody)
            {
                var spent = record.Grams - Holdings.CustodyBalance(record) - record.VoidedGrams;
                if (spent != _withdrawn.GetValueOrDefault(batch.BatchId + Convert.ToHexString(record.UserId.Span)))
                {
                    yield return $"batch {batch.BatchId}: a user's custody is {spent} g out of the balance; the model says {_withdrawn.GetValueOrDefault(batch.BatchId + Convert.ToHexString(record.UserId.Span))} g";
                }
            }
            if (custodyGrams != batch.IssuedGrams)
            {
                yield return $"batch {batch.BatchId}: custody records add up to {custodyGrams} g, issued {batch.IssuedGrams} g";
            }

            if (batch.IssuedGrams != batch.TradableGrams + batch.EscrowedGrams + batch.RetiredGrams + batch.VoidedGrams || tradable != batch.TradableGrams)
            {
                yield return $"batch {batch.BatchId}: supply identity broken (custody {custodyBalance} + accounts = {tradable}, batch tradable {batch.TradableGrams})";
            }
        }

        if (batches.Count != _issued.Count || custody.Any(c => c.WithdrawnGrams + c.VoidedGrams + c.EscrowedGrams + c.RetiredGrams + c.RedeemedGrams > c.Grams))
        {
            yield return $"{batches.Count} batches for {_issued.Count} issued days, or a withdrawal above its custody record";
        }
    }

    private List<string> StateWithoutRoot() =>
        Ledger.Store.Entries.Where(e => !e.Key.AsSpan().SequenceEqual(StateKeys.StateRoot)).Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value)).ToList();

    private static BehaviourRecord ToRecord(string company, RecordSpec spec)
    {
        var activity = S.Factors[spec.Activity].ActivityType;
        // The dedup key depends on the source event only: two companies reporting event n report the same behaviour.
        var record = S.Record(company, spec.Person, activity, (ulong)spec.Quantity, $"event-{spec.Event}", spec.NoConsent ? "" : "consent-v1");
        record.DedupKey = ByteString.CopyFrom(S.DedupKey("any", $"event-{spec.Event}"));
        return record;
    }
}

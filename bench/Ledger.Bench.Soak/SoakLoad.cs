using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Client.Keys;
using Ledger.Core.Crypto;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;
using Ledger.Core.Scenarios;

namespace Ledger.Bench.Soak;

/// <summary>
/// The mixed load: a setup (an expert, a methodology, project owners with approved projects and a
/// first issuance each, traders), then workers that each loop over transfers between the trading
/// parties (seller signs; operator and buyer co-sign), issuances (bureau, verifier co-signs),
/// cancellations requested by holders and approved or declined by the operator, registrations of
/// new traders, small scenario chunks (yesterday's behaviour records of an approved scenario) and
/// methodology filings. Every SubmitAndWait reply is recorded in <see cref="Acknowledgements"/>.
/// </summary>
public sealed class SoakLoad(SoakNetwork network, IReadOnlyList<LedgerClient> clients, Acknowledgements acks, int seed)
{
    public const int OwnersCount = 4;
    public const int TradersCount = 6;
    private const uint FirstDay = 20089; // 2025-01-01
    private const ulong FirstIssuanceGrams = 1_000_000_000;
    private const ulong IssuanceGrams = 100_000_000;
    private const int SetupAttemptsMax = 5;
    private const int RecordsPerChunk = 20;
    private const string ScenarioId = "S-SOAK";

    private readonly LedgerSigner _bureau = network.Signer("bureau");
    private readonly LedgerSigner _operator = network.Signer("operator");
    private readonly LedgerSigner[] _verifiers = [network.Signer("verifier-1"), network.Signer("verifier-2")];
    private readonly ConcurrentDictionary<string, LedgerSigner> _signers = new();
    private readonly List<string> _parties = [];
    private readonly Holdings _holdings = new();
    private readonly uint[] _nextDay = new uint[OwnersCount];
    private readonly string _run = seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
    private LedgerSigner? _company;
    private INetworkHash? _hash;
    private uint _scenarioDay;
    private int _nextChunk;

    private static string Project(int i) => $"P-SOAK-{i}";

    private static string Owner(int i) => $"soak-owner-{i}";

    /// <summary>
    /// Registers the parties, then approves and issues one project per owner and approves the scenario,
    /// through the first node, before any fault. Independent chains of steps run side by side.
    /// </summary>
    public async Task SetupAsync(CancellationToken cancellation)
    {
        _hash = NetworkHashes.For((await clients[0].GetStatusAsync(cancellation)).HashAlgorithm);
        var factors = new[] { Transactions.EmissionFactor("bike", "km", 69, 2), Transactions.EmissionFactor("metro", "ride", 120) };
        var expert = RegisterAsync("soak-expert", Role.Expert, _bureau, cancellation);
        var company = RegisterAsync("soak-app", Role.ScenarioCompany, _operator, cancellation);
        var traders = Task.WhenAll(Enumerable.Range(0, TradersCount).Select(i => RegisterAsync($"soak-trader-{i}", Role.Trader, _operator, cancellation)));
        var owners = Task.WhenAll(Enumerable.Range(0, OwnersCount).Select(i => RegisterAsync(Owner(i), Role.ProjectOwner, _operator, cancellation)));
        var methodologies = Task.WhenAll(
            MustCommitAsync("methodology", Transactions.FileMethodology("M-SOAK", "Soak photovoltaics", MethodologyLevel.Local, "1.0", ["pv"]), _bureau, [], cancellation),
            MustCommitAsync("methodology", Transactions.FileScenarioMethodology("M-SOAK-TRAVEL", "Soak low-carbon travel", MethodologyLevel.Local, "1.0", factors, 5_000), _bureau, [], cancellation));
        await Task.WhenAll(expert, company, traders, owners, methodologies);
        foreach (var party in (await traders).Concat(await owners))
        {
            AddParty(party);
        }

        _company = await company;
        var (ownerSigners, expertSigner) = (await owners, await expert);
        var projects = Enumerable.Range(0, OwnersCount).Select(i => ApproveAndIssueAsync(i, ownerSigners[i], expertSigner, cancellation));
        await Task.WhenAll(projects.Append(ApproveAsync(ScenarioId, Transactions.ApplyScenario(ScenarioId, "Soak travel", "M-SOAK-TRAVEL"), _company, expertSigner, cancellation)));
        _scenarioDay = BatchIds.DayNumber(DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8))) - 1;
    }

    private async Task ApproveAndIssueAsync(int project, LedgerSigner owner, LedgerSigner expert, CancellationToken cancellation)
    {
        await ApproveAsync(Project(project), Transactions.ApplyProject(Project(project), $"Soak rooftop PV {project}", "M-SOAK"), owner, expert, cancellation);
        _nextDay[project] = FirstDay;
        var verifier = _verifiers[project % _verifiers.Length];
        var issued = await MustCommitAsync("issuance", IssuanceBody(project, FirstDay, FirstIssuanceGrams, verifier), _bureau, [verifier], cancellation);
        _holdings.Credit(owner.ParticipantId, issued.Attribute("batch_id")!, FirstIssuanceGrams);
    }

    /// <summary>An application, then the devnet's development lifecycle: one favourable opinion, the public notice, the bureau's approval.</summary>
    private async Task ApproveAsync(string subjectId, TransactionBody application, LedgerSigner applicant, LedgerSigner expert, CancellationToken cancellation)
    {
        await MustCommitAsync("application", application, applicant, [], cancellation);
        await MustCommitAsync("review", Transactions.SubmitReview(subjectId, favourable: true, "soak"), expert, [], cancellation);
        await MustCommitAsync("notice", Transactions.StartPublicNotice(subjectId), _operator, [], cancellation);
        await MustCommitAsync("approval", Transactions.Approve(subjectId), _bureau, [], cancellation);
    }

    /// <summary>Runs <paramref name="workers"/> closed loops until <paramref name="stop"/>.</summary>
    public Task RunAsync(int workers, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(() => WorkAsync(worker, stop), CancellationToken.None)));

    private sealed class Worker(int id, int node, int seed)
    {
        public int Id { get; } = id;

        public int Node { get; set; } = node;

        public Random Random { get; } = new(seed);

        public int Sequence { get; set; }
    }

    private async Task WorkAsync(int id, CancellationToken stop)
    {
        var worker = new Worker(id, id % clients.Count, unchecked((seed * 7_919) + id));
        while (!stop.IsCancellationRequested)
        {
            try
            {
                worker.Sequence++;
                var pick = worker.Random.Next(100);
                var done = pick switch
                {
                    < 50 => await TransferAsync(worker, stop),
                    < 62 => await CancelAsync(worker, stop),
                    < 72 => await IssueAsync(worker, stop),
                    < 80 => await RegisterTraderAsync(worker, stop),
                    < 86 => await SubmitChunkAsync(worker, stop),
                    _ => false,
                };
                if (!done)
                {
                    await FileMethodologyAsync(worker, stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<bool> TransferAsync(Worker worker, CancellationToken stop)
    {
        var amount = (ulong)worker.Random.Next(1_000, 10_000);
        if (_holdings.Reserve(worker.Random, amount) is not { } from || PickParty(worker.Random, except: from.Party) is not { } buyer)
        {
            return false;
        }

        var body = Transactions.Transfer(buyer.ParticipantId, from.Batch, amount, (ulong)worker.Random.Next(1, 100_00), "CNY");
        var result = await SubmitAsync(worker, "transfer", body, _signers[from.Party], [_operator, buyer], stop);
        if (result is { IsCommitted: true })
        {
            _holdings.Credit(buyer.ParticipantId, from.Batch, amount);
        }
        else if (result is not null)
        {
            _holdings.Credit(from.Party, from.Batch, amount);
        }

        return true;
    }

    /// <summary>A holder asks to cancel a few grams; the operator approves three in four and declines the rest.</summary>
    private async Task<bool> CancelAsync(Worker worker, CancellationToken stop)
    {
        var amount = (ulong)worker.Random.Next(100, 1_000);
        if (_holdings.Reserve(worker.Random, amount) is not { } from)
        {
            return false;
        }

        var body = Transactions.RequestCancellation(from.Batch, amount, "Soak beneficiary", "soak neutralisation");
        var request = await SubmitAsync(worker, "cancellation-request", body, _signers[from.Party], [], stop);
        if (request is not { IsCommitted: true })
        {
            if (request is not null)
            {
                _holdings.Credit(from.Party, from.Batch, amount);
            }

            return true;
        }

        var cancellationId = request.Attribute("cancellation_id")!;
        var decline = worker.Random.Next(4) == 0;
        var decision = decline
            ? await SubmitAsync(worker, "cancellation-decline", Transactions.DeclineCancellation(cancellationId, "soak: declined"), _operator, [], stop)
            : await SubmitAsync(worker, "cancellation-approve", Transactions.ApproveCancellation(cancellationId), _operator, [], stop);
        if (decline && decision is { IsCommitted: true })
        {
            // Declined: the grams came back from escrow.
            _holdings.Credit(from.Party, from.Batch, amount);
        }

        return true;
    }

    private async Task<bool> IssueAsync(Worker worker, CancellationToken stop)
    {
        var project = worker.Random.Next(OwnersCount);
        var day = Interlocked.Increment(ref _nextDay[project]);
        var verifier = _verifiers[worker.Random.Next(_verifiers.Length)];
        var result = await SubmitAsync(worker, "issuance", IssuanceBody(project, day, IssuanceGrams, verifier), _bureau, [verifier], stop);
        if (result is { IsCommitted: true })
        {
            _holdings.Credit(Owner(project), result.Attribute("batch_id")!, IssuanceGrams);
        }

        return true;
    }

    private async Task<bool> RegisterTraderAsync(Worker worker, CancellationToken stop)
    {
        var trader = new LedgerSigner($"soak-t-{worker.Id}-{worker.Sequence}", KeyFile.Generate(KeyAlgorithm.Ed25519));
        var body = Transactions.RegisterParticipant(trader.ParticipantId, $"Soak trader {trader.ParticipantId}", [Role.Trader], trader.Key.ToPublicKey());
        if (await SubmitAsync(worker, "registration", body, _operator, [], stop) is { IsCommitted: true })
        {
            AddParty(trader);
        }

        return true;
    }

    /// <summary>One chunk of a few metro rides and bike trips, each its own source event, under the next chunk index.</summary>
    private async Task<bool> SubmitChunkAsync(Worker worker, CancellationToken stop)
    {
        var chunk = (uint)(Interlocked.Increment(ref _nextChunk) - 1);
        var records = Enumerable.Range(0, RecordsPerChunk).Select(i =>
        {
            var start = (uint)(i * 3_600_000);
            var userId = _hash!.Hash(Encoding.UTF8.GetBytes($"soak-user:{_run}:{worker.Random.Next(1_000)}"));
            var dedup = DedupKeys.For(_hash, "soak-metro", $"{_run}-{chunk}-{i}");
            return i % 4 == 0
                ? Transactions.BehaviourRecord(userId, "bike", (ulong)(1 + (i % 7)), start, start + 1_800_000, dedup, "consent-soak")
                : Transactions.BehaviourRecord(userId, "metro", 1, start, start + 1_800_000, dedup, "consent-soak");
        });
        await SubmitAsync(worker, "scenario-chunk", Transactions.SubmitBehaviourBatch(ScenarioId, _scenarioDay, chunk, records), _company!, [], stop);
        return true;
    }

    private async Task FileMethodologyAsync(Worker worker, CancellationToken stop)
    {
        var body = Transactions.FileMethodology($"M-SOAK-{worker.Id}-{worker.Sequence}", "Soak load", MethodologyLevel.Group, "1", []);
        await SubmitAsync(worker, "methodology", body, _bureau, [], stop);
    }

    /// <summary>SubmitAndWait on the worker's node; when the call ends without a verdict the worker moves to the next node.</summary>
    private async Task<CommitResult?> SubmitAsync(Worker worker, string kind, TransactionBody body, LedgerSigner signer, IReadOnlyList<LedgerSigner> coSigners, CancellationToken stop)
    {
        try
        {
            var result = await clients[worker.Node].TrySubmitAndWaitAsync(body, signer, coSigners, stop);
            acks.Record(kind, result);
            return result;
        }
        catch (Exception exception) when (Acknowledgements.IsUnknownOutcome(exception) && !stop.IsCancellationRequested)
        {
            acks.RecordUnknown();
            worker.Node = (worker.Node + 1) % clients.Count;
            await Task.Delay(100, stop);
            return null;
        }
    }

    private TransactionBody IssuanceBody(int project, uint day, ulong grams, LedgerSigner verifier)
    {
        var report = SHA256.HashData(Encoding.UTF8.GetBytes($"soak {_run} {Project(project)} {day}"));
        return Transactions.IssueProjectReductions(Project(project), day, day, grams, report, verifier.ParticipantId);
    }

    private async Task<LedgerSigner> RegisterAsync(string participantId, Role role, LedgerSigner registrar, CancellationToken cancellation)
    {
        var signer = new LedgerSigner(participantId, KeyFile.Generate(KeyAlgorithm.Ed25519));
        await MustCommitAsync("registration", Transactions.RegisterParticipant(participantId, participantId, [role], signer.Key.ToPublicKey()), registrar, [], cancellation);
        return signer;
    }

    /// <summary>A setup step: committed and taking effect, or the soak cannot start (no faults run yet, so a retry is a fresh transaction).</summary>
    private async Task<CommitResult> MustCommitAsync(string kind, TransactionBody body, LedgerSigner signer, IReadOnlyList<LedgerSigner> coSigners, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await clients[0].TrySubmitAndWaitAsync(body, signer, coSigners, cancellation);
                acks.Record(kind, result);
                return result.IsCommitted ? result : throw new InvalidOperationException($"setup {kind} was refused: {result.Code} {result.Message}");
            }
            catch (Exception exception) when (Acknowledgements.IsUnknownOutcome(exception) && attempt < SetupAttemptsMax)
            {
                acks.RecordUnknown();
                await Task.Delay(500, cancellation);
            }
        }
    }

    private void AddParty(LedgerSigner signer)
    {
        _signers[signer.ParticipantId] = signer;
        lock (_parties)
        {
            _parties.Add(signer.ParticipantId);
        }
    }

    private LedgerSigner? PickParty(Random random, string except)
    {
        lock (_parties)
        {
            var party = _parties[random.Next(_parties.Count)];
            return party == except ? null : _signers[party];
        }
    }
}

using Ledger.Core.Execution;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Consensus.Tests.Simulation;

/// <summary>
/// Clients that submit valid TestLedger transactions to random nodes: the bureau registers
/// participants and files a methodology, then each owner applies for a project, has it approved,
/// issues batches and trades with the traders. A client waits for its step to be committed
/// (on any honest node) and resubmits the same envelope elsewhere when it is slow, which tests
/// deduplication by nonce. Now and then a client also submits a transaction that must be refused.
/// </summary>
public sealed class Workload(Simulation sim, SimRandom random)
{
    public const uint Jan1 = 20089;

    /// <summary>Clients resubmit a step not committed after this long.</summary>
    public const long ResubmitAfterMs = 1_500;

    /// <summary>Issued periods per project: bounds the run's state.</summary>
    public const int IssuancesPerProjectMax = 40;

    private const ulong ExpiryHeight = 5_000;

    private static readonly string[] Owners = ["owner-1", "owner-2", "owner-3"];
    private static readonly string[] Traders = ["trader-1", "trader-2"];

    private readonly Dictionary<string, ulong> _nonces = new(StringComparer.Ordinal);
    private readonly List<Client> _clients = [];
    private bool _setupDone;

    /// <summary>Every transaction an honest node reported committed, with its height.</summary>
    public Dictionary<string, ulong> Committed { get; } = new(StringComparer.Ordinal);

    /// <summary>Every transaction any client ever submitted (no invented transactions may commit).</summary>
    public HashSet<string> Submitted { get; } = new(StringComparer.Ordinal);

    public void Start()
    {
        _clients.Add(new Client("setup", SetupSteps()));
        foreach (var (owner, i) in Owners.Select((o, i) => (o, i)))
        {
            _clients.Add(new Client(owner, OwnerSteps(owner, $"P-{i + 1}", Traders[i % Traders.Length])));
        }

        if (sim.Family == Family.KeyRotation)
        {
            _clients.Add(new Client("rotation", RotationSteps()));
        }
    }

    /// <summary>KeyRotation: the id of the bureau's ChangeValidators that re-keys the rotated validator, once submitted.</summary>
    public string? RotationId { get; private set; }

    /// <summary>Waits (empty steps) until the rotation time, then the bureau re-keys one validator at the same power.</summary>
    private IEnumerable<Envelope[]> RotationSteps()
    {
        while (sim.Queue.NowMs < sim.RotateAtMs)
        {
            yield return [];
        }

        var validator = sim.Validators.Find(sim.RotatedValidator!)!;
        var body = new TransactionBody
        {
            ChangeValidators = new ChangeValidators { Updates = { new ValidatorUpdate { ValidatorId = validator.ValidatorId, PublicKey = sim.NextKeyOf(validator.ValidatorId).ToPublicKey(), Power = validator.Power } } },
        };
        var rotation = Sign(TestLedger.Bureau, body);
        RotationId = sim.TransactionId(rotation);
        yield return [rotation];
    }

    /// <summary>Called every client tick: advance, submit or resubmit each client's step.</summary>
    public void Tick()
    {
        foreach (var client in _clients)
        {
            Advance(client);
        }

        if (random.Percent(10))
        {
            SubmitToRandomNode(RefusedTransaction());
        }
    }

    public void OnCommitted(string transactionId, ulong height) => Committed.TryAdd(transactionId, height);

    /// <summary>A transaction every honest node must refuse: a transfer from a batch that does not exist.</summary>
    public Envelope RefusedTransaction() =>
        Sign(Traders[random.Int(Traders.Length)], Bodies.Transfer(Owners[0], "ORD-P-none-20250101-20250102", 1 + (ulong)random.Int(1000)), TestLedger.Operator, Owners[0]);

    private void Advance(Client client)
    {
        if (client.Current is { } step && step.All(e => Committed.ContainsKey(sim.TransactionId(e))))
        {
            client.Current = null;
        }

        if (client.Current is null)
        {
            if (client.Name != "setup" && !_setupDone)
            {
                return;
            }

            if (!client.Steps.MoveNext())
            {
                _setupDone |= client.Name == "setup";
                return;
            }

            client.Current = client.Steps.Current;
            client.SubmittedAtMs = -ResubmitAfterMs;
        }

        if (sim.Queue.NowMs - client.SubmittedAtMs >= ResubmitAfterMs)
        {
            client.SubmittedAtMs = sim.Queue.NowMs;
            foreach (var envelope in client.Current.Where(e => !Committed.ContainsKey(sim.TransactionId(e))))
            {
                SubmitToRandomNode(envelope);
            }
        }
    }

    private void SubmitToRandomNode(Envelope envelope)
    {
        Submitted.Add(sim.TransactionId(envelope));
        var node = random.Pick(sim.Nodes);
        if (!random.Percent(sim.Network.Faults.DropPercent))
        {
            sim.Queue.After(sim.Network.DelayMs(), () => node.Submit(envelope));
        }
    }

    private IEnumerable<Envelope[]> SetupSteps()
    {
        var registrations = Owners.Select(o => Sign(TestLedger.Bureau, Bodies.Register(o, TestKeys.For(o), Role.ProjectOwner)))
            .Concat(Traders.Select(t => Sign(TestLedger.Bureau, Bodies.Register(t, TestKeys.For(t), Role.Trader))))
            .Append(Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1")))
            .ToArray();
        yield return registrations;
        _setupDone = true;
    }

    private IEnumerable<Envelope[]> OwnerSteps(string owner, string projectId, string trader)
    {
        yield return [Sign(owner, Bodies.ApplyProject(projectId, "M-1"))];
        // The simulation's development rules: no expert review, no notice wait (Simulation's genesis).
        yield return [Sign(TestLedger.Operator, Bodies.StartPublicNotice(projectId))];
        yield return [Sign(TestLedger.Bureau, Bodies.Approve(projectId))];
        for (var k = 0; k < IssuancesPerProjectMax; k++)
        {
            var first = Jan1 + (uint)(k * 10);
            var grams = 1_000 + (ulong)random.Int(9_000);
            var batchId = BatchIds.ForProject(projectId, new DayRange { FirstDay = first, LastDay = first + 5 });
            yield return [Sign(TestLedger.Bureau, Bodies.Issue(projectId, first, first + 5, grams, Bodies.ReportHash(7, first, projectId)), TestLedger.Verifier)];
            var sent = 1 + (ulong)random.Int((int)grams);
            yield return [Sign(owner, Bodies.Transfer(trader, batchId, sent), TestLedger.Operator, trader)];
            var back = (ulong)random.Int((int)sent) + 1;
            var other = Traders.First(t => t != trader);
            yield return [Sign(trader, Bodies.Transfer(other, batchId, back), TestLedger.Operator, other), Sign(owner, Bodies.Transfer(other, batchId, grams - sent), TestLedger.Operator, other)];
        }
    }

    private Envelope Sign(string signer, TransactionBody body, params string[] coSigners)
    {
        var nonce = _nonces.GetValueOrDefault(signer) + 1;
        _nonces[signer] = nonce;
        return EnvelopeFactory.Create(TestLedger.ChainId, body, signer, TestKeys.For(signer), nonce, ExpiryHeight, coSigners.Select(c => (c, TestKeys.For(c))).ToArray());
    }

    private sealed class Client(string name, IEnumerable<Envelope[]> steps)
    {
        public string Name { get; } = name;

        public IEnumerator<Envelope[]> Steps { get; } = steps.GetEnumerator();

        public Envelope[]? Current { get; set; }

        public long SubmittedAtMs { get; set; }
    }
}

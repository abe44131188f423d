using Google.Protobuf;
using Ledger.Core.Calendar;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Projects;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Xunit;

namespace Ledger.Testing;

/// <summary>
/// A ledger in memory for tests: genesis with a bureau, an operator and a verifier, a store,
/// and helpers that sign and apply transactions one block at a time.
/// </summary>
public sealed class TestLedger
{
    public const string ChainId = "ordos-test";
    public const string Bureau = "bureau";
    public const string Operator = "operator";
    public const string Verifier = "verifier-1";

    /// <summary>Four validators of equal power, as in the devnet: a quorum is any three.</summary>
    public static readonly string[] ValidatorIds = ["node-bureau", "node-operator", "node-verifier-1", "node-verifier-2"];

    private readonly Dictionary<string, SigningKey> _keys = [];
    private ulong _nextNonce = 1;
    private long _timeOffsetMs;

    /// <summary>What the test genesis uses unless a test asks for the measures' rules: no notice wait, one expert.</summary>
    public static GenesisRules DevelopmentRules => new() { NoticeWorkingDays = 0, ReviewOpinionsRequired = 1, DevelopmentRules = true };

    /// <summary>The measures' own rules (genesis without overrides): 5 working days of notice, 3 experts.</summary>
    public static GenesisRules MeasuresRules => new();

    /// <param name="rules">Genesis rules; <see cref="DevelopmentRules"/> when null.</param>
    public TestLedger(HashAlgorithm hash = HashAlgorithm.Sha256, KeyAlgorithm keys = KeyAlgorithm.Ed25519, GenesisRules? rules = null)
    {
        KeyAlgorithm = keys;
        Genesis = new Genesis { ChainId = ChainId, HashAlgorithm = hash, GenesisTimeMs = 1_735_660_800_000, Rules = rules ?? DevelopmentRules };
        AddGenesisParticipant(Bureau, Role.Bureau);
        AddGenesisParticipant(Operator, Role.Operator);
        AddGenesisParticipant(Verifier, Role.Verifier);
        foreach (var validator in ValidatorIds)
        {
            Genesis.Validators.Add(new Validator { ValidatorId = validator, PublicKey = TestKeys.For(validator).ToPublicKey(), Power = 10 });
        }

        Machine = new LedgerStateMachine(ChainParameters.FromGenesis(Genesis));
        var genesis = Machine.ApplyGenesis(Genesis);
        Store.Apply(genesis.Changes);
        StateRoot = genesis.StateRoot;
    }

    public KeyAlgorithm KeyAlgorithm { get; }

    public Genesis Genesis { get; }

    public LedgerStateMachine Machine { get; }

    public InMemoryState Store { get; } = new();

    public ulong Height { get; private set; }

    public byte[] StateRoot { get; private set; }

    /// <summary>The time of the block at Height: a second per block after genesis (2025-01-01 00:00 China Standard Time), plus any jumps.</summary>
    public long TimeMs => Genesis.GenesisTimeMs + ((long)Height * 1000) + _timeOffsetMs;

    public LedgerRules Rules => Machine.Parameters.Rules;

    /// <summary>Today in China Standard Time, as of the last block.</summary>
    public uint Today => WorkingDays.ChinaDay(TimeMs);

    /// <summary>Makes the next block's time timeMs (later than the last block's).</summary>
    public void AdvanceTo(long timeMs)
    {
        var offset = timeMs - Genesis.GenesisTimeMs - ((long)(Height + 1) * 1000);
        Assert.True(offset >= _timeOffsetMs, "block time only moves forward");
        _timeOffsetMs = offset;
    }

    public LedgerState View => new(new StateOverlay(Store));

    /// <summary>The participant's current key: SM2 for ids containing "sm2", else the ledger's default algorithm.</summary>
    public SigningKey KeyOf(string participantId) =>
        _keys.TryGetValue(participantId, out var key)
            ? key
            : TestKeys.For(participantId, participantId.Contains("sm2", StringComparison.Ordinal) ? KeyAlgorithm.Sm2 : KeyAlgorithm);

    public void UseKey(string participantId, SigningKey key) => _keys[participantId] = key;

    public Envelope Sign(string signer, TransactionBody body, params string[] coSigners) =>
        EnvelopeFactory.Create(ChainId, body, signer, KeyOf(signer), _nextNonce++, Height + 100, coSigners.Select(c => (c, KeyOf(c))).ToArray());

    /// <summary>Signs and applies body as the only transaction of the next block.</summary>
    public Receipt Submit(string signer, TransactionBody body, params string[] coSigners) =>
        ApplyBlock(Sign(signer, body, coSigners))[0];

    public IReadOnlyList<Receipt> ApplyBlock(params Envelope[] envelopes)
    {
        Height++;
        var result = Machine.ApplyBlock(Store, new BlockContext(Height, TimeMs), envelopes);
        Store.Apply(result.Changes);
        StateRoot = result.StateRoot;
        return result.Receipts;
    }

    /// <summary>A copy of every state entry, to compare before and after.</summary>
    public IReadOnlyList<KeyValuePair<byte[], byte[]>> Snapshot() => Store.Entries.Select(e => new KeyValuePair<byte[], byte[]>(e.Key, e.Value)).ToList();

    public void Register(string participantId, params Role[] roles) =>
        Committed(Submit(Bureau, Bodies.Register(participantId, KeyOf(participantId), roles)));

    /// <summary>Files a methodology, applies and approves a project for owner, and returns nothing; the project is ready to issue.</summary>
    public void ApprovedProject(string projectId, string owner, string methodologyId = "M-1")
    {
        if (View.GetMethodology(methodologyId) is null)
        {
            Committed(Submit(Bureau, Bodies.FileMethodology(methodologyId)));
        }

        if (View.GetParticipant(owner) is null)
        {
            Register(owner, Role.ProjectOwner);
        }

        Committed(Submit(owner, Bodies.ApplyProject(projectId, methodologyId)));
        Approve(projectId);
    }

    /// <summary>Files a scenario methodology, applies for a scenario and takes it through the lifecycle to APPROVED.</summary>
    public void ApprovedScenario(string scenarioId, string company, string methodologyId = "SM-1")
    {
        if (View.GetMethodology(methodologyId) is null)
        {
            Committed(Submit(Bureau, Bodies.FileScenarioMethodology(methodologyId)));
        }

        if (View.GetParticipant(company) is null)
        {
            Register(company, Role.ScenarioCompany);
        }

        Committed(Submit(company, Bodies.ApplyScenario(scenarioId, methodologyId)));
        Approve(scenarioId);
    }

    /// <summary>The id of expert number i (1-based), registered by the bureau on first use.</summary>
    public string Expert(int number)
    {
        var id = $"expert-{number}";
        if (View.GetParticipant(id) is null)
        {
            Register(id, Role.Expert);
        }

        return id;
    }

    /// <summary>The genesis's required number of favourable opinions, from experts 1..n.</summary>
    public void Review(string subjectId)
    {
        for (var i = 1; i <= Rules.ReviewOpinionsRequired; i++)
        {
            Committed(Submit(Expert(i), Bodies.SubmitReview(subjectId, favourable: true)));
        }
    }

    /// <summary>Review, then the operator starts the public notice.</summary>
    public void StartNotice(string subjectId)
    {
        Review(subjectId);
        Committed(Submit(Operator, Bodies.StartPublicNotice(subjectId)));
    }

    /// <summary>Moves block time to the first day the notice allows approval (09:00 China Standard Time), if it is not there yet.</summary>
    public void WaitForNoticeEnd(string subjectId)
    {
        var subject = View.GetProject(subjectId)!;
        if (Lifecycle.NoticeElapsed(subject, WorkingDays.ChinaDay(TimeMs + 1000), Rules, new StateCalendars(View)))
        {
            return;
        }

        var firstDay = Lifecycle.NoticeLastDay(subject, Rules, new StateCalendars(View)) + 1;
        AdvanceTo((firstDay * WorkingDays.DayMs) + (9 * 3_600_000) - WorkingDays.ChinaStandardTimeOffsetMs);
    }

    /// <summary>Takes an APPLIED subject through review, public notice and its wait to APPROVED.</summary>
    public void Approve(string subjectId)
    {
        StartNotice(subjectId);
        WaitForNoticeEnd(subjectId);
        Committed(Submit(Bureau, Bodies.Approve(subjectId)));
    }

    /// <summary>Issues grams for a fresh period of an approved project and returns the batch id.</summary>
    public string Issue(string projectId, uint firstDay, uint lastDay, ulong grams, byte reportSeed = 1)
    {
        var receipt = Submit(Bureau, Bodies.Issue(projectId, firstDay, lastDay, grams, Bodies.ReportHash(reportSeed, firstDay, projectId)), Verifier);
        Committed(receipt);
        return receipt.Attributes.Single(a => a.Key == "batch_id").Value;
    }

    public static Receipt Committed(Receipt receipt)
    {
        Assert.True(receipt.Code == RejectionCode.Unspecified, $"expected commit, got {receipt.Code}: {receipt.Message}");
        return receipt;
    }

    private void AddGenesisParticipant(string id, Role role) =>
        Genesis.Participants.Add(new GenesisParticipant { ParticipantId = id, Name = id, Roles = { role }, PublicKey = KeyOf(id).ToPublicKey() });
}

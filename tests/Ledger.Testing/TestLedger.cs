using Google.Protobuf;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
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

    public TestLedger(HashAlgorithm hash = HashAlgorithm.Sha256, KeyAlgorithm keys = KeyAlgorithm.Ed25519)
    {
        KeyAlgorithm = keys;
        Genesis = new Genesis { ChainId = ChainId, HashAlgorithm = hash, GenesisTimeMs = 1_735_660_800_000 };
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

    public long TimeMs => Genesis.GenesisTimeMs + ((long)Height * 1000);

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
        Committed(Submit(Bureau, new TransactionBody { ApproveProject = new ApproveProject { ProjectId = projectId } }));
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

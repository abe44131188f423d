using System.Security.Cryptography;
using Ledger.Client.Builders;
using Ledger.Core.Chain;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;
using Ledger.Integration.Tests;
using Ledger.Node.Chain;
using Ledger.Node.Mempool;
using Ledger.Node.Portal;
using Ledger.Storage;
using Ledger.Testing;

namespace Ledger.Portal.Tests;

/// <summary>
/// A node's chain in RocksDB, in-process, with a story committed block by block as a solo proposer would:
/// a project whose title is hostile markup, a trader that may be a person holding and cancelling units,
/// a scenario batch of pseudonymous users and a custody cancellation for one of them. The portal's
/// readers and renderers run against it without a network.
/// </summary>
public sealed class CommittedChain : IDisposable
{
    public const string HostileTitle = "<script>alert('x')</script><b onmouseover=alert(1)>PV</b>";
    public const string HostileName = "Ordos <img src=x onerror=alert(2)> Co.";
    public const string Company = "metro-co";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ledger-portal-chain-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly TestLedger _ledger = new();
    private long _timeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 600_000;

    public CommittedChain()
    {
        Chain = new NodeChain(RocksDbChainStore.Open(_directory), _ledger.Genesis, new SignatureCache(capacity: 1_000));
        Commit(TestLedger.Operator, Transactions.RegisterParticipant("owner-a", HostileName, [Role.ProjectOwner], TestKeys.For("owner-a").ToPublicKey()));
        Commit(TestLedger.Operator, Transactions.RegisterParticipant("person-1", "Zhang San", [Role.Trader], TestKeys.For("person-1").ToPublicKey()));
        Commit(TestLedger.Bureau, Transactions.RegisterParticipant("expert-1", "Prof. Li", [Role.Expert], TestKeys.For("expert-1").ToPublicKey()));
        Commit(TestLedger.Bureau, Transactions.FileMethodology("M-PV", "Distributed photovoltaics", MethodologyLevel.Local, "1.0", ["pv"]));
        Commit("owner-a", Transactions.ApplyProject("PV-7", HostileTitle, "M-PV"));
        Approve("PV-7");
        var issuance = Commit(TestLedger.Bureau, Transactions.IssueProjectReductions("PV-7", Stories.Jan1, Stories.Jan1 + 30, 2_500_000, SHA256.HashData("report"u8), TestLedger.Verifier), TestLedger.Verifier);
        BatchId = issuance.Attributes.Single(a => a.Key == "batch_id").Value;
        Commit("owner-a", Transactions.Transfer("person-1", BatchId, 1_000_000, 45_00, "CNY"), TestLedger.Operator, "person-1");
        CancellationId = Commit("person-1", Transactions.RequestCancellation(BatchId, 300_000, "Zhang San's family", "a wedding without emissions")).Attributes.Single(a => a.Key == "cancellation_id").Value;
        Commit(TestLedger.Operator, Transactions.ApproveCancellation(CancellationId));
        OwnCancellationId = Commit("owner-a", Transactions.RequestCancellation(BatchId, 200_000, "Kangbashi school", "campus neutrality")).Attributes.Single(a => a.Key == "cancellation_id").Value;
        Commit(TestLedger.Operator, Transactions.ApproveCancellation(OwnCancellationId));
        IssueScenarioDay();
        Commit("owner-a", Transactions.ApplyProject("PV-9", "Rooftop PV in notice", "M-PV"));
        Commit("expert-1", Transactions.SubmitReview("PV-9", favourable: true, "sound"));
        Commit(TestLedger.Operator, Transactions.StartPublicNotice("PV-9"));
    }

    public NodeChain Chain { get; }

    public string BatchId { get; }

    /// <summary>The trader's (a participant that may be a person) approved cancellation.</summary>
    public string CancellationId { get; }

    /// <summary>The project owner's approved cancellation: its certificate is public.</summary>
    public string OwnCancellationId { get; }

    public string ScenarioBatchId { get; private set; } = "";

    public string CustodyCancellationId { get; private set; } = "";

    public IReadOnlyList<byte[]> UserIds { get; private set; } = [];

    public PortalReader Reader() => new(Chain);

    public void Dispose()
    {
        Chain.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Many methodologies, to page through.</summary>
    public void FileMethodologies(int count)
    {
        for (var i = 0; i < count; i += 100)
        {
            CommitAll(Enumerable.Range(i, Math.Min(100, count - i)).Select(n =>
                _ledger.Sign(TestLedger.Bureau, Transactions.FileMethodology($"M-{n:D4}", $"Methodology {n}", MethodologyLevel.Group, "1.0", [$"act-{n}"]))));
        }
    }

    private void Approve(string subjectId)
    {
        Commit("expert-1", Transactions.SubmitReview(subjectId, favourable: true, "sound"));
        Commit(TestLedger.Operator, Transactions.StartPublicNotice(subjectId));
        Commit(TestLedger.Bureau, Transactions.Approve(subjectId));
    }

    private void IssueScenarioDay()
    {
        var file = Transactions.FileMethodology(ScenarioStories.MethodologyId, "Low-carbon travel", MethodologyLevel.Local, "1.0", ["metro", "bike"]);
        file.FileMethodology.Kind = MethodologyKind.Scenario;
        file.FileMethodology.EmissionFactors.Add(new EmissionFactor { ActivityType = "bike", Unit = "km", GramsNumerator = 69, UnitsDenominator = 2 });
        file.FileMethodology.EmissionFactors.Add(new EmissionFactor { ActivityType = "metro", Unit = "ride", GramsNumerator = 120, UnitsDenominator = 1 });
        file.FileMethodology.DailyCapGramsPerUser = 5_000;
        Commit(TestLedger.Bureau, file);
        Commit(TestLedger.Operator, Transactions.RegisterParticipant(Company, "Ordos Metro Co.", [Role.ScenarioCompany], TestKeys.For(Company).ToPublicKey()));
        Commit(Company, Transactions.ApplyScenario("SC-1", "Green travel", ScenarioStories.MethodologyId));
        Approve("SC-1");

        var day = Core.Calendar.WorkingDays.ChinaDay(_timeMs) - 1;
        var records = ScenarioStories.MetroDay(Company, "unit", 40).ToList();
        var chunks = Transactions.BehaviourChunks("SC-1", day, records);
        foreach (var chunk in chunks)
        {
            Commit(Company, chunk);
        }

        var methodology = new Core.State.LedgerState(new Core.State.StateOverlay(Chain.State)).GetMethodology(ScenarioStories.MethodologyId)!;
        var verification = Transactions.ScenarioDayVerification(Ledger.Core.Protocol.HashAlgorithm.Sha256, "SC-1", day, chunks.Select(c => (IReadOnlyList<BehaviourRecord>)c.SubmitBehaviourBatch.Records).ToList(), methodology);
        Commit(TestLedger.Bureau, Transactions.IssueScenarioBatch(TestLedger.Operator, [verification]), TestLedger.Operator);
        ScenarioBatchId = BatchIds.ForScenario("SC-1", day);
        UserIds = Enumerable.Range(0, 10).Select(i => ScenarioStories.UserId(Company, i)).ToList();
        CustodyCancellationId = Commit(Company, Transactions.RequestCustodyCancellation(UserIds[0], "consent-0", ScenarioBatchId, 100, "A rider", "personal neutrality"))
            .Attributes.Single(a => a.Key == "cancellation_id").Value;
        Commit(TestLedger.Operator, Transactions.ApproveCancellation(CustodyCancellationId));
    }

    private Receipt Commit(string signer, TransactionBody body, params string[] coSigners)
    {
        var receipts = CommitAll([_ledger.Sign(signer, body, coSigners)]);
        Assert.True(receipts[0].Code == RejectionCode.Unspecified, $"{body.KindCase}: {receipts[0].Code} {receipts[0].Message}");
        return receipts[0];
    }

    /// <summary>Commits envelopes as one block, as a solo validator would.</summary>
    private IReadOnlyList<Receipt> CommitAll(IEnumerable<Envelope> envelopes)
    {
        _timeMs += 1_000;
        var (block, leftOut) = Blocks.Propose(Chain.Machine, Chain.State, Chain.Head, envelopes, _timeMs, TestLedger.ValidatorIds[0], null);
        Assert.Empty(leftOut);
        var certificate = CommitCertificates.Create(block.Block.Header.Height, 0, block.HeaderHash);
        foreach (var id in TestLedger.ValidatorIds)
        {
            CommitCertificates.AddSignature(certificate, TestLedger.ChainId, id, TestKeys.For(id));
        }

        Chain.Commit(block, certificate);
        return block.Execution.Receipts;
    }
}

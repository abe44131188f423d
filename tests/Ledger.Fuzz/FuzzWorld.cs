using Ledger.Core.Calendar;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Fuzz;

/// <summary>
/// A populated ledger to fuzz against: participants of every role, an approved project with an
/// issued batch, an approved scenario, a pending cancellation, an open auction and a mall offer.
/// Fuzz inputs are checked and applied on top of it; its store never changes after construction.
/// </summary>
public sealed class FuzzWorld
{
    public const string Owner = "owner-1";
    public const string Trader = "trader-1";
    public const string Company = "company-1";
    public const string Provider = "provider-1";
    public const string Project = "PV-1";
    public const string Scenario = "SC-1";
    public const string OfferId = "offer-1";

    /// <summary>A project just applied for (APPLIED), and one in public notice with an objection filed.</summary>
    public const string Applied = "PV-2";
    public const string InNotice = "PV-3";

    public FuzzWorld()
    {
        var ledger = new TestLedger();
        ledger.Register(Trader, Role.Trader);
        ledger.Register(Provider, Role.RightsProvider);
        ledger.ApprovedProject(Project, Owner);
        BatchId = ledger.Issue(Project, ledger.Today - 40, ledger.Today - 10, 1_000_000_000);
        ledger.ApproveScenario(Scenario, Company);
        var cancellation = TestLedger.Committed(ledger.Submit(Owner, Bodies.RequestCancellation(BatchId, 1_000)));
        CancellationId = cancellation.Attributes.Single(a => a.Key == "cancellation_id").Value;
        var auction = TestLedger.Committed(ledger.Submit(TestLedger.Operator, Bodies.OpenAuction(Owner, BatchId, 5_000, ledger.TimeMs + 86_400_000), Owner));
        AuctionId = auction.Attributes.Single(a => a.Key == "auction_id").Value;
        TestLedger.Committed(ledger.Submit(Owner, Bodies.ApplyProject(Applied, "M-1")));
        TestLedger.Committed(ledger.Submit(Owner, Bodies.ApplyProject(InNotice, "M-1")));
        ledger.StartNotice(InNotice);
        TestLedger.Committed(ledger.Submit(Trader, Bodies.FileObjection(InNotice)));
        TestLedger.Committed(ledger.Submit(TestLedger.Operator, Bodies.RecordEvaluation(Project, ledger.Today + 1)));
        TestLedger.Committed(ledger.Submit(Provider, Bodies.PublishMallOffer(OfferId, 100, 1_000, ledger.TimeMs, ledger.TimeMs + (30L * 86_400_000))));
        Ledger = ledger;
        Participants = [TestLedger.Bureau, TestLedger.Operator, TestLedger.Verifier, Owner, Trader, Company, Provider, "expert-1"];
        KnownIds = [.. Participants, Project, Applied, InNotice, Scenario, BatchId, CancellationId, AuctionId, OfferId, "M-1", Scenarios.MethodologyId, TestLedger.ChainId, "unknown-1"];
        Block = new BlockContext(ledger.Height + 1, ledger.TimeMs + 1000);
        Empty = ledger.Machine.ApplyBlock(ledger.Store, Block, []);
    }

    public TestLedger Ledger { get; }

    public LedgerStateMachine Machine => Ledger.Machine;

    public string BatchId { get; }

    public string CancellationId { get; }

    public string AuctionId { get; }

    /// <summary>Every registered participant (signers the fuzzer holds keys for).</summary>
    public IReadOnlyList<string> Participants { get; }

    /// <summary>Ids that exist on the ledger, so mutated fields often name real records.</summary>
    public IReadOnlyList<string> KnownIds { get; }

    /// <summary>The block every fuzz input is applied in.</summary>
    public BlockContext Block { get; }

    /// <summary>The same block with no transactions: what a refused input's block must equal.</summary>
    public BlockExecution Empty { get; }

    public uint Today => WorkingDays.ChinaDay(Block.TimeMs);

    /// <summary>A correctly signed envelope of body by its signer and co-signers, with a random unused nonce (replays depend on the input alone).</summary>
    public Envelope Sign(BodyCase body, FuzzRandom random) =>
        EnvelopeFactory.Create(TestLedger.ChainId, body.Body, body.Signer, Ledger.KeyOf(body.Signer), random.NextUInt64() | (1UL << 40), Block.Height + 50,
            body.CoSigners.Select(c => (c, c == body.Signer && body.NewKey is { } key ? key : Ledger.KeyOf(c))).ToArray());
}

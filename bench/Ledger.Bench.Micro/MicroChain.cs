using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Bench.Micro;

/// <summary>
/// A populated chain in memory for the micro-benchmarks: an owner with an approved project and one
/// issuance, <see cref="TradersCount"/> traders each holding part of the batch, all as real blocks
/// (proposed by Ledger.Core, certified by three test validators). <see cref="Transfers"/> are signed
/// transfers among the traders, ready for the next block.
/// </summary>
public sealed class MicroChain
{
    public const int TradersCount = 64;
    private const uint Jan1 = 20089;

    public MicroChain(KeyAlgorithm keys = KeyAlgorithm.Ed25519)
    {
        Ledger = new TestLedger(keys: keys);
        Validators = new ValidatorSet(Ledger.Genesis.Validators);
        Head = ChainHead.Genesis(Ledger.Genesis);
        GenesisState = Ledger.Machine.ApplyGenesis(Ledger.Genesis);

        var registrations = new List<Envelope>
        {
            Ledger.Sign(TestLedger.Bureau, Bodies.Register("owner-1", Ledger.KeyOf("owner-1"), Role.ProjectOwner)),
            Ledger.Sign(TestLedger.Bureau, Bodies.Register("expert-1", Ledger.KeyOf("expert-1"), Role.Expert)),
            Ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1")),
        };
        registrations.AddRange(Traders.Select(t => Ledger.Sign(TestLedger.Bureau, Bodies.Register(t, Ledger.KeyOf(t), Role.Trader))));
        Next(registrations);
        Next([Ledger.Sign("owner-1", Bodies.ApplyProject("P-1", "M-1"))]);
        Next([Ledger.Sign("expert-1", Bodies.SubmitReview("P-1", favourable: true))]);
        Next([Ledger.Sign(TestLedger.Operator, Bodies.StartPublicNotice("P-1"))]);
        Next([Ledger.Sign(TestLedger.Bureau, Bodies.Approve("P-1"))]);
        var issued = Next([Ledger.Sign(TestLedger.Bureau, Bodies.Issue("P-1", Jan1, Jan1, 1_000_000_000, Bodies.ReportHash(1, 0, "P-1")), TestLedger.Verifier)]);
        BatchId = issued.Block.Execution.Receipts[0].Attributes.First(a => a.Key == "batch_id").Value;
        Next(Traders.Select(t => Ledger.Sign("owner-1", Bodies.Transfer(t, BatchId, 10_000_000), TestLedger.Operator, t)).ToList());
        Transfers = Enumerable.Range(0, 1_000).Select(i => Transfer(i)).ToArray();
    }

    public TestLedger Ledger { get; }

    public ValidatorSet Validators { get; }

    public BlockExecution GenesisState { get; }

    public ChainHead Head { get; private set; }

    public CommitCertificate? LastCertificate { get; private set; }

    /// <summary>The blocks so far, in order, with their certificates.</summary>
    public List<(ExecutedBlock Block, CommitCertificate Certificate)> Blocks { get; } = [];

    public string BatchId { get; }

    public static IEnumerable<string> Traders => Enumerable.Range(0, TradersCount).Select(i => $"trader-{i}");

    /// <summary>1,000 signed transfers of 1 g among the traders (seller signs; operator and buyer co-sign).</summary>
    public Envelope[] Transfers { get; }

    public Envelope Transfer(int i)
    {
        var from = $"trader-{i % TradersCount}";
        var to = $"trader-{(i + 1 + (i / TradersCount)) % TradersCount}";
        if (from == to)
        {
            to = $"trader-{(i + 1) % TradersCount}";
        }

        return Ledger.Sign(from, Bodies.Transfer(to, BatchId, 1), TestLedger.Operator, to);
    }

    /// <summary>The context of the next block.</summary>
    public BlockContext NextContext => new(Head.Height + 1, Head.TimeMs + 1_000);

    /// <summary>Proposes the next block from the candidates without applying it to the state.</summary>
    public (ExecutedBlock Block, CommitCertificate Certificate) Propose(IReadOnlyList<Envelope> candidates)
    {
        var proposer = Validators.Proposer(Head.Height + 1, 0).ValidatorId;
        var (block, leftOut) = Core.Chain.Blocks.Propose(Ledger.Machine, Ledger.Store, Head, candidates, Head.TimeMs + 1_000, proposer, Validators, LastCertificate);
        if (leftOut.Count > 0)
        {
            throw new InvalidOperationException($"{leftOut.Count} transaction(s) refused: {leftOut[0].Receipt.Code} {leftOut[0].Receipt.Message}");
        }

        var certificate = CommitCertificates.Create(block.Block.Header.Height, 0, block.HeaderHash);
        foreach (var validator in TestLedger.ValidatorIds[..3])
        {
            CommitCertificates.AddSignature(certificate, TestLedger.ChainId, validator, TestKeys.For(validator));
        }

        return (block, certificate);
    }

    private (ExecutedBlock Block, CommitCertificate Certificate) Next(IReadOnlyList<Envelope> candidates)
    {
        var next = Propose(candidates);
        Ledger.Store.Apply(next.Block.Execution.Changes);
        Head = new ChainHead(next.Block.Block.Header.Height, next.Block.HeaderHash, next.Block.Block.Header.TimeMs);
        LastCertificate = next.Certificate;
        Blocks.Add(next);
        return next;
    }
}

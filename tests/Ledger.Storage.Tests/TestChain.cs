using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Storage.Tests;

/// <summary>
/// Real blocks for storage tests: proposed by Ledger.Core on the TestLedger's InMemoryState (the
/// reference store), certified by three of the four test validators, then applied to that state.
/// </summary>
public sealed class TestChain
{
    public const uint Jan1 = 20089;

    public TestChain()
    {
        Validators = new ValidatorSet(Ledger.Genesis.Validators);
        Head = ChainHead.Genesis(Ledger.Genesis);
        GenesisState = Ledger.Machine.ApplyGenesis(Ledger.Genesis);
    }

    public TestLedger Ledger { get; } = new();

    public ValidatorSet Validators { get; }

    public BlockExecution GenesisState { get; }

    public ChainHead Head { get; private set; }

    public CommitCertificate? LastCertificate { get; private set; }

    /// <summary>Proposes the next block from candidates (the refused ones left out), certifies it and applies it to the reference state.</summary>
    public (ExecutedBlock Block, CommitCertificate Certificate) Next(params Envelope[] candidates)
    {
        var proposer = Validators.Proposer(Head.Height + 1, 0).ValidatorId;
        var (block, _) = Blocks.Propose(Ledger.Machine, Ledger.Store, Head, candidates, Head.TimeMs + 1_000, proposer, Validators, LastCertificate);
        var certificate = Certify(block);
        Ledger.Store.Apply(block.Execution.Changes);
        Head = new ChainHead(block.Block.Header.Height, block.HeaderHash, block.Block.Header.TimeMs);
        LastCertificate = certificate;
        return (block, certificate);
    }

    /// <summary>A store with this chain's genesis.</summary>
    public RocksDbChainStore OpenStore(string directory)
    {
        var store = RocksDbChainStore.Open(directory);
        store.InitializeGenesis(Ledger.Genesis, GenesisState);
        return store;
    }

    /// <summary>Participants, a methodology and an approved project: after these blocks, P-1 can issue.</summary>
    public IEnumerable<(ExecutedBlock Block, CommitCertificate Certificate)> Setup()
    {
        yield return Next(
            Ledger.Sign(TestLedger.Bureau, Bodies.Register("owner-1", Ledger.KeyOf("owner-1"), Role.ProjectOwner)),
            Ledger.Sign(TestLedger.Bureau, Bodies.Register("trader-1", Ledger.KeyOf("trader-1"), Role.Trader)),
            Ledger.Sign(TestLedger.Bureau, Bodies.Register("expert-1", Ledger.KeyOf("expert-1"), Role.Expert)),
            Ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1")));
        yield return Next(Ledger.Sign("owner-1", Bodies.ApplyProject("P-1", "M-1")));

        // The test genesis's development rules: one expert opinion, no notice wait.
        yield return Next(Ledger.Sign("expert-1", Bodies.SubmitReview("P-1", favourable: true)));
        yield return Next(Ledger.Sign(TestLedger.Operator, Bodies.StartPublicNotice("P-1")));
        yield return Next(Ledger.Sign(TestLedger.Bureau, Bodies.Approve("P-1")));
    }

    public Envelope Issue(uint firstDay, uint days, ulong grams, byte reportSeed) =>
        Ledger.Sign(TestLedger.Bureau, Bodies.Issue("P-1", Jan1 + firstDay, Jan1 + firstDay + days, grams, Bodies.ReportHash(reportSeed, firstDay, "P-1")), TestLedger.Verifier);

    public Envelope Transfer(string from, string to, string batchId, ulong grams) =>
        Ledger.Sign(from, Bodies.Transfer(to, batchId, grams), TestLedger.Operator, to);

    public Envelope RequestCancellation(string holder, string batchId, ulong grams) =>
        Ledger.Sign(holder, Bodies.RequestCancellation(batchId, grams));

    public Envelope ApproveCancellation(string cancellationId) =>
        Ledger.Sign(TestLedger.Operator, Bodies.ApproveCancellation(cancellationId));

    public Envelope DeclineCancellation(string cancellationId) =>
        Ledger.Sign(TestLedger.Operator, Bodies.DeclineCancellation(cancellationId));

    private static CommitCertificate Certify(ExecutedBlock block)
    {
        var certificate = CommitCertificates.Create(block.Block.Header.Height, 0, block.HeaderHash);
        foreach (var validator in TestLedger.ValidatorIds[..3])
        {
            CommitCertificates.AddSignature(certificate, TestLedger.ChainId, validator, TestKeys.For(validator));
        }

        return certificate;
    }
}

public static class ReceiptExtensions
{
    public static string Attribute(this Receipt receipt, string key) => receipt.Attributes.Single(a => a.Key == key).Value;
}

using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Consensus.Tests.Simulation;

/// <summary>
/// The invariants, checked as the simulation runs (TigerBeetle's StateChecker): one canonical
/// history, valid certificates, no honest double signature, equal state roots, no lost commit,
/// the supply identity; and at the end the auditor (ChainVerifier) over every honest node's blocks.
/// </summary>
public sealed class Checkers(Simulation sim)
{
    /// <summary>The prefix of a fork failure, which the positive control looks for.</summary>
    public const string ForkPrefix = "fork:";

    private readonly Dictionary<ulong, (byte[] Hash, byte[] StateRoot, string Node)> _canonical = [];
    private readonly Dictionary<(string Validator, ulong Height, uint Round, SignStep Step), (byte[] Bytes, string Node)> _signed = [];

    /// <summary>Hashes of blocks a Byzantine proposer made invalid on purpose: no honest node may vote for one.</summary>
    public HashSet<string> InvalidBlockHashes { get; } = new(StringComparer.Ordinal);

    public int EvidenceSeen { get; private set; }

    public ulong CanonicalHeight => _canonical.Count == 0 ? 0 : _canonical.Keys.Max();

    /// <summary>No honest signer signs two different messages at one (h, r, step) — nil and non-nil included.</summary>
    public void OnSigned(SimNode node, SignStep step, ulong height, uint round, byte[] signBytes)
    {
        if (!node.IsHonest)
        {
            return;
        }

        var key = (node.ValidatorId, height, round, step);
        if (_signed.TryGetValue(key, out var earlier))
        {
            Require(earlier.Bytes.AsSpan().SequenceEqual(signBytes), $"honest {node.Name} signed two different {step}s at height {height} round {round} (first by {earlier.Node})");
        }
        else
        {
            _signed[key] = (signBytes, node.Name);
        }
    }

    /// <summary>valid(v) is checked before every honest vote (l.23, l.29, l.36): an invalid block never gets one.</summary>
    public void OnVote(SimNode node, Vote vote)
    {
        if (node.IsHonest && !vote.BlockHash.IsEmpty)
        {
            Require(!InvalidBlockHashes.Contains(Convert.ToHexString(vote.BlockHash.Span)), $"honest {node.Name} voted {vote.Kind} for an invalid block at height {vote.Height} round {vote.Round}");
        }
    }

    /// <summary>Evidence names a validator that signed two votes: never an honest one.</summary>
    public void OnEvidence(SimNode node, DoubleSignEvidence evidence)
    {
        EvidenceSeen++;
        var accused = evidence.First.ValidatorId;
        Require(accused == evidence.Second.ValidatorId, $"{node.Name} reported evidence with two different validators");
        Require(
            sim.Nodes.Any(n => n.ValidatorId == accused && !n.IsHonest),
            $"{node.Name} reported double-sign evidence against honest {accused} at height {evidence.First.Height} round {evidence.First.Round}");
    }

    public void OnCommit(SimNode node, StoredBlock stored)
    {
        if (!node.IsHonest)
        {
            return;
        }

        var height = stored.Block.Header.Height;
        var problem = CommitCertificates.Problem(stored.Certificate, sim.Genesis.ChainId, height, stored.HeaderHash, ValidatorSchedules.At(node.State, height));
        Require(problem is null, $"{node.Name} committed height {height} with a bad certificate: {problem}");
        if (_canonical.TryGetValue(height, out var canonical))
        {
            Require(
                canonical.Hash.AsSpan().SequenceEqual(stored.HeaderHash),
                $"{ForkPrefix} {node.Name} committed {Short(stored.HeaderHash)} at height {height}, {canonical.Node} committed {Short(canonical.Hash)}");
            Require(canonical.StateRoot.AsSpan().SequenceEqual(stored.StateRoot), $"{node.Name}: state root at height {height} differs from {canonical.Node}'s");
        }
        else
        {
            _canonical[height] = (stored.HeaderHash, stored.StateRoot, node.Name);
        }

        foreach (var envelope in stored.Block.Transactions)
        {
            var id = sim.TransactionId(envelope);
            Require(sim.Workload.Submitted.Contains(id), $"{node.Name} committed a transaction at height {height} that no client submitted");
            sim.Workload.OnCommitted(id, height);
        }

        var supply = SupplyProblems(node.State).FirstOrDefault();
        Require(supply is null, $"{node.Name} at height {height}: {supply}");
    }

    /// <summary>At the end: no lost commit, equal chains, and the auditor accepts every honest node's chain.</summary>
    public void Final()
    {
        foreach (var node in sim.Nodes.Where(n => n.IsHonest))
        {
            foreach (var (id, height) in sim.Workload.Committed.Where(c => c.Value <= node.CommittedHeight))
            {
                Require(
                    node.Chain[(int)(height - 1)].Block.Transactions.Any(e => sim.TransactionId(e) == id),
                    $"transaction {id[..12]} committed at height {height} is missing from {node.Name}'s chain");
            }

            var issued = node.Chain.SelectMany(b => b.Block.Transactions).Select(e => TransactionBody.Parser.ParseFrom(e.Body))
                .Where(b => b.KindCase == TransactionBody.KindOneofCase.IssueProjectReductions).Aggregate(0UL, (sum, b) => checked(sum + b.IssueProjectReductions.AmountGrams));
            var batches = node.State.WithPrefix([StateKeys.BatchTable]).Select(e => BatchRecord.Parser.ParseFrom(e.Value)).Aggregate(0UL, (sum, b) => checked(sum + b.IssuedGrams));
            Require(issued == batches, $"{node.Name}: the chain issued {issued} g but the batches hold {batches} g");
            var result = ChainVerifier.Verify(sim.Genesis, node.CommittedHeight, h => (node.Chain[(int)(h - 1)].Block, node.Chain[(int)(h - 1)].Certificate));
            Require(result.Verified, $"the auditor refuses {node.Name}'s chain at height {result.FailedHeight}: {result.Problem}");
            Require(
                node.CommittedHeight == 0 || result.State.Get(StateKeys.StateRoot)!.AsSpan().SequenceEqual(node.State.Get(StateKeys.StateRoot)),
                $"{node.Name}'s state differs from the auditor's replay");
        }
    }

    /// <summary>DESIGN §5 rules 3 and 4 over the stored tables: issued = tradable + escrowed + retired + voided, and balances add up to each batch.</summary>
    public static IEnumerable<string> SupplyProblems(InMemoryState state)
    {
        var balances = state.WithPrefix([StateKeys.BalanceTable]).Select(e => BalanceRecord.Parser.ParseFrom(e.Value)).ToList();
        foreach (var batch in state.WithPrefix([StateKeys.BatchTable]).Select(e => BatchRecord.Parser.ParseFrom(e.Value)))
        {
            if (batch.IssuedGrams != checked(batch.TradableGrams + batch.EscrowedGrams + batch.RetiredGrams + batch.VoidedGrams))
            {
                yield return $"batch {batch.BatchId}: issued {batch.IssuedGrams} != tradable + escrowed + retired + voided";
            }

            var held = balances.Where(b => b.BatchId == batch.BatchId).ToList();
            var tradable = held.Aggregate(0UL, (sum, b) => checked(sum + b.TradableGrams));
            var escrowed = held.Aggregate(0UL, (sum, b) => checked(sum + b.EscrowedGrams));
            var retired = held.Aggregate(0UL, (sum, b) => checked(sum + b.RetiredGrams));
            if (tradable != batch.TradableGrams || escrowed != batch.EscrowedGrams || retired != batch.RetiredGrams)
            {
                yield return $"batch {batch.BatchId}: balances ({tradable}, {escrowed}, {retired}) do not add up to the batch";
            }
        }
    }

    private static void Require(bool condition, string failure)
    {
        if (!condition)
        {
            throw new SimulationFailure(failure);
        }
    }

    private static string Short(byte[] hash) => Convert.ToHexStringLower(hash)[..12];
}

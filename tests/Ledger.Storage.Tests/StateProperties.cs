using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Storage.Tests;

/// <summary>RocksDB state and the reference InMemoryState, fed the same changes, hold the same bytes.</summary>
public sealed class StateProperties
{
    [Property(MaxTest = 25, Arbitrary = [typeof(StorageRuns)])]
    public Property Random_blocks_leave_the_RocksDB_state_equal_to_the_in_memory_state(StorageRun run)
    {
        using var directory = new TempDirectory();
        var chain = new TestChain();
        using var store = chain.OpenStore(directory.Path);
        var driver = new StorageRunDriver(chain);
        foreach (var setup in chain.Setup())
        {
            store.CommitBlock(setup.Block, setup.Certificate);
        }

        var problems = new List<string>();
        foreach (var steps in run.Blocks)
        {
            var (block, certificate) = driver.NextBlock(steps);
            store.CommitBlock(block, certificate);
            if (!StoreAssert.AllState(chain.Ledger.Store).SequenceEqual(StoreAssert.AllState(store)))
            {
                problems.Add($"the states differ after height {block.Block.Header.Height}");
                break;
            }
        }

        return (problems.Count == 0).Label(string.Join(Environment.NewLine, problems) + $" (committed {driver.Committed} transactions)");
    }

    [Property(MaxTest = 50, Arbitrary = [typeof(WriteSetRuns)])]
    public Property Random_puts_and_deletes_apply_and_scan_like_the_in_memory_state(WriteSetRun run)
    {
        using var directory = new TempDirectory();
        using var rocks = RocksDbState.Open(directory.Path);
        var memory = new InMemoryState();
        foreach (var changes in run.WriteSets)
        {
            var set = WriteSetRun.ToWriteSet(changes);
            rocks.Apply(set);
            memory.Apply(set);
        }

        var same = StoreAssert.Hex(memory.Entries).SequenceEqual(StoreAssert.Hex(rocks.Scan([])));
        var scanned = StoreAssert.Hex(ExpectedScan(memory, run.Prefix, run.After, run.Limit))
            .SequenceEqual(StoreAssert.Hex(rocks.Scan(run.Prefix, run.After, run.Limit)));
        var gets = memory.Entries.All(e => rocks.Get(e.Key)!.AsSpan().SequenceEqual(e.Value));
        return (same && scanned && gets).Label($"entries {same}, scan {scanned}, gets {gets}");
    }

    private static IEnumerable<KeyValuePair<byte[], byte[]>> ExpectedScan(InMemoryState memory, byte[] prefix, byte[]? after, int limit) =>
        memory.WithPrefix(prefix)
            .Where(e => after is null || ByteKeyComparer.Instance.Compare(e.Key, after) > 0)
            .Take(limit);
}

/// <summary>What a random step asks for; the driver turns it into an envelope against the chain so far.</summary>
public enum StorageStepKind
{
    Issue,
    Transfer,
    RequestCancellation,
    ApproveCancellation,
    DeclineCancellation,
}

public sealed record StorageStep(StorageStepKind Kind, int A, int B, int C)
{
    public override string ToString() => $"{Kind}({A},{B},{C})";
}

public sealed record StorageRun(IReadOnlyList<IReadOnlyList<StorageStep>> Blocks)
{
    public override string ToString() => string.Join(" | ", Blocks.Select(b => string.Join(", ", b)));
}

public static class StorageRuns
{
    /// <summary>Envelopes expire 100 heights after the TestLedger signs them; runs stay well inside that.</summary>
    public const int BlocksMax = 12;

    private static readonly Gen<StorageStep> Step =
        Gen.Elements(Enum.GetValues<StorageStepKind>())
            .SelectMany(kind => Gen.Choose(0, 1_000).Three().Select(t => new StorageStep(kind, t.Item1, t.Item2, t.Item3)));

    public static Arbitrary<StorageRun> Runs() => Arb.From(
        Gen.Choose(0, 4).SelectMany(size => Step.ListOf(size)).Select(b => (IReadOnlyList<StorageStep>)b.ToList())
            .ListOf().Select(blocks => new StorageRun(blocks.Take(BlocksMax).ToList())),
        run => Enumerable.Range(0, run.Blocks.Count).Select(i => new StorageRun(run.Blocks.Where((_, j) => j != i).ToList())));
}

/// <summary>Interprets steps against the chain so far: which batches exist, which cancellations wait.</summary>
public sealed class StorageRunDriver(TestChain chain)
{
    private static readonly string[] Holders = ["owner-1", "trader-1"];
    private readonly List<string> _batches = [];
    private readonly List<string> _pending = [];

    public int Committed { get; private set; }

    public (Ledger.Core.Chain.ExecutedBlock Block, CommitCertificate Certificate) NextBlock(IReadOnlyList<StorageStep> steps)
    {
        var next = chain.Next(steps.Select(Plan).OfType<Envelope>().ToArray());
        var block = next.Block;
        for (var i = 0; i < block.Block.Transactions.Count; i++)
        {
            Learn(TransactionBody.Parser.ParseFrom(block.Block.Transactions[i].Body).KindCase, block.Execution.Receipts[i]);
        }

        Committed += block.Block.Transactions.Count;
        return next;
    }

    private Envelope? Plan(StorageStep step) => step.Kind switch
    {
        StorageStepKind.Issue => chain.Issue((uint)(step.A % 200), (uint)(step.B % 10), 1 + ((ulong)step.C * 1_000), (byte)(step.A + step.B)),
        StorageStepKind.Transfer when _batches.Count > 0 =>
            chain.Transfer(Holders[step.A % 2], Holders[(step.A + 1) % 2], _batches[step.B % _batches.Count], 1 + ((ulong)step.C * 500)),
        StorageStepKind.RequestCancellation when _batches.Count > 0 =>
            chain.RequestCancellation(Holders[step.A % 2], _batches[step.B % _batches.Count], 1 + ((ulong)step.C * 100)),
        StorageStepKind.ApproveCancellation when _pending.Count > 0 => chain.ApproveCancellation(_pending[step.A % _pending.Count]),
        StorageStepKind.DeclineCancellation when _pending.Count > 0 => chain.DeclineCancellation(_pending[step.A % _pending.Count]),
        _ => null,
    };

    private void Learn(TransactionBody.KindOneofCase kind, Receipt receipt)
    {
        switch (kind)
        {
            case TransactionBody.KindOneofCase.IssueProjectReductions:
                _batches.Add(receipt.Attribute("batch_id"));
                break;
            case TransactionBody.KindOneofCase.RequestCancellation:
                _pending.Add(receipt.Attribute("cancellation_id"));
                break;
            case TransactionBody.KindOneofCase.ApproveCancellation or TransactionBody.KindOneofCase.DeclineCancellation:
                _pending.Remove(receipt.Attribute("cancellation_id"));
                break;
        }
    }
}

/// <summary>Write sets over a small key alphabet, so puts, overwrites and deletes of the same keys are common.</summary>
public sealed record WriteSetRun(IReadOnlyList<IReadOnlyList<(byte[] Key, byte[]? Value)>> WriteSets, byte[] Prefix, byte[]? After, int Limit)
{
    /// <summary>One of the run's write sets as a WriteSet: a null value deletes the key.</summary>
    public static WriteSet ToWriteSet(IReadOnlyList<(byte[] Key, byte[]? Value)> changes)
    {
        var set = new WriteSet();
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                set.Delete(key);
            }
            else
            {
                set.Put(key, value);
            }
        }

        return set;
    }

    public override string ToString() =>
        $"{WriteSets.Count} write sets; scan prefix {Convert.ToHexString(Prefix)} after {(After is null ? "-" : Convert.ToHexString(After))} limit {Limit}: "
        + string.Join(" | ", WriteSets.Select(w => string.Join(",", w.Select(e => Convert.ToHexString(e.Key) + "=" + (e.Value is null ? "del" : Convert.ToHexString(e.Value))))));
}

public static class WriteSetRuns
{
    private static readonly Gen<byte[]> Key = Gen.Elements<byte>(0x00, 0x01, 0x02, 0xff).ArrayOf().Where(k => k.Length is > 0 and <= 4);

    private static readonly Gen<byte[]?> Value = Gen.Frequency(
        (1, Gen.Constant<byte[]?>(null)),
        (3, Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf().Select(v => (byte[]?)v)));

    private static readonly Gen<IReadOnlyList<(byte[] Key, byte[]? Value)>> Changes =
        Key.SelectMany(k => Value.Select(v => (k, v))).ListOf().Select(l => (IReadOnlyList<(byte[] Key, byte[]? Value)>)l.ToList());

    public static Arbitrary<WriteSetRun> Runs() => Arb.From(
        from writeSets in Changes.ListOf()
        from prefix in Gen.Elements<byte>(0x00, 0x01, 0xff).ArrayOf().Where(p => p.Length <= 2)
        from after in Gen.Frequency((1, Gen.Constant<byte[]?>(null)), (2, Key.Select(k => (byte[]?)k)))
        from limit in Gen.Choose(0, 20)
        select new WriteSetRun(writeSets.ToList(), prefix, after, limit));
}

/// <summary>The property is only as good as what it reaches: a fixed-seed sample must commit every kind of step.</summary>
public sealed class StorageRunCoverage
{
    [Fact]
    public void Generated_runs_commit_issuances_transfers_and_cancellations()
    {
        var kinds = new HashSet<TransactionBody.KindOneofCase>();
        foreach (var run in StorageRuns.Runs().Generator.Sample(20, new FsCheck.Rnd(20251124UL, 1UL), 20))
        {
            var chain = new TestChain();
            chain.Setup().ToList();
            var driver = new StorageRunDriver(chain);
            foreach (var steps in run.Blocks)
            {
                var (block, _) = driver.NextBlock(steps);
                kinds.UnionWith(block.Block.Transactions.Select(t => TransactionBody.Parser.ParseFrom(t.Body).KindCase));
            }
        }

        Assert.Superset(
            new HashSet<TransactionBody.KindOneofCase>
            {
                TransactionBody.KindOneofCase.IssueProjectReductions,
                TransactionBody.KindOneofCase.Transfer,
                TransactionBody.KindOneofCase.RequestCancellation,
                TransactionBody.KindOneofCase.ApproveCancellation,
                TransactionBody.KindOneofCase.DeclineCancellation,
            },
            kinds);
    }
}

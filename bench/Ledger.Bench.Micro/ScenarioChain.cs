using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Bench.Micro;

/// <summary>
/// A scenario ready to take records, in memory: the company, an approved scenario, and
/// <see cref="PriorChunks"/> chunks already committed (so state holds their dedup keys and custody
/// records). <see cref="Chunks"/> are signed chunks of <see cref="RecordsPerChunk"/> records for the
/// next block, shaped as the `scenario` bench sends them: metro rides and bike trips, each chunk's
/// records by distinct users, each user appearing in several chunks.
/// </summary>
public sealed class ScenarioChain
{
    public const int RecordsPerChunk = 600;
    public const int PriorChunks = 20;
    public const int ChunksCount = 33;
    private const string Company = "company-1";
    private const string ScenarioId = "S-1";
    private const int Users = 10_000;

    public ScenarioChain()
    {
        Ledger = new TestLedger();
        Ledger.ApproveScenario(ScenarioId, Company);
        for (var c = 0; c < PriorChunks; c++)
        {
            TestLedger.Committed(Ledger.ApplyBlock(Chunk(c))[0]);
        }

        Chunks = Enumerable.Range(PriorChunks, ChunksCount).Select(Chunk).ToArray();
    }

    public TestLedger Ledger { get; }

    public Envelope[] Chunks { get; }

    public BlockContext NextContext => new(Ledger.Height + 1, Ledger.TimeMs + 1_000);

    private Envelope Chunk(int chunkIndex)
    {
        var records = Enumerable.Range(chunkIndex * RecordsPerChunk, RecordsPerChunk)
            .Select(i => Scenarios.Record(Company, i % Users, i % 5 == 0 ? "bike" : "metro", i % 5 == 0 ? (ulong)(1 + (i % 7)) : 1, $"event-{i}", $"consent-{i % Users}"));
        return Ledger.Sign(Company, Scenarios.Chunk(ScenarioId, Scenarios.Day, (uint)chunkIndex, records));
    }
}

using System.Diagnostics.Metrics;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Integration.Tests.ClientLimits;
using Ledger.Node.Observability;

namespace Ledger.Integration.Tests;

/// <summary>D56: a committed block's size and the time from its header to its commit, as NodeMetrics records them.</summary>
public sealed class BlockMetricsTests
{
    [Fact]
    public void A_commit_records_the_block_size_and_the_seconds_since_its_header_never_negative()
    {
        var clock = new ManualClock();
        using var meters = new OwnMeters();
        var metrics = new NodeMetrics(meters, clock);
        var seen = new List<(string Name, double Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this test's meter: other tests' NodeMetrics share the meter's name.
            if (ReferenceEquals(instrument.Meter, meters.Created) && instrument.Name is "ledger_block_transactions" or "ledger_proposal_to_commit")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen.Add((instrument.Name, value)));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => seen.Add((instrument.Name, value)));
        listener.Start();

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        metrics.BlockCommitted(Block(now - 750, transactions: 3));
        // A proposer whose clock runs ahead of this node's: recorded as 0, not a negative time.
        metrics.BlockCommitted(Block(now + 5_000, transactions: 0));

        Assert.Equal(
            [("ledger_block_transactions", 3), ("ledger_proposal_to_commit", 0.75), ("ledger_block_transactions", 0), ("ledger_proposal_to_commit", 0)],
            seen);
    }

    private sealed class OwnMeters : IMeterFactory
    {
        public Meter? Created { get; private set; }

        public Meter Create(MeterOptions options) => Created = new Meter(options);

        public void Dispose() => Created?.Dispose();
    }

    private static ExecutedBlock Block(long timeMs, int transactions)
    {
        var block = new Block { Header = new BlockHeader { Height = 7, TimeMs = timeMs } };
        for (var i = 0; i < transactions; i++)
        {
            block.Transactions.Add(new Envelope());
        }

        return new ExecutedBlock(block, null!, new byte[32]);
    }
}

using Ledger.Client;

namespace Ledger.Bench;

/// <summary>One committed transfer of the open loop: when it was submitted (Unix ms), how long until the client saw its commit, and where.</summary>
public sealed record OpenSample(long StartedAtMs, double LatencyMs, ulong Height);

/// <summary>
/// Where an open loop's submit-to-commit time went (D56), from what a client can see: a block header's time is the
/// proposer's clock when it began building the block (one machine, one clock), so each commit splits into the
/// wait before the proposal that took it (admission, the mempool, the height before) and the rest (building,
/// sending and executing the proposal, two rounds of votes, the commit, the reply). Per block: its size, the
/// interval to the next block's header, its round, and how long after the build began the first client saw it.
/// </summary>
public static class LatencyBreakdown
{
    public static async Task<IReadOnlyList<string>> DescribeAsync(LedgerClient client, IReadOnlyCollection<OpenSample> samples)
    {
        if (samples.Count == 0)
        {
            return ["breakdown: no commits"];
        }

        var heights = samples.Select(s => s.Height).Distinct().Order().ToList();
        var blocks = new Dictionary<ulong, (long TimeMs, int Transactions, uint Round)>();
        for (var height = heights[0]; height <= heights[^1] + 1; height++)
        {
            try
            {
                if (await client.GetBlockAsync(height) is { Block.Header: { } header } reply)
                {
                    blocks[height] = (header.TimeMs, reply.Block.Transactions.Count, reply.Certificate?.Round ?? 0);
                }
            }
            catch (LedgerClientException)
            {
                // A block larger than the node's message limit: left out of the breakdown.
            }
        }

        var split = samples.Where(s => blocks.ContainsKey(s.Height))
            .Select(s => (s.LatencyMs, Wait: (double)(blocks[s.Height].TimeMs - s.StartedAtMs), Sample: s))
            .Select(x => (x.LatencyMs, x.Wait, After: x.LatencyMs - x.Wait))
            .OrderBy(x => x.LatencyMs)
            .ToList();
        var lines = new List<string>();
        if (split.Count > 0)
        {
            var tail = split.Skip((int)(split.Count * 0.99)).ToList();
            lines.Add(($"breakdown: {split.Count:N0} commits in {blocks.Count} blocks; wait before the proposal that took it p50 {Percentile(split.Select(x => x.Wait), 0.5):0} ms, p99 {Percentile(split.Select(x => x.Wait), 0.99):0} ms; " +
                                $"proposal to reply p50 {Percentile(split.Select(x => x.After), 0.5):0} ms, p99 {Percentile(split.Select(x => x.After), 0.99):0} ms; " +
                                $"the slowest 1 % ({tail.Count}): wait {tail.Average(x => x.Wait):0} ms + proposal to reply {tail.Average(x => x.After):0} ms on average"));
        }

        // Per block: how long after its build began the first client saw it committed, and the gap to the next block.
        var firstSeen = samples.GroupBy(s => s.Height).ToDictionary(g => g.Key, g => g.Min(s => s.StartedAtMs + s.LatencyMs));
        var rows = blocks.Keys.Order().Where(h => blocks.ContainsKey(h + 1) && firstSeen.ContainsKey(h))
            .Select(h => (Size: (double)blocks[h].Transactions, Interval: (double)(blocks[h + 1].TimeMs - blocks[h].TimeMs), Seen: firstSeen[h] - blocks[h].TimeMs, blocks[h].Round))
            .ToList();
        if (rows.Count > 0)
        {
            lines.Add(($"blocks: {rows.Count} measured; transactions p50 {Percentile(rows.Select(r => r.Size), 0.5):0}, max {rows.Max(r => r.Size):0}; " +
                                $"header to next header p50 {Percentile(rows.Select(r => r.Interval), 0.5):0} ms, max {rows.Max(r => r.Interval):0} ms; " +
                                $"build start to first reply p50 {Percentile(rows.Select(r => r.Seen), 0.5):0} ms, max {rows.Max(r => r.Seen):0} ms; {rows.Count(r => r.Round > 0)} decided after round 0"));
        }

        return lines;
    }

    private static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    }
}

using Ledger.Node.Options;
using Ledger.Node.Services;
using Microsoft.Extensions.Options;

namespace Ledger.Integration.Tests.ClientLimits;

/// <summary>The token bucket per connection and the stream counts (D29), on a clock that moves only when told.</summary>
public sealed class RateAndStreamLimiterTests
{
    private readonly ManualClock _clock = new();

    [Fact]
    public void A_connection_gets_its_burst_then_the_rate_and_never_more()
    {
        var limiter = Limiter(perSecond: 10, burst: 5);
        Assert.Equal(5, Enumerable.Range(0, 20).Count(_ => limiter.TryAcquire("c1")));

        _clock.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(limiter.TryAcquire("c1"));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(limiter.TryAcquire("c1"));
        Assert.False(limiter.TryAcquire("c1"));

        // Ten seconds idle refill only up to the burst.
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(5, Enumerable.Range(0, 20).Count(_ => limiter.TryAcquire("c1")));
    }

    [Fact]
    public void Over_a_long_run_a_connection_averages_the_rate()
    {
        var limiter = Limiter(perSecond: 100, burst: 10);
        var admitted = 0;
        for (var step = 0; step < 10_000; step++)
        {
            // A client trying every millisecond for ten seconds.
            admitted += limiter.TryAcquire("greedy") ? 1 : 0;
            _clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.InRange(admitted, 1_000, 1_010);
    }

    [Fact]
    public void Connections_have_buckets_of_their_own()
    {
        var limiter = Limiter(perSecond: 1, burst: 2);
        Assert.True(limiter.TryAcquire("a"));
        Assert.True(limiter.TryAcquire("a"));
        Assert.False(limiter.TryAcquire("a"));
        Assert.True(limiter.TryAcquire("b"));
        Assert.Equal(TimeSpan.FromSeconds(1), limiter.RetryAfter("a"));
        Assert.Equal(TimeSpan.Zero, limiter.RetryAfter("b"));
    }

    [Fact]
    public void The_buckets_kept_are_bounded_and_a_busy_bucket_outlives_idle_ones()
    {
        var limiter = Limiter(perSecond: 1, burst: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(limiter.TryAcquire("busy"));
        }

        for (var i = 1; i < SubmissionRateLimiter.ConnectionsTrackedMax; i++)
        {
            Assert.True(limiter.TryAcquire($"c{i}"));
        }

        Assert.Equal(SubmissionRateLimiter.ConnectionsTrackedMax, limiter.Tracked);

        // 1.5 s later the one-token users are full again (the same as forgotten); "busy" is not.
        _clock.Advance(TimeSpan.FromMilliseconds(1_500));
        Assert.True(limiter.TryAcquire("newcomer"));
        Assert.Equal(2, limiter.Tracked);

        // "busy" kept its 1.5 tokens: forgetting it would have handed it a fresh burst of 3.
        Assert.True(limiter.TryAcquire("busy"));
        Assert.False(limiter.TryAcquire("busy"));
    }

    [Fact]
    public void Streams_are_bounded_per_connection_and_per_address_and_closing_frees_a_place()
    {
        var limiter = new StreamLimiter(Options.Create(new NodeOptions { StreamsPerConnectionMax = 2, StreamsPerAddressMax = 3 }));
        var first = limiter.TryOpen("conn-1", "10.0.0.1").Lease!;
        Assert.NotNull(limiter.TryOpen("conn-1", "10.0.0.1").Lease);
        var (refused, reason) = limiter.TryOpen("conn-1", "10.0.0.1");
        Assert.Null(refused);
        Assert.Contains("this connection", reason);

        Assert.NotNull(limiter.TryOpen("conn-2", "10.0.0.1").Lease);
        Assert.Contains("address 10.0.0.1", limiter.TryOpen("conn-3", "10.0.0.1").Refusal);
        Assert.NotNull(limiter.TryOpen("conn-3", "10.0.0.2").Lease);

        first.Dispose();
        first.Dispose();
        Assert.Equal(2, limiter.OpenFrom("10.0.0.1"));
        Assert.NotNull(limiter.TryOpen("conn-1", "10.0.0.1").Lease);
    }

    private SubmissionRateLimiter Limiter(int perSecond, int burst) =>
        new(_clock, Options.Create(new NodeOptions { SubmissionsPerSecondPerConnection = perSecond, SubmissionBurstPerConnection = burst }));
}

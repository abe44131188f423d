using Ledger.Node.Portal;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace Ledger.Portal.Tests;

/// <summary>/events: the height on connect, bounded by PortalLimits.EventStreamsMax, a place freed when a stream closes.</summary>
public sealed class EventStreamTests(CommittedChain story) : IClassFixture<CommittedChain>
{
    [Fact]
    public async Task Streams_past_the_limit_get_503_and_a_closed_stream_frees_its_place()
    {
        var events = new PortalEvents(story.Chain, new Lifetime());
        using var close = new CancellationTokenSource();
        var open = Enumerable.Range(0, PortalLimits.EventStreamsMax).Select(_ => Context(close.Token)).ToList();
        var streams = open.Select(events.Stream).ToList();
        await WaitUntil(() => events.Open == PortalLimits.EventStreamsMax);
        await WaitUntil(() => Body(open[0]).Contains($"event: height\ndata: {story.Chain.Head.Height}\n\n", StringComparison.Ordinal));

        var refused = Context(CancellationToken.None);
        await events.Stream(refused);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, refused.Response.StatusCode);

        await close.CancelAsync();
        await Task.WhenAll(streams);
        Assert.Equal(0, events.Open);
    }

    private static DefaultHttpContext Context(CancellationToken aborted) => new() { RequestAborted = aborted, Response = { Body = new MemoryStream() } };

    private static string Body(HttpContext context)
    {
        var stream = (MemoryStream)context.Response.Body;
        lock (stream)
        {
            return System.Text.Encoding.UTF8.GetString(stream.ToArray());
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition never held");
            await Task.Delay(20);
        }
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}

using System.Text;
using Ledger.Node.Chain;
using Microsoft.AspNetCore.Http.Features;

namespace Ledger.Node.Portal;

/// <summary>
/// /events: Server-Sent Events with the new height after each commit (NodeChain.NextCommit), for the
/// portal's script to refresh the page. At most PortalLimits.EventStreamsMax streams are open at once;
/// a stream only awaits the commit signal, so it never holds up a commit.
/// </summary>
public sealed class PortalEvents(NodeChain chain, IHostApplicationLifetime lifetime)
{
    /// <summary>A comment line this often keeps proxies from closing a quiet stream.</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    private int _open;

    public int Open => Volatile.Read(ref _open);

    public async Task Stream(HttpContext context)
    {
        if (Interlocked.Increment(ref _open) > PortalLimits.EventStreamsMax)
        {
            Interlocked.Decrement(ref _open);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "30";
            await context.Response.WriteAsync($"this node serves at most {PortalLimits.EventStreamsMax} live-update streams at once; try again later\n");
            return;
        }

        try
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-store";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
            var cancellation = stopping.Token;
            var sent = ulong.MaxValue;
            await Write(context, "retry: 3000\n\n", cancellation);
            while (!cancellation.IsCancellationRequested)
            {
                var next = chain.NextCommit;
                var height = chain.Head.Height;
                if (height != sent)
                {
                    await Write(context, $"event: height\ndata: {height}\n\n", cancellation);
                    sent = height;
                }

                try
                {
                    await next.WaitAsync(KeepAliveInterval, cancellation);
                }
                catch (TimeoutException)
                {
                    await Write(context, ": keep-alive\n\n", cancellation);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    private static async Task Write(HttpContext context, string text, CancellationToken cancellation)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellation);
        await context.Response.Body.FlushAsync(cancellation);
    }
}

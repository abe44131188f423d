using Google.Protobuf;
using Grpc.Core;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core;
using Ledger.Core.Protocol;

namespace Ledger.Integration.Tests.ClientLimits;

/// <summary>
/// Limits on one client as a real node process applies them (D29, docs/LIMITS.md), seen through the SDK:
/// the submission rate per connection, the streams per connection and per address, the message and envelope sizes.
/// </summary>
public sealed class ClientLimitTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_connection_past_its_submission_rate_gets_RATE_LIMITED_while_another_connection_is_admitted()
    {
        // One a second after a burst of three: the fourth quick submission on one connection must be refused.
        await using var node = await NodeProcess.StartAsync(extraSettings: "\"SubmissionsPerSecondPerConnection\": 1, \"SubmissionBurstPerConnection\": 3");
        await using var greedy = Participants.Client(node);
        await using var other = Participants.Client(node);
        var envelopes = new List<Envelope>();
        for (var i = 0; i < 20; i++)
        {
            envelopes.Add(await greedy.PrepareAsync(Transactions.FileMethodology($"M-rate-{i}", "Rate", MethodologyLevel.Group, "1", []), Participants.Bureau));
        }

        var results = new List<SubmitResult>();
        foreach (var envelope in envelopes)
        {
            results.Add(await greedy.TrySubmitAsync(envelope));
        }

        Assert.True(results.Take(3).All(r => r.IsAdmitted), string.Join("; ", results.Select(r => $"{r.Code} {r.Message}")));
        var limited = results.Where(r => r.Code == RejectionCode.RateLimited).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, r => Assert.Contains("not looked at", r.Message));
        Assert.All(results, r => Assert.True(r.IsAdmitted || r.Code == RejectionCode.RateLimited, $"{r.Code}: {r.Message}"));

        // SubmitAndWait takes from the same bucket, and the SDK throws the code. Refused envelopes were not
        // looked at, so they can be sent again; one that gets in simply commits.
        LedgerRejectedException? thrown = null;
        foreach (var envelope in envelopes.Where((_, i) => !results[i].IsAdmitted))
        {
            try
            {
                await greedy.SubmitAndWaitAsync(envelope);
            }
            catch (LedgerRejectedException exception)
            {
                thrown = exception;
                break;
            }
        }

        Assert.NotNull(thrown);
        Assert.Equal(RejectionCode.RateLimited, thrown.Code);
        Assert.True(thrown.IsRetryable);

        // Another connection has its own bucket.
        var committed = await other.SubmitAndWaitAsync(Transactions.FileMethodology("M-rate-other", "Rate", MethodologyLevel.Group, "1", []), Participants.Bureau);
        Assert.True(committed.IsCommitted);
    }

    [Fact]
    public async Task Streams_past_the_limits_get_TOO_MANY_STREAMS_and_a_closed_stream_frees_its_place()
    {
        await using var node = await NodeProcess.StartAsync(extraSettings: "\"StreamsPerConnectionMax\": 2, \"StreamsPerAddressMax\": 3");
        await using var first = Participants.Client(node);
        await using var second = Participants.Client(node);
        await first.SubmitAndWaitAsync(Transactions.FileMethodology("M-stream", "Streams", MethodologyLevel.Group, "1", []), Participants.Bureau);
        using var stop = new CancellationTokenSource(Generous);

        var a1 = await OpenAsync(first, stop.Token);
        var a2 = await OpenAsync(first, stop.Token);
        var perConnection = await Assert.ThrowsAsync<LedgerRejectedException>(() => OpenAsync(first, stop.Token));
        Assert.Equal(RejectionCode.TooManyStreams, perConnection.Code);
        Assert.Contains("this connection", perConnection.RejectionMessage);

        var b1 = await OpenAsync(second, stop.Token);
        var perAddress = await Assert.ThrowsAsync<LedgerRejectedException>(() => OpenAsync(second, stop.Token));
        Assert.Equal(RejectionCode.TooManyStreams, perAddress.Code);
        Assert.Contains("address", perAddress.RejectionMessage);

        // Closing a stream ends the node's call and frees its place (the node learns of it a moment later).
        await a1.Cancel.CancelAsync();
        await a1.Stream.DisposeAsync();

        var b2 = await Eventually(() => OpenAsync(second, stop.Token), stop.Token);
        foreach (var open in new[] { a2, b1, b2 })
        {
            await open.Cancel.CancelAsync();
            await open.Stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_message_over_MessageBytesMax_gets_RESOURCE_EXHAUSTED_and_an_envelope_over_its_limit_INVALID_FIELD()
    {
        await using var node = await NodeProcess.StartAsync(extraSettings: "\"MessageBytesMax\": 1048576");
        await using var client = Participants.Client(node);
        var envelope = await client.PrepareAsync(Transactions.FileMethodology("M-big", "Big", MethodologyLevel.Group, "1", []), Participants.Bureau);

        var huge = envelope.Clone();
        huge.Body = ByteString.CopyFrom(new byte[2 * 1024 * 1024]);
        var tooLarge = await Assert.ThrowsAsync<LedgerClientException>(() => client.TrySubmitAsync(huge));
        Assert.Equal(StatusCode.ResourceExhausted, tooLarge.StatusCode);

        var large = envelope.Clone();
        large.Body = ByteString.CopyFrom(new byte[Limits.EnvelopeBytesMax + 1]);
        var refused = await client.TrySubmitAsync(large);
        Assert.Equal(RejectionCode.InvalidField, refused.Code);
        Assert.Contains($"over {Limits.EnvelopeBytesMax} bytes", refused.Message);

        // The node is unharmed: the original envelope commits.
        Assert.True((await client.SubmitAndWaitAsync(envelope)).IsCommitted);
    }

    private sealed record OpenStream(IAsyncEnumerator<BlockReply> Stream, CancellationTokenSource Cancel);

    /// <summary>Opens a block stream and reads block 1 from it, so the node has certainly counted it.</summary>
    private static async Task<OpenStream> OpenAsync(LedgerClient client, CancellationToken cancellationToken)
    {
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stream = client.StreamBlocksAsync(1, cancel.Token).GetAsyncEnumerator(cancel.Token);
        try
        {
            Assert.True(await stream.MoveNextAsync());
            return new OpenStream(stream, cancel);
        }
        catch
        {
            await stream.DisposeAsync();
            cancel.Dispose();
            throw;
        }
    }

    private static async Task<T> Eventually<T>(Func<Task<T>> attempt, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await attempt();
            }
            catch (LedgerRejectedException) when (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }
}

using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Integration.Tests.Throughput;

/// <summary>
/// SubmitAndWaitStream and the SDK's SubmitStream against a real node process (D56): the same outcome for each
/// envelope as SubmitAndWait gives, the per-connection rate limit per envelope, PENDING past the node's wait, and
/// a broken or closed stream failing its waiting submissions.
/// </summary>
public sealed class SubmitStreamTests
{
    [Fact]
    public async Task Each_envelope_gets_the_outcome_SubmitAndWait_gives_it()
    {
        await using var node = await NodeProcess.StartAsync(blockIntervalMs: 200);
        await using var client = Participants.Client(node);
        var good = new List<Envelope>();
        for (var i = 0; i < 5; i++)
        {
            good.Add(await client.PrepareAsync(Transactions.FileMethodology($"M-stream-{i}", "Stream", MethodologyLevel.Group, "1", []), Participants.Bureau));
        }

        var badSignature = (await client.PrepareAsync(Transactions.FileMethodology("M-stream-bad", "Stream", MethodologyLevel.Group, "1", []), Participants.Bureau)).Clone();
        var signature = badSignature.Signatures[0].Value.ToByteArray();
        signature[0] ^= 0xFF;
        badSignature.Signatures[0].Value = ByteString.CopyFrom(signature);
        var notAllowed = await client.PrepareAsync(Transactions.FileMethodology("M-stream-operator", "Stream", MethodologyLevel.Group, "1", []), Participants.Operator);
        List<Envelope> envelopes = [.. good, badSignature, notAllowed, good[0]];

        await using var stream = client.OpenSubmitStream();
        var streamed = await Task.WhenAll(envelopes.Select(e => stream.TrySubmitAndWaitAsync(e)));
        // The same envelopes again through SubmitAndWait: a committed one is answered from the chain, so equal answers mean
        // the stream committed what SubmitAndWait would have and refused what it would have, for the same reasons.
        var unary = new List<CommitResult>();
        foreach (var envelope in envelopes)
        {
            unary.Add(await client.TrySubmitAndWaitAsync(envelope));
        }

        Assert.All(streamed.Take(5), r => Assert.True(r.IsCommitted, $"{r.Code} {r.Message}"));
        Assert.True(streamed[7].IsCommitted);
        Assert.Equal(RejectionCode.BadSignature, streamed[5].Code);
        Assert.False(streamed[6].IsCommitted);
        for (var i = 0; i < envelopes.Count; i++)
        {
            Assert.Equal((unary[i].TransactionId, unary[i].Status, unary[i].Code, unary[i].Height, unary[i].Index), (streamed[i].TransactionId, streamed[i].Status, streamed[i].Code, streamed[i].Height, streamed[i].Index));
        }
    }

    [Fact]
    public async Task Each_envelope_takes_a_rate_limit_token_and_one_not_decided_in_time_is_a_timeout()
    {
        // A burst of two, one a second after; blocks only every 30 s; the node waits 300 ms for a commit.
        await using var node = await NodeProcess.StartAsync(blockIntervalMs: 30_000, extraSettings: "\"SubmissionsPerSecondPerConnection\": 1, \"SubmissionBurstPerConnection\": 2, \"SubmitAndWaitTimeoutMs\": 300, \"BlockTransactionsTarget\": 100");
        await using var client = Participants.Client(node);
        var envelopes = new List<Envelope>();
        for (var i = 0; i < 4; i++)
        {
            envelopes.Add(await client.PrepareAsync(Transactions.FileMethodology($"M-stream-limit-{i}", "Stream", MethodologyLevel.Group, "1", []), Participants.Bureau));
        }

        await using var stream = client.OpenSubmitStream();
        var outcomes = await Task.WhenAll(envelopes.Select(async e =>
        {
            try
            {
                return (await stream.TrySubmitAndWaitAsync(e)).Code.ToString();
            }
            catch (LedgerTimeoutException)
            {
                return "timeout";
            }
        }));

        Assert.Equal([nameof(RejectionCode.RateLimited), nameof(RejectionCode.RateLimited), "timeout", "timeout"], outcomes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_request_without_an_envelope_ends_the_call_with_INVALID_ARGUMENT()
    {
        await using var node = await NodeProcess.StartAsync();
        using var channel = GrpcChannel.ForAddress(node.Url);
        using var call = new ProtocolLedger.LedgerClient(channel).SubmitAndWaitStream();

        await call.RequestStream.WriteAsync(new SubmitRequest());

        var thrown = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.InvalidArgument, thrown.StatusCode);
        Assert.Contains("envelope is required", thrown.Status.Detail);
    }

    [Fact]
    public async Task Closing_the_stream_fails_the_submissions_still_waiting_and_every_later_one()
    {
        await using var node = await NodeProcess.StartAsync(blockIntervalMs: 30_000, extraSettings: "\"BlockTransactionsTarget\": 100");
        await using var client = Participants.Client(node);
        var waiting = await client.PrepareAsync(Transactions.FileMethodology("M-stream-close", "Stream", MethodologyLevel.Group, "1", []), Participants.Bureau);
        var stream = client.OpenSubmitStream();

        var submitted = stream.TrySubmitAndWaitAsync(waiting);
        // Admitted and waiting for a block 30 s away.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await client.GetStatusAsync()).MempoolTransactions == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await stream.DisposeAsync();

        Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<LedgerClientException>(() => submitted)).StatusCode);
        Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<LedgerClientException>(() => stream.TrySubmitAndWaitAsync(waiting))).StatusCode);
    }
}

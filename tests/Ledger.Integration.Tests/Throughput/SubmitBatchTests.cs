using Google.Protobuf;
using Grpc.Core;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;

namespace Ledger.Integration.Tests.Throughput;

/// <summary>
/// SubmitBatch against a real node process (D34): one typed answer per envelope, in order, and the
/// per-connection rate limit and the per-signer mempool cap apply to each envelope as to a single Submit.
/// </summary>
public sealed class SubmitBatchTests
{
    [Fact]
    public async Task A_batch_of_good_and_bad_envelopes_gets_one_typed_answer_per_envelope_and_the_good_ones_commit()
    {
        // Blocks every 2 s, so the repeated envelope is still waiting when the batch reaches it.
        await using var node = await NodeProcess.StartAsync(blockIntervalMs: 2_000);
        await using var client = Participants.Client(node);
        var good = new List<Envelope>();
        for (var i = 0; i < 3; i++)
        {
            good.Add(await client.PrepareAsync(Transactions.FileMethodology($"M-batch-{i}", "Batch", MethodologyLevel.Group, "1", []), Participants.Bureau));
        }

        var badSignature = (await client.PrepareAsync(Transactions.FileMethodology("M-batch-bad", "Batch", MethodologyLevel.Group, "1", []), Participants.Bureau)).Clone();
        var signature = badSignature.Signatures[0].Value.ToByteArray();
        signature[0] ^= 0xFF;
        badSignature.Signatures[0].Value = ByteString.CopyFrom(signature);
        var notAllowed = await client.PrepareAsync(Transactions.FileMethodology("M-batch-operator", "Batch", MethodologyLevel.Group, "1", []), Participants.Operator);

        var results = await client.SubmitBatchAsync([good[0], badSignature, good[1], notAllowed, good[2], good[0]]);

        Assert.Equal(6, results.Count);
        Assert.True(results[0].IsAdmitted && results[2].IsAdmitted && results[4].IsAdmitted, string.Join("; ", results.Select(r => $"{r.Code} {r.Message}")));
        Assert.Equal(RejectionCode.BadSignature, results[1].Code);
        Assert.False(results[3].IsAdmitted);
        Assert.NotEqual(RejectionCode.Unspecified, results[3].Code);
        Assert.Contains("already waiting", results[5].Message);
        Assert.Equal(results[0].TransactionId, results[5].TransactionId);
        foreach (var envelope in good)
        {
            Assert.True((await client.SubmitAndWaitAsync(envelope)).IsCommitted);
        }
    }

    [Fact]
    public async Task Each_envelope_of_a_batch_takes_a_rate_limit_token_and_meets_the_per_signer_cap()
    {
        // A burst of four, one a second after; one signer at most two waiting; blocks only every 30 s, so nothing commits meanwhile.
        await using var node = await NodeProcess.StartAsync(blockIntervalMs: 30_000, extraSettings: "\"SubmissionsPerSecondPerConnection\": 1, \"SubmissionBurstPerConnection\": 4, \"MempoolTransactionsPerSignerMax\": 2, \"BlockTransactionsTarget\": 100");
        await using var client = Participants.Client(node);
        var envelopes = new List<Envelope>();
        for (var i = 0; i < 6; i++)
        {
            envelopes.Add(await client.PrepareAsync(Transactions.FileMethodology($"M-batch-limit-{i}", "Batch", MethodologyLevel.Group, "1", []), Participants.Bureau));
        }

        var results = await client.SubmitBatchAsync(envelopes);

        var codes = results.Select(r => r.Code).ToList();
        Assert.True(codes.SequenceEqual([RejectionCode.Unspecified, RejectionCode.Unspecified, RejectionCode.MempoolSignerFull, RejectionCode.MempoolSignerFull, RejectionCode.RateLimited, RejectionCode.RateLimited]), string.Join(", ", codes));
        Assert.Contains("not looked at", results[5].Message);
    }

    [Fact]
    public async Task A_batch_over_the_envelope_count_limit_is_INVALID_ARGUMENT()
    {
        await using var node = await NodeProcess.StartAsync();
        await using var client = Participants.Client(node);
        var envelope = await client.PrepareAsync(Transactions.FileMethodology("M-batch-many", "Batch", MethodologyLevel.Group, "1", []), Participants.Bureau);

        var thrown = await Assert.ThrowsAsync<LedgerClientException>(() => client.SubmitBatchAsync(Enumerable.Repeat(envelope, 1_001).ToList()));

        Assert.Equal(StatusCode.InvalidArgument, thrown.StatusCode);
        Assert.Contains("at most 1000 envelopes", thrown.Message);
    }
}

using Google.Protobuf;
using Grpc.Core;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Client.Tests;

/// <summary>The client's gRPC paths against an in-process fake node.</summary>
public sealed class LedgerClientTests : IAsyncLifetime
{
    private static readonly TimeSpan WaitMax = TimeSpan.FromSeconds(10);
    private FakeNode _node = null!;
    private LedgerClient _client = null!;

    private FakeLedgerService Service => _node.Service;

    public async Task InitializeAsync()
    {
        _node = await FakeNode.StartAsync();
        _client = _node.Client();
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task Not_found_is_null()
    {
        Assert.Null(await _client.GetTransactionAsync(new string('a', 64)));
        Assert.Null(await _client.GetBlockAsync(7));
        Assert.Null(await _client.GetBatchAsync("ORD-P-P-1-2025-01-01-2025-03-31"));
        Assert.Null(await _client.GetParticipantAsync("nobody"));
        Assert.Null(await _client.GetProjectAsync("P-404"));
        Assert.Null(await _client.GetMethodologyAsync("M-404"));
        Assert.Null(await _client.GetCancellationAsync(new string('c', 64)));
        Assert.Empty(await _client.GetBalancesAsync("nobody"));
    }

    [Fact]
    public async Task A_transaction_the_node_calls_unknown_is_null_and_a_pending_one_is_returned()
    {
        var pending = new string('b', 64);
        Service.OnGetTransaction = id => new TransactionReply
        {
            TransactionId = ByteString.CopyFrom(id),
            Status = Convert.ToHexStringLower(id) == pending ? TransactionStatus.Pending : TransactionStatus.Unknown,
        };

        Assert.Null(await _client.GetTransactionAsync(new string('a', 64)));
        Assert.Equal(TransactionStatus.Pending, (await _client.GetTransactionAsync(pending))!.Status);
        await Assert.ThrowsAsync<ArgumentException>(() => _client.GetTransactionAsync("not hex"));
    }

    [Fact]
    public async Task Found_records_and_lists_come_back()
    {
        foreach (var id in new[] { "a-1", "b-2", "c-3" })
        {
            Service.Participants[id] = new ParticipantRecord { ParticipantId = id, Name = id };
        }

        Assert.Equal("b-2", (await _client.GetParticipantAsync("b-2"))!.Name);
        var page = await _client.ListParticipantsAsync(after: "a-1", limit: 1);
        Assert.Equal(["b-2"], page.Select(p => p.ParticipantId));
    }

    [Fact]
    public async Task Other_grpc_errors_surface_with_their_status_and_detail()
    {
        Service.Failure = new RpcException(new Status(StatusCode.PermissionDenied, "not on this node"));

        var exception = await Assert.ThrowsAsync<LedgerClientException>(() => _client.GetParticipantAsync("someone"));

        Assert.Equal(StatusCode.PermissionDenied, exception.StatusCode);
        Assert.Equal("not on this node", exception.Detail);
    }

    [Fact]
    public async Task A_refusal_named_in_the_rejection_code_trailer_is_a_typed_rejection()
    {
        Service.Failure = new RpcException(
            new Status(StatusCode.ResourceExhausted, "this connection already has 16 streams open"),
            new Metadata { { LedgerClient.RejectionCodeTrailer, "REJECTION_CODE_TOO_MANY_STREAMS" } });
        var refused = await Assert.ThrowsAsync<LedgerRejectedException>(() => _client.GetParticipantAsync("someone"));
        Assert.Equal(RejectionCode.TooManyStreams, refused.Code);
        Assert.Equal("this connection already has 16 streams open", refused.RejectionMessage);
        Assert.True(refused.IsRetryable);

        // A name this SDK does not know stays a plain gRPC failure.
        Service.Failure = new RpcException(new Status(StatusCode.ResourceExhausted, "later"), new Metadata { { LedgerClient.RejectionCodeTrailer, "REJECTION_CODE_FROM_THE_FUTURE" } });
        Assert.Equal(StatusCode.ResourceExhausted, (await Assert.ThrowsAsync<LedgerClientException>(() => _client.GetParticipantAsync("someone"))).StatusCode);
    }

    [Fact]
    public async Task Prepare_signs_for_the_nodes_chain_with_a_random_nonce_and_expiry_after_the_head()
    {
        Service.Status = new NodeStatus { ChainId = "ordos-main", Height = 1_000, HashAlgorithm = HashAlgorithm.Sha256 };
        var signer = new LedgerSigner("owner-1", TestKeys.For("owner-1"));

        var first = await _client.PrepareAsync(Transactions.ApproveProject("P-1"), signer);
        var second = await _client.PrepareAsync(Transactions.ApproveProject("P-1"), signer);

        Assert.Equal("ordos-main", first.ChainId);
        Assert.Equal(1_000 + LedgerClientOptions.ExpiryWindowHeightsDefault, first.ExpiryHeight);
        Assert.NotEqual(first.Nonce, second.Nonce);
        Assert.Equal("owner-1", Assert.Single(first.Signatures).Signer);
    }

    [Fact]
    public async Task The_head_height_is_reused_within_the_cache_duration_and_asked_again_without_it()
    {
        await using var cached = _node.Client(o => o.HeightCacheDuration = TimeSpan.FromMinutes(1));
        var signer = new LedgerSigner("owner-1", TestKeys.For("owner-1"));
        await cached.PrepareAsync(Transactions.ApproveProject("P-1"), signer);
        await cached.PrepareAsync(Transactions.ApproveProject("P-1"), signer);
        Assert.Equal(1, Service.StatusCalls);

        await using var uncached = _node.Client(o => { o.HeightCacheDuration = TimeSpan.Zero; o.ChainId = TestLedger.ChainId; });
        await uncached.PrepareAsync(Transactions.ApproveProject("P-1"), signer);
        await uncached.PrepareAsync(Transactions.ApproveProject("P-1"), signer);
        Assert.Equal(3, Service.StatusCalls);
    }

    [Fact]
    public async Task Callers_whose_height_cache_expired_together_share_one_status_call()
    {
        await using var client = _node.Client(o => o.ChainId = TestLedger.ChainId);
        var signer = new LedgerSigner("owner-1", TestKeys.For("owner-1"));
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Service.StatusGate = answer.Task;

        var prepares = Enumerable.Range(0, 200).Select(_ => client.PrepareAsync(Transactions.ApproveProject("P-1"), signer)).ToList();
        await WaitUntilAsync(() => Service.StatusCalls >= 1);
        answer.SetResult();
        var envelopes = await Task.WhenAll(prepares).WaitAsync(WaitMax);

        Assert.Equal(1, Service.StatusCalls);
        Assert.All(envelopes, e => Assert.Equal(41UL + LedgerClientOptions.ExpiryWindowHeightsDefault, e.ExpiryHeight));
    }

    [Fact]
    public async Task A_caller_that_gives_up_on_a_shared_status_call_does_not_cancel_it_for_the_others()
    {
        await using var client = _node.Client(o => o.ChainId = TestLedger.ChainId);
        var signer = new LedgerSigner("owner-1", TestKeys.For("owner-1"));
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Service.StatusGate = answer.Task;
        using var impatient = new CancellationTokenSource();

        var cancelled = client.PrepareAsync(Transactions.ApproveProject("P-1"), signer, impatient.Token);
        var patient = client.PrepareAsync(Transactions.ApproveProject("P-1"), signer);
        await WaitUntilAsync(() => Service.StatusCalls >= 1);
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        answer.SetResult();

        Assert.Equal(41UL + LedgerClientOptions.ExpiryWindowHeightsDefault, (await patient.WaitAsync(WaitMax)).ExpiryHeight);
        Assert.Equal(1, Service.StatusCalls);
    }

    [Fact]
    public async Task Submit_and_wait_commits_on_a_ledger_behind_the_node()
    {
        var ledger = new TestLedger();
        Service.Status = new NodeStatus { ChainId = TestLedger.ChainId, Height = ledger.Height, HashAlgorithm = HashAlgorithm.Sha256 };
        Service.OnSubmitAndWait = (envelope, _) => Task.FromResult(Apply(ledger, envelope));
        var bureau = new LedgerSigner(TestLedger.Bureau, ledger.KeyOf(TestLedger.Bureau));
        ledger.ApprovedProject("P-1", "owner-1");
        ledger.Register("trader-1", Role.Trader);
        var batchId = ledger.Issue("P-1", 20089, 20179, 1_000);

        var registered = await _client.SubmitAndWaitAsync(Transactions.RegisterParticipant("trader-2", "Trader Two", [Role.Trader], TestKeys.For("trader-2").ToPublicKey()), bureau);
        var owner = new LedgerSigner("owner-1", ledger.KeyOf("owner-1"));
        var operatorSigner = new LedgerSigner(TestLedger.Operator, ledger.KeyOf(TestLedger.Operator));
        var transferred = await _client.SubmitAndWaitAsync(Transactions.Transfer("trader-1", batchId, 300, 1_350, "CNY"), owner, [operatorSigner, new LedgerSigner("trader-1", ledger.KeyOf("trader-1"))]);

        Assert.True(registered.IsCommitted);
        Assert.Equal("trader-2", registered.Attribute("participant_id"));
        Assert.Equal(ledger.Height, transferred.Height);
        Assert.Equal(300UL, ledger.View.GetBalance("trader-1", batchId).TradableGrams);
    }

    [Fact]
    public async Task A_key_rotation_prepared_by_the_client_commits_and_the_new_key_signs_from_then_on()
    {
        var ledger = new TestLedger();
        Service.Status = new NodeStatus { ChainId = TestLedger.ChainId, Height = ledger.Height, HashAlgorithm = HashAlgorithm.Sha256 };
        Service.OnSubmitAndWait = (envelope, _) => Task.FromResult(Apply(ledger, envelope));
        ledger.Register("owner-1", Role.ProjectOwner);
        using var newKey = Keys.KeyFile.Generate(KeyAlgorithm.Sm2);

        var rotation = await _client.PrepareRotateKeyAsync(new LedgerSigner("owner-1", ledger.KeyOf("owner-1")), "owner-1", newKey);
        await _client.SubmitAndWaitAsync(rotation);
        var stale = await _client.TrySubmitAndWaitAsync(Transactions.ApplyProject("P-1", "PV", "M-1"), new LedgerSigner("owner-1", ledger.KeyOf("owner-1")));

        Assert.Equal(RejectionCode.BadSignature, stale.Code);
        Assert.Equal(newKey.ToPublicKey(), ledger.View.GetParticipant("owner-1")!.PublicKey);
    }

    [Fact]
    public async Task A_refusal_in_submit_and_wait_throws_with_its_code_and_try_returns_it()
    {
        var id = ByteString.CopyFrom(new byte[32]);
        Service.OnSubmitAndWait = (_, _) => Task.FromResult(new TransactionReply
        {
            TransactionId = id,
            Status = TransactionStatus.Refused,
            Receipt = new Receipt { TransactionId = id, Code = RejectionCode.InsufficientBalance, Message = "owner-1 holds 5 tradable grams" },
        });
        var signer = new LedgerSigner("owner-1", TestKeys.For("owner-1"));

        var exception = await Assert.ThrowsAsync<LedgerRejectedException>(() => _client.SubmitAndWaitAsync(Transactions.Transfer("t-1", "B-1", 10, 45, "CNY"), signer));
        var result = await _client.TrySubmitAndWaitAsync(Transactions.Transfer("t-1", "B-1", 10, 45, "CNY"), signer);

        Assert.Equal(RejectionCode.InsufficientBalance, exception.Code);
        Assert.Equal("owner-1 holds 5 tradable grams", exception.RejectionMessage);
        Assert.Equal(new string('0', 64), exception.TransactionId);
        Assert.False(result.IsCommitted);
        Assert.Equal((TransactionStatus.Refused, RejectionCode.InsufficientBalance), (result.Status, result.Code));
        // A refusal at admission (or from a node older than D52) is final.
        Assert.True(result.IsFinal);
        Assert.True(exception.IsFinal);
    }

    [Fact]
    public async Task A_refusal_after_admission_says_the_height_it_was_dropped_at_and_that_it_is_not_final()
    {
        var id = ByteString.CopyFrom(new byte[32]);
        Service.OnSubmitAndWait = (_, _) => Task.FromResult(new TransactionReply
        {
            TransactionId = id,
            Status = TransactionStatus.Refused,
            Receipt = new Receipt { TransactionId = id, Code = RejectionCode.InsufficientBalance, Message = "owner-1 holds 5 tradable grams" },
            DroppedAtHeight = 7,
        });
        var signer = new LedgerSigner("owner-1", TestKeys.For("owner-1"));
        var envelope = await _client.PrepareAsync(Transactions.Transfer("t-1", "B-1", 10, 45, "CNY"), signer);

        var exception = await Assert.ThrowsAsync<LedgerRejectedException>(() => _client.SubmitAndWaitAsync(envelope));
        var result = await _client.TrySubmitAndWaitAsync(envelope);

        Assert.Equal((RejectionCode.InsufficientBalance, 7UL, false), (exception.Code, exception.DroppedAtHeight ?? 0, exception.IsFinal));
        Assert.Contains($"dropped from the node's mempool at height 7, which is not final: another validator may still commit it up to height {envelope.ExpiryHeight}", exception.Message);
        Assert.Equal((TransactionStatus.Refused, 7UL, false, false), (result.Status, result.DroppedAtHeight ?? 0, result.IsFinal, result.IsCommitted));
    }

    [Fact]
    public async Task A_committed_receipt_that_carries_a_rejection_throws()
    {
        Service.OnSubmitAndWait = (envelope, _) => Task.FromResult(new TransactionReply
        {
            Status = TransactionStatus.Committed,
            Height = 9,
            Receipt = new Receipt { Code = RejectionCode.NonceReused, Message = "nonce used" },
        });
        var signer = new LedgerSigner("owner-1", TestKeys.For("owner-1"));

        var exception = await Assert.ThrowsAsync<LedgerRejectedException>(() => _client.SubmitAndWaitAsync(Transactions.ApproveProject("P-1"), signer));

        Assert.Equal(RejectionCode.NonceReused, exception.Code);
        Assert.Equal(64, exception.TransactionId.Length); // computed locally: the node sent none
    }

    [Fact]
    public async Task Submit_returns_the_id_or_throws_the_refusal_and_try_submit_returns_both()
    {
        Service.OnSubmit = envelope => envelope.Nonce % 2 == 0
            ? new SubmitReply { TransactionId = ByteString.CopyFrom(new byte[32]) }
            : new SubmitReply { TransactionId = ByteString.CopyFrom(new byte[32]), Code = RejectionCode.UnauthorizedRole, Message = "not a bureau" };
        var signer = new LedgerSigner("owner-1", TestKeys.For("owner-1"));
        var even = await Prepared(signer, nonce: 2);
        var odd = await Prepared(signer, nonce: 3);

        Assert.Equal(new string('0', 64), await _client.SubmitAsync(even));
        var exception = await Assert.ThrowsAsync<LedgerRejectedException>(() => _client.SubmitAsync(odd));
        Assert.Equal(RejectionCode.UnauthorizedRole, exception.Code);
        Assert.True((await _client.TrySubmitAsync(even)).IsAdmitted);
        Assert.Equal(RejectionCode.UnauthorizedRole, (await _client.TrySubmitAsync(odd)).Code);
    }

    [Fact]
    public async Task A_node_side_deadline_is_a_timeout_naming_the_transaction()
    {
        Service.OnSubmitAndWait = (_, _) => throw new RpcException(new Status(StatusCode.DeadlineExceeded, "admitted but not committed after 30 s"));
        var envelope = await _client.PrepareAsync(Transactions.ApproveProject("P-1"), new LedgerSigner("bureau", TestKeys.For("bureau")));

        var exception = await Assert.ThrowsAsync<LedgerTimeoutException>(() => _client.TrySubmitAndWaitAsync(envelope));

        Assert.Equal(Envelopes.TransactionId(envelope, HashAlgorithm.Sha256), exception.TransactionId);
        Assert.Contains(exception.TransactionId, exception.Message, StringComparison.Ordinal);
        Assert.Contains("GetTransactionAsync", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_clients_own_deadline_is_a_timeout()
    {
        Service.OnSubmitAndWait = async (_, context) =>
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return new TransactionReply();
        };
        await using var impatient = _node.Client(o => o.SubmitAndWaitTimeout = TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAsync<LedgerTimeoutException>(() => impatient.SubmitAndWaitAsync(Transactions.ApproveProject("P-1"), new LedgerSigner("bureau", TestKeys.For("bureau"))));
    }

    [Fact]
    public async Task The_deadline_is_a_timeout_even_when_the_channel_throws_cancellation_for_deadlines()
    {
        Service.OnSubmitAndWait = async (_, context) =>
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return new TransactionReply();
        };
        await using var impatient = _node.Client(o =>
        {
            o.SubmitAndWaitTimeout = TimeSpan.FromMilliseconds(200);
            o.ConfigureChannel = channel => channel.ThrowOperationCanceledOnCancellation = true;
        });

        await Assert.ThrowsAsync<LedgerTimeoutException>(() => impatient.SubmitAndWaitAsync(Transactions.ApproveProject("P-1"), new LedgerSigner("bureau", TestKeys.For("bureau"))));
    }

    [Fact]
    public async Task Blocks_stream_in_order_from_the_height_asked_and_stop_on_cancellation()
    {
        for (ulong height = 1; height <= 5; height++)
        {
            Service.Blocks.Add(new BlockReply { Block = new Block { Header = new BlockHeader { Height = height } } });
        }

        using var cancellation = new CancellationTokenSource(WaitMax);
        var heights = new List<ulong>();
        var stopped = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var block in _client.StreamBlocksAsync(2, cancellation.Token))
            {
                heights.Add(block.Block.Header.Height);
                if (heights.Count == 4)
                {
                    await cancellation.CancelAsync();
                }
            }
        });

        Assert.Equal([2UL, 3UL, 4UL, 5UL], heights);
        Assert.Equal(cancellation.Token, stopped.CancellationToken);
        await Service.StreamCancelled.Task.WaitAsync(WaitMax);
    }

    [Fact]
    public async Task Cancelling_a_block_stream_while_it_waits_always_ends_in_operation_cancelled()
    {
        // Large blocks, so a cancellation often lands in the middle of reading one.
        for (ulong height = 1; height <= 8; height++)
        {
            Service.Blocks.Add(new BlockReply { Block = new Block { Header = new BlockHeader { Height = height }, Transactions = { new Envelope { Body = ByteString.CopyFrom(new byte[1_000_000]) } } } });
        }

        // However the transport reports the reset that follows, the caller sees a cancellation.
        for (var i = 0; i < 40; i++)
        {
            using var cancellation = new CancellationTokenSource();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (var block in _client.StreamBlocksAsync(1, cancellation.Token))
                {
                    if (block.Block.Header.Height == 2)
                    {
                        cancellation.Cancel();
                    }
                }
            });
        }
    }

    [Fact]
    public async Task Leaving_a_block_stream_early_ends_the_call()
    {
        Service.Blocks.Add(new BlockReply { Block = new Block { Header = new BlockHeader { Height = 1 } } });

        await foreach (var block in _client.StreamBlocksAsync(1))
        {
            Assert.Equal(1UL, block.Block.Header.Height);
            break;
        }

        await Service.StreamCancelled.Task.WaitAsync(WaitMax);
    }

    [Fact]
    public async Task A_cancelled_call_throws_operation_cancelled()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.GetStatusAsync(cancellation.Token));
    }

    [Fact]
    public async Task An_unreachable_node_is_a_client_exception()
    {
        await using var nowhere = new LedgerClient(new LedgerClientOptions { Endpoint = new Uri("http://127.0.0.1:1") });

        var exception = await Assert.ThrowsAsync<LedgerClientException>(() => nowhere.GetStatusAsync());

        Assert.Equal(StatusCode.Unavailable, exception.StatusCode);
    }

    private async Task<Envelope> Prepared(LedgerSigner signer, ulong nonce)
    {
        var envelope = await _client.PrepareAsync(Transactions.ApproveProject("P-1"), signer);
        return Envelopes.Sign(envelope.ChainId, Transactions.ApproveProject("P-1"), signer, nonce, envelope.ExpiryHeight);
    }

    private static TransactionReply Apply(TestLedger ledger, Envelope envelope)
    {
        var receipt = ledger.ApplyBlock(envelope)[0];
        return new TransactionReply
        {
            TransactionId = receipt.TransactionId,
            Status = receipt.Code == RejectionCode.Unspecified ? TransactionStatus.Committed : TransactionStatus.Refused,
            Receipt = receipt,
            Height = ledger.Height,
            Envelope = envelope,
        };
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + WaitMax;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(10);
        }
    }
}

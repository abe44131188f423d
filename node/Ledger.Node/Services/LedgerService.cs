using Google.Protobuf;
using Grpc.Core;
using Ledger.Core;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Node.Chain;
using Ledger.Node.Mempool;
using Ledger.Node.Observability;
using Ledger.Node.Options;
using Microsoft.Extensions.Options;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Node.Services;

/// <summary>The client API (DESIGN §9): decode, validate, hand to the node, map the reply. No rule lives here.</summary>
public sealed class LedgerService(
    NodeChain chain,
    Mempool.Mempool mempool,
    TransactionTracker tracker,
    SubmissionRateLimiter rateLimiter,
    SignatureCache signatureCache,
    StreamLimiter streamLimiter,
    NodeMetrics metrics,
    IOptions<NodeOptions> options,
    IHostApplicationLifetime lifetime) : ProtocolLedger.LedgerBase
{
    public const int ListLimitMax = 1_000;

    /// <summary>The most envelopes one SubmitBatch may carry (D34).</summary>
    public const int SubmitBatchEnvelopesMax = 1_000;

    /// <summary>Replies one SubmitAndWaitStream call may owe at once (D56); past it the node stops reading that call's requests.</summary>
    public const int SubmitStreamRepliesOwedMax = 10_000;

    /// <summary>The trailer that names the rejection code of a refused stream (D29): the code's proto name.</summary>
    public const string RejectionCodeTrailer = "ledger-rejection-code";

    public override Task<SubmitReply> Submit(SubmitRequest request, ServerCallContext context)
    {
        var envelope = RequireEnvelope(request);
        return Task.FromResult(RateLimited(context) ?? mempool.Admit(envelope));
    }

    /// <summary>
    /// Submit for many envelopes (D34). Each envelope takes a rate-limit token in order; those that get one
    /// have their signatures verified in parallel into the signature cache, then are admitted one by one in
    /// order, so the replies and the mempool's caps come out as if each had been submitted alone.
    /// </summary>
    public override Task<SubmitBatchReply> SubmitBatch(SubmitBatchRequest request, ServerCallContext context)
    {
        if (request.Envelopes.Count > SubmitBatchEnvelopesMax)
        {
            throw Invalid($"a batch carries at most {SubmitBatchEnvelopesMax} envelopes; this one has {request.Envelopes.Count}");
        }

        var replies = new SubmitReply?[request.Envelopes.Count];
        for (var i = 0; i < replies.Length; i++)
        {
            replies[i] = RateLimited(context);
        }

        // A signer already at its mempool cap costs no verification (D29), as in Submit.
        var state = chain.State;
        var hash = chain.Machine.Parameters.Hash;
        Parallel.For(0, replies.Length, i =>
        {
            var envelope = request.Envelopes[i];
            if (replies[i] is null && mempool.HasRoomFor(envelope.Signer))
            {
                EnvelopeVerifier.Warm(state, hash, envelope, signatureCache);
            }
        });

        var reply = new SubmitBatchReply();
        for (var i = 0; i < replies.Length; i++)
        {
            reply.Replies.Add(replies[i] ?? mempool.Admit(request.Envelopes[i]));
        }

        return Task.FromResult(reply);
    }

    public override async Task<TransactionReply> SubmitAndWait(SubmitRequest request, ServerCallContext context)
    {
        var envelope = RequireEnvelope(request);
        if (RateLimited(context) is { } limited)
        {
            return Refused(limited);
        }

        var transactionId = SignBytes.TransactionId(chain.Machine.Parameters.Hash, envelope);
        // Wait before admitting, so a commit between the two cannot be missed.
        var waiter = tracker.WaitFor(transactionId);
        var admitted = mempool.Admit(envelope);
        if (admitted.Code != RejectionCode.Unspecified)
        {
            tracker.StopWaiting(transactionId, waiter);
            return Committed(transactionId) ?? Refused(admitted);
        }

        // "Already waiting" may be a retry of a transaction that committed just before our waiter was registered.
        // A fresh admission (no message) found it uncommitted after the waiter was registered: its commit will wake the waiter.
        if (admitted.Message.Length > 0 && Committed(transactionId) is { } alreadyCommitted)
        {
            tracker.StopWaiting(transactionId, waiter);
            return alreadyCommitted;
        }

        var timeout = TimeSpan.FromMilliseconds(options.Value.SubmitAndWaitTimeoutMs);
        try
        {
            return await waiter.Task.WaitAsync(timeout, context.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"transaction {Convert.ToHexStringLower(transactionId)} is admitted but not committed after {timeout.TotalSeconds:0.#} s; ask GetTransaction later"));
        }
        finally
        {
            tracker.StopWaiting(transactionId, waiter);
        }
    }

    /// <summary>
    /// SubmitAndWait for many envelopes on one call (D56): one HTTP/2 stream instead of one per transaction. Each
    /// request is handled as SubmitAndWait would (the rate limit, the waiter registered before admission, "already
    /// waiting" checked against the committed blocks), and its reply goes out when known, in any order. At most
    /// <see cref="SubmitStreamRepliesOwedMax"/> replies are owed at once: past that the node reads no further request
    /// until one is sent. A transaction not decided within SubmitAndWaitTimeoutMs is answered PENDING.
    /// </summary>
    public override async Task SubmitAndWaitStream(IAsyncStreamReader<SubmitRequest> requestStream, IServerStreamWriter<TransactionReply> responseStream, ServerCallContext context)
    {
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var replies = System.Threading.Channels.Channel.CreateUnbounded<TransactionReply>(new() { SingleReader = true });
        using var room = new SemaphoreSlim(SubmitStreamRepliesOwedMax);
        var timeout = TimeSpan.FromMilliseconds(options.Value.SubmitAndWaitTimeoutMs);
        // Replies owed, plus one for the reading loop: the reply channel closes when the last is written and reading is over.
        var owed = 1;
        var writer = Task.Run(async () =>
        {
            await foreach (var reply in replies.Reader.ReadAllAsync(call.Token))
            {
                await responseStream.WriteAsync(reply, call.Token);
                room.Release();
            }
        });

        try
        {
            await foreach (var request in requestStream.ReadAllAsync(call.Token))
            {
                var envelope = RequireEnvelope(request);
                await room.WaitAsync(call.Token);
                Interlocked.Increment(ref owed);
                var transactionId = SignBytes.TransactionId(chain.Machine.Parameters.Hash, envelope);
                if (RateLimited(context) is { } limited)
                {
                    limited.TransactionId = ByteString.CopyFrom(transactionId);
                    Answer(Refused(limited));
                    continue;
                }

                var waiter = tracker.WaitFor(transactionId);
                var admitted = mempool.Admit(envelope);
                if (admitted.Code != RejectionCode.Unspecified)
                {
                    tracker.StopWaiting(transactionId, waiter);
                    // The client matches replies by id: a refusal that did not name it (an undecodable body) names it here.
                    if (admitted.TransactionId.IsEmpty)
                    {
                        admitted.TransactionId = ByteString.CopyFrom(transactionId);
                    }

                    Answer(Committed(transactionId) ?? Refused(admitted));
                }
                else if (admitted.Message.Length > 0 && Committed(transactionId) is { } alreadyCommitted)
                {
                    tracker.StopWaiting(transactionId, waiter);
                    Answer(alreadyCommitted);
                }
                else
                {
                    _ = AnswerWhenDecided(transactionId, waiter);
                }
            }
        }
        catch
        {
            await call.CancelAsync();
            // The writer may still be writing or releasing room: it ends before room and call are disposed.
            try
            {
                await writer;
            }
            catch (Exception)
            {
                // Cancelled, or the stream broke: the call's own failure is the one to report.
            }

            throw;
        }

        Done();
        await writer;

        async Task AnswerWhenDecided(byte[] transactionId, TaskCompletionSource<TransactionReply> waiter)
        {
            TransactionReply reply;
            try
            {
                reply = await waiter.Task.WaitAsync(timeout, call.Token);
            }
            catch (TimeoutException)
            {
                reply = new TransactionReply { TransactionId = ByteString.CopyFrom(transactionId), Status = TransactionStatus.Pending };
            }
            catch (OperationCanceledException)
            {
                // The call is over: nobody to answer.
                return;
            }
            finally
            {
                tracker.StopWaiting(transactionId, waiter);
            }

            Answer(reply);
        }

        void Answer(TransactionReply reply)
        {
            replies.Writer.TryWrite(reply);
            Done();
        }

        void Done()
        {
            if (Interlocked.Decrement(ref owed) == 0)
            {
                replies.Writer.TryComplete();
            }
        }
    }

    public override Task<TransactionReply> GetTransaction(GetTransactionRequest request, ServerCallContext context)
    {
        if (request.TransactionId.Length != 32)
        {
            throw Invalid("transaction_id must be 32 bytes");
        }

        var id = request.TransactionId.ToByteArray();
        var hex = Convert.ToHexStringLower(id);
        var reply = Committed(id)
            ?? (mempool.Contains(hex) ? new TransactionReply { TransactionId = request.TransactionId, Status = TransactionStatus.Pending } : null)
            ?? tracker.RefusedReply(hex)
            ?? new TransactionReply { TransactionId = request.TransactionId, Status = TransactionStatus.Unknown };
        return Task.FromResult(reply);
    }

    public override Task<BlockReply> GetBlock(GetBlockRequest request, ServerCallContext context) =>
        Task.FromResult(BlockAt(request.Height) ?? throw NotFound($"no block at height {request.Height}; the head is {chain.Head.Height}"));

    public override async Task StreamBlocks(StreamBlocksRequest request, IServerStreamWriter<BlockReply> responseStream, ServerCallContext context)
    {
        var connection = context.GetHttpContext().Connection;
        var (lease, refusal) = streamLimiter.TryOpen(connection.Id, connection.RemoteIpAddress?.ToString() ?? "unknown");
        if (lease is null)
        {
            metrics.Rejected(RejectionCode.TooManyStreams);
            throw new RpcException(
                new Status(StatusCode.ResourceExhausted, refusal!),
                new Metadata { { RejectionCodeTrailer, ProtoNames.Of(RejectionCode.TooManyStreams) } });
        }

        using var streamLease = lease;
        var height = Math.Max(1, request.FromHeight);
        // The stream ends when the client goes or the node stops, so a shutdown never waits on it.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var cancellation = stopping.Token;
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                var next = chain.NextCommit;
                while (height <= chain.Head.Height)
                {
                    await responseStream.WriteAsync(BlockAt(height)!, cancellation);
                    height++;
                }

                await next.WaitAsync(cancellation);
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
        }
    }

    public override Task<GetBalancesReply> GetBalances(GetBalancesRequest request, ServerCallContext context)
    {
        RequireId(request.Account, "account");
        var prefix = Prefix(StateKeys.BalanceTable, request.Account + "\0");
        var reply = new GetBalancesReply();
        reply.Balances.AddRange(chain.Store.Scan(prefix).Select(e => BalanceRecord.Parser.ParseFrom(e.Value)));
        return Task.FromResult(reply);
    }

    public override Task<GetBatchReply> GetBatch(GetBatchRequest request, ServerCallContext context) =>
        Task.FromResult(new GetBatchReply { Batch = View().GetBatch(RequireId(request.BatchId, "batch_id", Limits.BatchIdLengthMax)) ?? throw NotFound($"batch {request.BatchId} does not exist") });

    public override Task<ListBatchesReply> ListBatches(ListRequest request, ServerCallContext context) =>
        Task.FromResult(List(StateKeys.BatchTable, request, BatchRecord.Parser, (page, height) => new ListBatchesReply { Batches = { page }, Height = height }));

    public override Task<GetParticipantReply> GetParticipant(GetParticipantRequest request, ServerCallContext context) =>
        Task.FromResult(new GetParticipantReply { Participant = View().GetParticipant(RequireId(request.ParticipantId, "participant_id")) ?? throw NotFound($"participant {request.ParticipantId} is not registered") });

    public override Task<ListParticipantsReply> ListParticipants(ListRequest request, ServerCallContext context) =>
        Task.FromResult(List(StateKeys.ParticipantTable, request, ParticipantRecord.Parser, (page, height) => new ListParticipantsReply { Participants = { page }, Height = height }));

    public override Task<GetProjectReply> GetProject(GetProjectRequest request, ServerCallContext context) =>
        Task.FromResult(new GetProjectReply { Project = View().GetProject(RequireId(request.ProjectId, "project_id")) ?? throw NotFound($"project {request.ProjectId} does not exist") });

    public override Task<ListProjectsReply> ListProjects(ListRequest request, ServerCallContext context) =>
        Task.FromResult(List(StateKeys.ProjectTable, request, ProjectRecord.Parser, (page, height) => new ListProjectsReply { Projects = { page }, Height = height }));

    public override Task<GetMethodologyReply> GetMethodology(GetMethodologyRequest request, ServerCallContext context) =>
        Task.FromResult(new GetMethodologyReply { Methodology = View().GetMethodology(RequireId(request.MethodologyId, "methodology_id")) ?? throw NotFound($"methodology {request.MethodologyId} is not filed") });

    public override Task<ListMethodologiesReply> ListMethodologies(ListRequest request, ServerCallContext context) =>
        Task.FromResult(List(StateKeys.MethodologyTable, request, MethodologyRecord.Parser, (page, height) => new ListMethodologiesReply { Methodologies = { page }, Height = height }));

    public override Task<GetCancellationReply> GetCancellation(GetCancellationRequest request, ServerCallContext context) =>
        Task.FromResult(new GetCancellationReply { Cancellation = View().GetCancellation(RequireId(request.CancellationId, "cancellation_id")) ?? throw NotFound($"cancellation {request.CancellationId} does not exist") });

    public override Task<ListCancellationsReply> ListCancellations(ListRequest request, ServerCallContext context) =>
        Task.FromResult(List(StateKeys.CancellationTable, request, CancellationRecord.Parser, (page, height) => new ListCancellationsReply { Cancellations = { page }, Height = height }));

    public override Task<GetShortfallReply> GetShortfall(GetShortfallRequest request, ServerCallContext context)
    {
        var id = RequireId(request.ParticipantId, "participant_id");
        return Task.FromResult(new GetShortfallReply { Shortfall = View().GetShortfall(id) ?? new ShortfallRecord { ParticipantId = id } });
    }

    public override Task<GetCorrectionsReply> GetCorrections(GetCorrectionsRequest request, ServerCallContext context)
    {
        var batchId = RequireId(request.BatchId, "batch_id", Limits.BatchIdLengthMax);
        var view = View();
        if (view.GetBatch(batchId) is null)
        {
            throw NotFound($"batch {batchId} does not exist");
        }

        var totals = view.GetBatchCorrections(batchId) ?? new BatchCorrections { BatchId = batchId };
        return Task.FromResult(new GetCorrectionsReply { Totals = totals, Corrections = { totals.CorrectionIds.Select(id => view.GetCorrection(id)!) } });
    }

    public override Task<GetLifecycleReply> GetLifecycle(GetLifecycleRequest request, ServerCallContext context)
    {
        var id = RequireId(request.SubjectId, "subject_id");
        var head = chain.Head;
        var view = View();
        var subject = view.GetProject(id) ?? throw NotFound($"no project or scenario {id} exists");
        var reply = new GetLifecycleReply
        {
            Subject = subject,
            Objections = { Enumerable.Range(1, (int)subject.ObjectionsFiled).Select(n => view.GetObjection(id, (uint)n)!) },
            Evaluations = { Enumerable.Range(1, (int)subject.EvaluationsRecorded).Select(n => view.GetEvaluation(id, (uint)n)!) },
            MethodologyException = view.GetMethodologyException(id),
            Height = head.Height,
        };
        if (subject.NoticeStartedHeight > 0)
        {
            var calendars = new Core.Calendar.StateCalendars(view);
            var rules = chain.Machine.Parameters.Rules;
            reply.NoticeLastDay = Core.Projects.Lifecycle.NoticeLastDay(subject, rules, calendars);
            reply.NoticeElapsed = Core.Projects.Lifecycle.NoticeElapsed(subject, Core.Calendar.WorkingDays.ChinaDay(head.TimeMs), rules, calendars);
        }

        return Task.FromResult(reply);
    }

    public override Task<GetCalendarReply> GetCalendar(GetCalendarRequest request, ServerCallContext context)
    {
        if (request.Year is < Core.Calendar.CalendarHandler.YearMin or > Core.Calendar.CalendarHandler.YearMax)
        {
            throw Invalid($"year must be between {Core.Calendar.CalendarHandler.YearMin} and {Core.Calendar.CalendarHandler.YearMax}");
        }

        return Task.FromResult(new GetCalendarReply { Calendar = View().GetCalendar((int)request.Year) ?? throw NotFound($"no calendar is filed for {request.Year}; its working days are Monday to Friday") });
    }

    public override Task<GetExclusionReply> GetExclusion(GetExclusionRequest request, ServerCallContext context)
    {
        var registry = RequireId(request.Registry, "registry");
        var externalId = RequireId(request.ExternalId, "external_id");
        return Task.FromResult(new GetExclusionReply { Exclusion = View().GetExclusion(registry, externalId) ?? throw NotFound($"the bureau has recorded no {registry} {externalId}") });
    }

    public override Task<GetAuctionReply> GetAuction(GetAuctionRequest request, ServerCallContext context)
    {
        var auctionId = RequireId(request.AuctionId, "auction_id");
        var auction = View().GetAuction(auctionId) ?? throw NotFound($"auction {auctionId} does not exist");
        var bids = chain.Store.Scan(StateKeys.BidPrefix(auctionId)).Select(e => BidRecord.Parser.ParseFrom(e.Value));
        return Task.FromResult(new GetAuctionReply { Auction = auction, Bids = { bids } });
    }

    public override Task<ListAuctionsReply> ListAuctions(ListRequest request, ServerCallContext context) =>
        Task.FromResult(List(StateKeys.AuctionTable, request, AuctionRecord.Parser, (page, height) => new ListAuctionsReply { Auctions = { page }, Height = height }));

    public override Task<GetMallOfferReply> GetMallOffer(GetMallOfferRequest request, ServerCallContext context) =>
        Task.FromResult(new GetMallOfferReply { Offer = View().GetMallOffer(RequireId(request.OfferId, "offer_id")) ?? throw NotFound($"mall offer {request.OfferId} does not exist") });

    public override Task<ListMallOffersReply> ListMallOffers(ListRequest request, ServerCallContext context) =>
        Task.FromResult(List(StateKeys.MallOfferTable, request, MallOfferRecord.Parser, (page, height) => new ListMallOffersReply { Offers = { page }, Height = height }));

    public override Task<GetRedemptionReply> GetRedemption(GetRedemptionRequest request, ServerCallContext context) =>
        Task.FromResult(new GetRedemptionReply { Redemption = View().GetRedemption(RequireId(request.RedemptionId, "redemption_id")) ?? throw NotFound($"redemption {request.RedemptionId} does not exist") });

    public override Task<ListTradesReply> ListTrades(ListRequest request, ServerCallContext context) =>
        Task.FromResult(List(StateKeys.TradeTable, request, TradeRecord.Parser, (page, height) => new ListTradesReply { Trades = { page }, Height = height }));

    public override Task<CustodyStatement> GetCustodyStatement(GetCustodyStatementRequest request, ServerCallContext context)
    {
        RequireId(request.Company, "company");
        if (request.UserId.Length != Limits.BehaviourHashBytes)
        {
            throw Invalid($"user_id must be the {Limits.BehaviourHashBytes}-byte salted hash the company uses");
        }

        var view = View();
        var statement = new CustodyStatement { Company = request.Company, UserId = request.UserId };
        foreach (var entry in chain.Store.Scan(StateKeys.CustodyUser(request.Company, request.UserId.Span)).Take(ListLimitMax))
        {
            var custody = CustodyRecord.Parser.ParseFrom(entry.Value);
            var issued = view.GetBatch(custody.BatchId) is not null;
            var balance = issued ? Holdings.CustodyBalance(custody) : 0;
            statement.Entries.Add(new CustodyStatementEntry
            {
                BatchId = custody.BatchId,
                ScenarioId = custody.ScenarioId,
                Day = custody.Day,
                Issued = issued,
                EarnedGrams = custody.Grams,
                WithdrawnGrams = custody.WithdrawnGrams,
                VoidedGrams = custody.VoidedGrams,
                EscrowedGrams = custody.EscrowedGrams,
                RetiredGrams = custody.RetiredGrams,
                RedeemedGrams = custody.RedeemedGrams,
                BalanceGrams = balance,
                Quantities = { custody.Quantities },
            });
            statement.BalanceGrams += balance;
        }

        return Task.FromResult(statement);
    }

    public override Task<NodeStatus> GetStatus(GetStatusRequest request, ServerCallContext context)
    {
        // One snapshot of head and root: no block is read back, so a crowd of callers costs the node little.
        var (head, stateRoot) = chain.Current;
        return Task.FromResult(new NodeStatus
        {
            ChainId = chain.Genesis.ChainId,
            NodeId = options.Value.NodeId,
            Height = head.Height,
            LastBlockHash = ByteString.CopyFrom(head.HeaderHash),
            LastBlockTimeMs = head.TimeMs,
            // The root the head block certifies, not a live read that may already belong to the next block.
            StateRoot = stateRoot,
            Validators = { chain.CurrentValidators.Validators },
            MempoolTransactions = (uint)mempool.Count,
            HashAlgorithm = chain.Genesis.HashAlgorithm,
        });
    }

    public override Task<EvidenceList> ListEvidence(ListEvidenceRequest request, ServerCallContext context) =>
        Task.FromResult(Consensus.EvidenceStore.Read(chain.Store));

    /// <summary>
    /// D43: the validators of a committed height, from one snapshot with the head. They are the set the
    /// block's header hashes and its certificate is signed by; a certificate needs them, not today's set.
    /// </summary>
    public override Task<GetValidatorsReply> GetValidators(GetValidatorsRequest request, ServerCallContext context)
    {
        if (request.Height == 0)
        {
            throw Invalid("height must be 1 or more: height 0 (genesis) has no block and no commit certificate");
        }

        using var view = chain.AdmissionView();
        var head = view.Head.Height;
        if (request.Height > head)
        {
            throw NotFound($"no block at height {request.Height}; the head is {head}");
        }

        var validators = Core.Chain.ValidatorSchedules.At(view.State, request.Height).Validators;
        return Task.FromResult(new GetValidatorsReply { Height = request.Height, Validators = { validators } });
    }

    private BlockReply? BlockAt(ulong height)
    {
        var block = chain.Store.GetBlock(height);
        if (block is null)
        {
            return null;
        }

        return new BlockReply
        {
            Block = block,
            Receipts = { chain.Store.GetReceipts(height) ?? [] },
            Certificate = chain.Store.GetCertificate(height),
            BlockHash = ByteString.CopyFrom(Core.Chain.BlockHashing.HeaderHash(chain.Machine.Parameters.Hash, block.Header)),
        };
    }

    private TransactionReply? Committed(byte[] transactionId)
    {
        if (chain.Store.FindTransaction(transactionId) is not { } location)
        {
            return null;
        }

        var block = chain.Store.GetBlock(location.Height)!;
        return new TransactionReply
        {
            TransactionId = ByteString.CopyFrom(transactionId),
            Status = TransactionStatus.Committed,
            Receipt = chain.Store.GetReceipts(location.Height)![location.Index],
            Height = location.Height,
            Index = (uint)location.Index,
            Envelope = block.Transactions[location.Index],
        };
    }

    private static TransactionReply Refused(SubmitReply admitted)
    {
        var reply = new TransactionReply
        {
            TransactionId = admitted.TransactionId,
            Status = TransactionStatus.Refused,
            Receipt = new Receipt { TransactionId = admitted.TransactionId, Code = admitted.Code, Message = admitted.Message },
        };
        // A copy of a transaction that was waiting here and is dropped now: not final (D52).
        if (admitted.HasDroppedAtHeight)
        {
            reply.DroppedAtHeight = admitted.DroppedAtHeight;
        }

        return reply;
    }

    /// <summary>
    /// One page of a table, read from one snapshot together with the head, so the reply can name the
    /// height its records are from (a live scan and a separate head read could straddle a commit).
    /// </summary>
    private TReply List<T, TReply>(byte table, ListRequest request, MessageParser<T> parser, Func<IEnumerable<T>, ulong, TReply> reply)
        where T : IMessage<T>
    {
        var limit = request.Limit is 0 or > ListLimitMax ? ListLimitMax : (int)request.Limit;
        var after = request.After.Length == 0 ? null : Prefix(table, request.After);
        using var snapshot = chain.Store.OpenSnapshot();
        var height = snapshot.Head!.Height;
        var page = snapshot.Scan([table], after, limit).Select(e => parser.ParseFrom(e.Value)).ToList();
        return reply(page, height);
    }

    /// <summary>A RATE_LIMITED reply when this call's connection has used up its submissions, else null (D29).</summary>
    private SubmitReply? RateLimited(ServerCallContext context)
    {
        var connection = context.GetHttpContext().Connection.Id;
        if (rateLimiter.TryAcquire(connection))
        {
            return null;
        }

        metrics.Rejected(RejectionCode.RateLimited);
        var wait = rateLimiter.RetryAfter(connection);
        return new SubmitReply
        {
            Code = RejectionCode.RateLimited,
            Message = $"this connection submits faster than {options.Value.SubmissionsPerSecondPerConnection} transactions a second (bursts of {options.Value.SubmissionBurstPerConnection}); the transaction was not looked at: submit it again in {Math.Max(1, wait.TotalMilliseconds):0} ms",
        };
    }

    private LedgerState View() => new(new StateOverlay(chain.State));

    private static Envelope RequireEnvelope(SubmitRequest request) =>
        request.Envelope ?? throw Invalid("envelope is required");

    private static string RequireId(string id, string field, int lengthMax = Limits.IdLengthMax) =>
        Limits.IsValidId(id, lengthMax) ? id : throw Invalid($"{field} must be 1-{lengthMax} characters of A-Z a-z 0-9 . _ : -");

    private static byte[] Prefix(byte table, string text) => [table, .. System.Text.Encoding.UTF8.GetBytes(text)];

    private static RpcException Invalid(string reason) => new(new Status(StatusCode.InvalidArgument, reason));

    private static RpcException NotFound(string reason) => new(new Status(StatusCode.NotFound, reason));
}

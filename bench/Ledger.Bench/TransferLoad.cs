using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Client.Keys;
using Ledger.Core.Protocol;

namespace Ledger.Bench;

/// <summary>What one load phase committed and how long each commit took after its submission.</summary>
public sealed record LoadResult(long Committed, long Failed, double Seconds, ulong Blocks, IReadOnlyList<double> LatenciesMs)
{
    public double PerSecond => Committed / Seconds;

    public double Percentile(double p)
    {
        if (LatenciesMs.Count == 0)
        {
            return 0;
        }

        var sorted = LatenciesMs.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    }
}

/// <summary>
/// Signed transfers among many traders, through the SDK. Setup: a project owner with one approved project
/// and one issuance, traders registered by the operator, and a share of the batch moved to each trader.
/// Then each transfer is signed by a trader (the seller), co-signed by another trader (the buyer) and the
/// operator, and moves 1 g of the batch; balances are large, so no transfer is refused for want of grams.
/// </summary>
public sealed class TransferLoad(IReadOnlyList<LedgerClient> clients, Func<string, LedgerSigner> devnetSigner, int traders)
{
    private const ulong IssuedGrams = 1_000_000_000;
    private const uint IssuedDay = 20089; // 2025-01-01

    private readonly LedgerSigner _bureau = devnetSigner("bureau");
    private readonly LedgerSigner _operator = devnetSigner("operator");
    private readonly LedgerSigner _verifier = devnetSigner("verifier-2"); // Ed25519 (verifier-1's key is SM2)
    private readonly List<LedgerSigner> _traders = [];
    private readonly ConcurrentQueue<Envelope> _presigned = new();
    private int _setupCommitted;
    private long _signedLive;
    private long _committed;

    /// <summary>Transactions the setup committed.</summary>
    public int SetupCommitted => _setupCommitted;
    private string _batch = "";

    public async Task SetupAsync()
    {
        var client = clients[0];
        var run = DateTime.UtcNow.ToString("HHmmssfff", System.Globalization.CultureInfo.InvariantCulture);
        var owner = NewSigner($"bench-owner-{run}");
        var expert = NewSigner($"bench-expert-{run}");
        var methodology = $"M-BENCH-{run}";
        var project = $"P-BENCH-{run}";
        await Task.WhenAll(
            MustAsync(client, Transactions.RegisterParticipant(owner.ParticipantId, "Bench owner", [Role.ProjectOwner], owner.Key.ToPublicKey()), _operator),
            MustAsync(client, Transactions.RegisterParticipant(expert.ParticipantId, "Bench expert", [Role.Expert], expert.Key.ToPublicKey()), _bureau),
            MustAsync(client, Transactions.FileMethodology(methodology, "Bench photovoltaics", MethodologyLevel.Local, "1.0", ["pv"]), _bureau));
        var registrations = new List<Task>();
        for (var i = 0; i < traders; i++)
        {
            var trader = NewSigner($"bench-trader-{run}-{i}");
            _traders.Add(trader);
            registrations.Add(MustAsync(client, Transactions.RegisterParticipant(trader.ParticipantId, "Bench trader", [Role.Trader], trader.Key.ToPublicKey()), _operator));
        }

        // The devnet's development lifecycle: one favourable opinion, the notice, the bureau's approval.
        await MustAsync(client, Transactions.ApplyProject(project, "Bench rooftop PV", methodology), owner);
        await MustAsync(client, Transactions.SubmitReview(project, favourable: true, "bench"), expert);
        await MustAsync(client, Transactions.StartPublicNotice(project), _operator);
        await MustAsync(client, Transactions.Approve(project), _bureau);
        var report = SHA256.HashData(Encoding.UTF8.GetBytes($"bench {run}"));
        var issued = await MustAsync(client, Transactions.IssueProjectReductions(project, IssuedDay, IssuedDay, IssuedGrams, report, _verifier.ParticipantId), _bureau, [_verifier]);
        _batch = issued.Attribute("batch_id") ?? throw new InvalidOperationException("the issuance named no batch");
        await Task.WhenAll(registrations);
        var share = IssuedGrams / (ulong)(traders + 1);
        await Task.WhenAll(_traders.Select(trader =>
            MustAsync(client, Transactions.Transfer(trader.ParticipantId, _batch, share, 1, "CNY"), owner, [_operator, trader])));
    }

    /// <summary>Closed loop: <paramref name="workers"/> callers, each submitting its next transfer when the last committed.</summary>
    public async Task<LoadResult> ClosedLoopAsync(TimeSpan duration, int workers, long committedMax = long.MaxValue)
    {
        var latencies = new ConcurrentBag<double>();
        long failed = 0;
        var startHeight = (await clients[0].GetStatusAsync()).Height;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            while (clock.Elapsed < duration && latencies.Count < committedMax)
            {
                var started = Stopwatch.GetTimestamp();
                if (await TransferAsync(clients[worker % clients.Count], random))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        var endHeight = (await clients[0].GetStatusAsync()).Height;
        return new LoadResult(latencies.Count, failed, seconds, endHeight - startHeight, latencies.ToList());
    }

    /// <summary>
    /// Pipelined, as a high-volume client would load the ledger: presigned transfers go in SubmitBatch calls
    /// of <paramref name="batchSize"/>, spread over the nodes, keeping at most <paramref name="inFlightMax"/>
    /// admitted but uncommitted; commits are read from one node's block stream, and each transfer's latency
    /// runs from its batch's submission to the block that holds it. <paramref name="submitters"/> batches go at once.
    /// </summary>
    public async Task<LoadResult> BatchLoopAsync(TimeSpan duration, int batchSize, int inFlightMax, int submitters)
    {
        var latencies = new ConcurrentBag<double>();
        var submittedAt = new ConcurrentDictionary<string, long>();
        long failed = 0;
        var startHeight = (await clients[0].GetStatusAsync()).Height;
        var endHeight = startHeight;
        using var stop = new CancellationTokenSource();
        var progress = new SemaphoreSlim(0);
        var follower = Task.Run(async () =>
        {
            // A stream that breaks during the run is opened again after the last block seen, so one break does not end the count.
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await foreach (var block in clients[0].StreamBlocksAsync(endHeight + 1, stop.Token))
                    {
                        var now = Stopwatch.GetTimestamp();
                        foreach (var receipt in block.Receipts)
                        {
                            if (submittedAt.TryRemove(Convert.ToHexStringLower(receipt.TransactionId.Span), out var at))
                            {
                                if (receipt.Code == RejectionCode.Unspecified)
                                {
                                    latencies.Add(Stopwatch.GetElapsedTime(at, now).TotalMilliseconds);
                                    Interlocked.Increment(ref _committed);
                                }
                                else
                                {
                                    Interlocked.Increment(ref failed);
                                }
                            }
                        }

                        endHeight = block.Block.Header.Height;
                        progress.Release();
                    }
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    // The run is over; how the stream's end was reported does not matter.
                }
                catch (Exception exception)
                {
                    Console.WriteLine($"note: the block stream ended after height {endHeight} ({exception.GetType().Name}: {exception.Message}); opening it again");
                    await Task.Delay(100);
                }
            }
        });

        var clock = Stopwatch.StartNew();
        var next = 0;
        var ranOut = 0;
        await Task.WhenAll(Enumerable.Range(0, submitters).Select(_ => Task.Run(SubmitLoopAsync)));
        var seconds = clock.Elapsed.TotalSeconds;
        var committed = latencies.Count;
        await stop.CancelAsync();
        await follower;
        if (ranOut > 0)
        {
            Console.WriteLine("note: the presigned transfers ran out; raise --presign");
        }

        return new LoadResult(committed, failed, seconds, endHeight - startHeight, latencies.ToList());

        async Task SubmitLoopAsync()
        {
            while (clock.Elapsed < duration)
            {
                if (submittedAt.Count + batchSize > inFlightMax)
                {
                    await progress.WaitAsync(TimeSpan.FromMilliseconds(50));
                    continue;
                }
    
                var batch = new List<Envelope>(batchSize);
                while (batch.Count < batchSize && _presigned.TryDequeue(out var envelope))
                {
                    batch.Add(envelope);
                }
    
                if (batch.Count == 0)
                {
                    Interlocked.Exchange(ref ranOut, 1);
                    break;
                }
    
                var at = Stopwatch.GetTimestamp();
                foreach (var envelope in batch)
                {
                    submittedAt[Ledger.Client.Envelopes.TransactionId(envelope, Ledger.Core.Protocol.HashAlgorithm.Sha256)] = at;
                }
    
                var client = clients[Interlocked.Increment(ref next) % clients.Count];
                try
                {
                    foreach (var result in await client.SubmitBatchAsync(batch))
                    {
                        if (!result.IsAdmitted && submittedAt.TryRemove(result.TransactionId, out _))
                        {
                            Interlocked.Increment(ref failed);
                        }
                    }
                }
                catch (Exception exception) when (exception is LedgerClientException or LedgerRejectedException)
                {
                    foreach (var envelope in batch)
                    {
                        if (submittedAt.TryRemove(Ledger.Client.Envelopes.TransactionId(envelope, Ledger.Core.Protocol.HashAlgorithm.Sha256), out _))
                        {
                            Interlocked.Increment(ref failed);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Open loop: one transfer started every 1/<paramref name="rate"/> s whatever the replies; latency from each one's start.
    /// Each commit is also kept as an <see cref="OpenSample"/> (when it started, how long it took, the block's height) for <see cref="LatencyBreakdown"/>.
    /// </summary>
    /// <remarks>
    /// With <paramref name="streams"/> (one per client, D56) each transfer goes through its client's
    /// <see cref="SubmitStream"/> instead of a SubmitAndWait call of its own; still one signed envelope per transfer,
    /// timed from its submission to the commit reply its client receives.
    /// </remarks>
    public async Task<LoadResult> OpenLoopAsync(TimeSpan duration, double rate, ConcurrentBag<OpenSample>? samples = null, IReadOnlyList<SubmitStream>? streams = null)
    {
        var latencies = new ConcurrentBag<double>();
        long failed = 0;
        var startHeight = (await clients[0].GetStatusAsync()).Height;
        var pending = new List<Task>();
        var clock = Stopwatch.StartNew();
        var total = (long)(duration.TotalSeconds * rate);
        for (long i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            var client = clients[(int)(i % clients.Count)];
            var stream = streams?[(int)(i % clients.Count)];
            var random = new Random((int)i);
            pending.Add(Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                var startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                if (await CommittedHeightAsync(client, random, stream) is { } height)
                {
                    var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    latencies.Add(latency);
                    samples?.Add(new OpenSample(startedAt, latency, height));
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }));
        }

        await Task.WhenAll(pending);
        var seconds = clock.Elapsed.TotalSeconds;
        var endHeight = (await clients[0].GetStatusAsync()).Height;
        return new LoadResult(latencies.Count, failed, seconds, endHeight - startHeight, latencies.ToList());
    }

    /// <summary>
    /// Signs <paramref name="count"/> transfers now, on every core, for the load phases to submit: the
    /// clients of a real network sign on their own machines, so signing here, during the measured window,
    /// would charge the ledger for the client's work on the same two cores. Returns the seconds it took.
    /// </summary>
    public async Task<double> PresignAsync(int count)
    {
        var clock = Stopwatch.StartNew();
        var signed = new Envelope[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (i, cancellation) =>
        {
            var (seller, buyer) = Pair(new Random(i));
            signed[i] = await clients[0].PrepareAsync(Transactions.Transfer(buyer.ParticipantId, _batch, 1, 1, "CNY"), seller, [_operator, buyer], cancellation);
        });
        foreach (var envelope in signed)
        {
            _presigned.Enqueue(envelope);
        }

        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Transfers the closed and batch loops saw committed so far, warm-up included (for a per-slice cost, D51).</summary>
    public long Committed => Interlocked.Read(ref _committed);

    /// <summary>Transfers signed live because the presigned ones ran out (0 when the run had enough).</summary>
    public long SignedLive => Interlocked.Read(ref _signedLive);

    private (LedgerSigner Seller, LedgerSigner Buyer) Pair(Random random)
    {
        var seller = random.Next(_traders.Count);
        var buyer = (seller + 1 + random.Next(_traders.Count - 1)) % _traders.Count;
        return (_traders[seller], _traders[buyer]);
    }

    private async Task<bool> TransferAsync(LedgerClient client, Random random) => await CommittedHeightAsync(client, random) is not null;

    /// <summary>The height of the block the transfer committed in; null when it was refused or failed.</summary>
    private async Task<ulong?> CommittedHeightAsync(LedgerClient client, Random random, SubmitStream? stream = null)
    {
        try
        {
            CommitResult result;
            if (!_presigned.TryDequeue(out var envelope))
            {
                Interlocked.Increment(ref _signedLive);
                var (seller, buyer) = Pair(random);
                envelope = await client.PrepareAsync(Transactions.Transfer(buyer.ParticipantId, _batch, 1, 1, "CNY"), seller, [_operator, buyer]);
            }

            result = stream is null ? await client.TrySubmitAndWaitAsync(envelope) : await stream.TrySubmitAndWaitAsync(envelope);

            if (result.IsCommitted)
            {
                Interlocked.Increment(ref _committed);
            }

            return result.IsCommitted ? result.Height : null;
        }
        catch (Exception exception) when (exception is LedgerClientException or LedgerTimeoutException or LedgerRejectedException)
        {
            return null;
        }
    }

    private static LedgerSigner NewSigner(string participantId) => new(participantId, KeyFile.Generate(KeyAlgorithm.Ed25519));

    private async Task<CommitResult> MustAsync(LedgerClient client, TransactionBody body, LedgerSigner signer, IReadOnlyList<LedgerSigner>? coSigners = null)
    {
        var result = await client.TrySubmitAndWaitAsync(body, signer, coSigners ?? []);
        if (result.IsCommitted)
        {
            Interlocked.Increment(ref _setupCommitted);
            return result;
        }

        throw new InvalidOperationException($"setup {body.KindCase} was refused: {result.Code} {result.Message}");
    }
}

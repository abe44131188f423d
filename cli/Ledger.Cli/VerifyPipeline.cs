using System.Collections.Concurrent;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Cli;

/// <summary>
/// The pipeline of `ledger verify` (D35, D38, D50). One task reads blocks; a fixed set of worker threads,
/// one per core, checks each block's participant signatures in chunks ahead of the replay (up to
/// <see cref="TransactionsAheadMax"/> transactions); the sequential replay (<see cref="ChainVerifier"/>, the Ledger.Core
/// the nodes run) re-executes a block once its checks are done and finds, for each envelope object, the key
/// each of its signatures verified under (<see cref="PreparedTransaction"/>), read without a lock.
/// The replay still decides everything: it resolves each signer's key itself, and a signature that did not
/// verify ahead under an equal key (a bad one, or one under a key registered or rotated in a block the replay
/// had not reached when it was checked ahead) is verified by the replay itself. Every transactions root,
/// certificate and state root is checked by the replay, as before.
/// </summary>
public static class VerifyPipeline
{
    /// <summary>
    /// How many transactions are read and signature-checked ahead of the replay: 8 blocks of 2,000, or 128 of
    /// the 128 a busy solo node commits per block. A block larger than this still goes, alone.
    /// </summary>
    public const int TransactionsAheadMax = 16_384;

    /// <summary>How many blocks at most are read ahead (empty blocks cost the budget nothing).</summary>
    public const int BlocksAheadMax = 256;

    /// <summary>Envelopes a worker checks per work item: large enough to make handing out work cheap, small enough to share a block across the cores.</summary>
    public const int EnvelopesPerChunk = 64;

    /// <summary>What the replay checked: transactions, participant signatures (and how many of them were found verified ahead), certificate votes.</summary>
    public sealed record Counts(long Transactions, long Signatures, long SignaturesVerifiedAhead, long CertificateSignatures);

    /// <summary>Where the replay's time went: re-executing blocks, and waiting for blocks to be read or their checks ahead to finish.</summary>
    public sealed record Timings(double ReplaySeconds, double WaitSeconds);

    public sealed record Run(ChainVerifier.Replay Replay, ChainVerifier.Failure? Unreadable, Counts Counts, Timings Timings);

    /// <summary>
    /// Replays blocks 1, 2, … from genesis until the first failure or the end of blocks; a source that ends
    /// before head leaves the next height missing. An exception from the source after the blocks read before it
    /// is rethrown, except <see cref="Ledger.Storage.StorageCorruptionException"/>: a block altered on disk, a failure of the chain.
    /// </summary>
    public static async Task<Run> RunAsync(
        Genesis genesis, ulong head, IAsyncEnumerable<(Block Block, CommitCertificate? Certificate)?> blocks,
        Action<ulong, ulong>? progress, CancellationToken cancellation, int workers = 0)
    {
        var signatures = new ReplaySignatures();
        var replay = ChainVerifier.Start(genesis, signatures, signatures);
        var hash = genesis.HashAlgorithm is HashAlgorithm.Sha256 or HashAlgorithm.Sm3 ? NetworkHashes.For(genesis.HashAlgorithm) : null;
        ChainVerifier.Failure? unreadable = null;
        long transactions = 0, votes = 0, replaying = 0, waiting = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using var checkers = new Checkers(hash, workers > 0 ? workers : Environment.ProcessorCount, stop.Token);
        var ahead = System.Threading.Channels.Channel.CreateBounded<AheadBlock>(
            new System.Threading.Channels.BoundedChannelOptions(BlocksAheadMax) { SingleReader = true, SingleWriter = true });
        using var budget = new Budget();
        var reader = Task.Run(() => ReadAheadAsync(blocks, replay, checkers, budget, ahead.Writer, stop.Token), CancellationToken.None);
        try
        {
            var waited = System.Diagnostics.Stopwatch.GetTimestamp();
            await foreach (var block in ahead.Reader.ReadAllAsync(cancellation))
            {
                await block.Checked;
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                waiting += started - waited;
                budget.Give(block.Transactions);
                signatures.Use(block);
                var failed = replay.FirstFailure is not null || replay.Add(block.Stored) is not null;
                signatures.Done(block);
                waited = System.Diagnostics.Stopwatch.GetTimestamp();
                replaying += waited - started;
                if (failed)
                {
                    break;
                }

                var (stored, certificate) = block.Stored!.Value;
                transactions += stored.Transactions.Count;
                votes += (certificate?.Signatures.Count ?? 0) + (stored.LastCommit?.Signatures.Count ?? 0);
                progress?.Invoke(replay.Head.Height, head);
            }
        }
        catch (Ledger.Storage.StorageCorruptionException exception)
        {
            // A stored block whose bytes no longer parse was altered on disk: a failure of the chain, not of the tool.
            unreadable = new ChainVerifier.Failure(replay.Head.Height + 1, "block unreadable: " + exception.Message);
        }
        finally
        {
            await stop.CancelAsync();
            await reader;
            checkers.Complete();
        }

        cancellation.ThrowIfCancellationRequested();
        if (replay.FirstFailure is null && unreadable is null && replay.Head.Height < head)
        {
            replay.Add(null);
        }

        var timings = new Timings(
            Math.Round((double)replaying / System.Diagnostics.Stopwatch.Frequency, 3), Math.Round((double)waiting / System.Diagnostics.Stopwatch.Frequency, 3));
        return new Run(replay, unreadable, new Counts(transactions, signatures.Looked + signatures.Found, signatures.Found, votes), timings);
    }

    /// <summary>
    /// Reads blocks in order into writer, each with its signature checks handed to the workers against the
    /// replay's latest state (read once per signer and block). An exception from the source ends the
    /// channel with it, after the blocks read before it.
    /// </summary>
    private static async Task ReadAheadAsync(
        IAsyncEnumerable<(Block Block, CommitCertificate? Certificate)?> blocks, ChainVerifier.Replay replay, Checkers checkers, Budget budget,
        System.Threading.Channels.ChannelWriter<AheadBlock> writer, CancellationToken stop)
    {
        Exception? error = null;
        try
        {
            await foreach (var stored in blocks.WithCancellation(stop))
            {
                var block = new AheadBlock(stored);
                await budget.TakeAsync(block.Transactions, stop);
                checkers.Check(block, replay.State);
                await writer.WriteAsync(block, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The replay stopped reading (a failure, or the caller cancelled).
        }
        catch (Exception exception)
        {
            error = exception;
        }

        writer.TryComplete(error);
    }

    /// <summary>A block read ahead: what was stored, what its workers built and verified, and when its checks are done.</summary>
    private sealed class AheadBlock((Block Block, CommitCertificate? Certificate)? stored)
    {
        private readonly TaskCompletionSource _checked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _chunksLeft;

        public (Block Block, CommitCertificate? Certificate)? Stored { get; } = stored;

        public int Transactions => Stored?.Block.Transactions.Count ?? 0;

        /// <summary>Each envelope's sign bytes, transaction id and signature verdicts as its worker built them (null where it built none), for the replay.</summary>
        public PreparedTransaction?[] Prepared { get; } = new PreparedTransaction?[stored?.Block.Transactions.Count ?? 0];

        public Task Checked => _checked.Task;

        public void Expect(int chunks)
        {
            _chunksLeft = chunks;
            if (chunks == 0)
            {
                _checked.TrySetResult();
            }
        }

        public void ChunkDone()
        {
            if (Interlocked.Decrement(ref _chunksLeft) == 0)
            {
                _checked.TrySetResult();
            }
        }
    }

    /// <summary>Transactions read ahead and not yet replayed, at most <see cref="TransactionsAheadMax"/> (or one larger block alone).</summary>
    private sealed class Budget : IDisposable
    {
        private readonly SemaphoreSlim _freed = new(0);
        private int _ahead;

        public async Task TakeAsync(int transactions, CancellationToken stop)
        {
            while (Volatile.Read(ref _ahead) > 0 && Volatile.Read(ref _ahead) + transactions > TransactionsAheadMax)
            {
                await _freed.WaitAsync(stop);
            }

            Interlocked.Add(ref _ahead, transactions);
        }

        public void Give(int transactions)
        {
            Interlocked.Add(ref _ahead, -transactions);
            if (_freed.CurrentCount == 0)
            {
                _freed.Release();
            }
        }

        public void Dispose() => _freed.Dispose();
    }

    private sealed record Chunk(AheadBlock Block, SignerKeys Keys, int Start, int Count);

    /// <summary>
    /// A fixed set of worker threads (not the thread pool: a blocked pool thread makes the pool add threads,
    /// and twenty threads on two cores fought over one lock in D35's profile). The queue holds at most the
    /// chunks of <see cref="TransactionsAheadMax"/> transactions (or of one larger block): the reader waits for the replay beyond that.
    /// </summary>
    private sealed class Checkers : IDisposable
    {
        private readonly BlockingCollection<Chunk> _work = new(new ConcurrentQueue<Chunk>());
        private readonly INetworkHash? _hash;
        private readonly CancellationToken _stop;
        private readonly Thread[] _threads;

        public Checkers(INetworkHash? hash, int workers, CancellationToken stop)
        {
            _hash = hash;
            _stop = stop;
            _threads = [.. Enumerable.Range(0, workers).Select(i => new Thread(Work) { IsBackground = true, Name = $"verify-signatures-{i}" })];
            foreach (var thread in _threads)
            {
                thread.Start();
            }
        }

        public void Check(AheadBlock block, IStateView state)
        {
            if (block.Stored is not { } stored || _hash is null)
            {
                block.Expect(0);
                return;
            }

            var envelopes = stored.Block.Transactions;
            var chunks = (envelopes.Count + EnvelopesPerChunk - 1) / EnvelopesPerChunk;
            block.Expect(chunks);
            var keys = new SignerKeys(state);
            for (var start = 0; start < envelopes.Count; start += EnvelopesPerChunk)
            {
                _work.Add(new Chunk(block, keys, start, Math.Min(EnvelopesPerChunk, envelopes.Count - start)));
            }
        }

        public void Complete()
        {
            if (!_work.IsAddingCompleted)
            {
                _work.CompleteAdding();
            }

            foreach (var thread in _threads)
            {
                thread.Join();
            }
        }

        public void Dispose()
        {
            Complete();
            _work.Dispose();
        }

        private void Work()
        {
            foreach (var chunk in _work.GetConsumingEnumerable())
            {
                if (!_stop.IsCancellationRequested)
                {
                    var envelopes = chunk.Block.Stored!.Value.Block.Transactions;
                    for (var i = chunk.Start; i < chunk.Start + chunk.Count; i++)
                    {
                        try
                        {
                            chunk.Block.Prepared[i] = EnvelopeVerifier.Prepare(chunk.Keys.Lookup, _hash!, envelopes[i]);
                        }
                        catch (Exception exception) when (exception is not OutOfMemoryException)
                        {
                            // Checking ahead only saves the replay work: whatever this envelope holds, the replay
                            // re-executes it and finds, or refuses, its signatures itself.
                        }
                    }
                }

                chunk.Block.ChunkDone();
            }
        }
    }

    /// <summary>
    /// The signers' public keys as the workers of one block read them: each signer's record once, from the
    /// replay's state under its lock, then its key from here. Bounded by the distinct signers of one block.
    /// A key read before the replay applied an earlier block may be stale; then the key the replay resolves
    /// differs from the one the signature verified under, and the replay verifies the signature itself.
    /// </summary>
    private sealed class SignerKeys
    {
        private readonly ConcurrentDictionary<string, PublicKey?> _read = new(StringComparer.Ordinal);
        private readonly LedgerState _participants;

        public SignerKeys(IStateView state)
        {
            _participants = new(new StateOverlay(state));
            Lookup = Get;
        }

        /// <summary><see cref="Get"/> as one delegate for the block, not one per envelope.</summary>
        public Func<string, PublicKey?> Lookup { get; }

        public PublicKey? Get(string participantId)
        {
            if (_read.TryGetValue(participantId, out var key))
            {
                return key;
            }

            key = _participants.GetParticipant(participantId)?.PublicKey;
            _read.TryAdd(participantId, key);
            return key;
        }
    }

    /// <summary>
    /// What the replay is handed for the block it applies (D45, D50): each envelope's sign bytes, id and signature
    /// verdicts, found by the envelope object. Also its signature cache, which holds nothing: it only counts the
    /// signatures the replay verified itself (each one the workers did not verify under the replay's key).
    /// </summary>
    private sealed class ReplaySignatures : ISignatureCache, IPreparedTransactions
    {
        private AheadBlock? _block;
        private int _next;

        /// <summary>The block the replay applies next; read only after its checks are done.</summary>
        public void Use(AheadBlock block)
        {
            _block = block;
            _next = 0;
        }

        /// <summary>After the replay applied (or refused) block: counts the signatures it found verified ahead.</summary>
        public void Done(AheadBlock block)
        {
            foreach (var prepared in block.Prepared)
            {
                Found += prepared?.Used ?? 0;
            }
        }

        public bool TryGet(Envelope envelope, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PreparedTransaction? prepared)
        {
            prepared = null;
            if (_block?.Stored is not { } stored)
            {
                return false;
            }

            // The replay applies a block's envelopes in order, so the next one is almost always the one asked for.
            var envelopes = stored.Block.Transactions;
            var index = _next < envelopes.Count && ReferenceEquals(envelopes[_next], envelope) ? _next : IndexOf(envelopes, envelope);
            if (index < 0)
            {
                return false;
            }

            // Past this one even when its worker built nothing, so the envelopes after it still take the fast path.
            _next = index + 1;
            prepared = _block.Prepared[index];
            return prepared is not null;
        }

        private static int IndexOf(IList<Envelope> envelopes, Envelope envelope)
        {
            for (var i = 0; i < envelopes.Count; i++)
            {
                if (ReferenceEquals(envelopes[i], envelope))
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>Signatures the replay verified itself (each participant signature, and each proof of possession, not found verified ahead).</summary>
        public long Looked { get; private set; }

        /// <summary>Signatures the replay found verified ahead under the key it resolved.</summary>
        public long Found { get; private set; }

        public bool Contains(ReadOnlySpan<byte> key)
        {
            Looked++;
            return false;
        }

        public void Add(ReadOnlySpan<byte> key)
        {
            // Nothing to keep: a signature is checked once per replay.
        }
    }
}

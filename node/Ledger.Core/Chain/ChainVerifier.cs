using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Chain;

/// <summary>
/// Checks a whole chain from nothing but its genesis: hash links, transaction roots, every
/// signature and role (by re-executing each block with the same state machine the nodes run),
/// every commit certificate, and every state root. Pure: the caller supplies the blocks, either
/// all at once (<see cref="Verify"/>) or one at a time as they arrive (<see cref="Start"/>).
/// </summary>
public static class ChainVerifier
{
    /// <summary>The first thing wrong: at which height, in which transaction when one is to blame, and why.</summary>
    public sealed record Failure(ulong Height, string Reason, int? TransactionIndex = null, string? TransactionId = null)
    {
        public override string ToString() => TransactionIndex is { } index
            ? $"block {Height}, transaction {index} ({TransactionId}): {Reason}"
            : $"block {Height}: {Reason}";
    }

    public sealed record Result(ulong HeightsVerified, Failure? FirstFailure, ReplayedState State, ChainHead Head)
    {
        public bool Verified => FirstFailure is null;

        public ulong? FailedHeight => FirstFailure?.Height;

        public string? Problem => FirstFailure?.ToString();
    }

    /// <summary>A stored block and the certificate stored with it; null when the height is missing.</summary>
    public delegate (Block Block, CommitCertificate? Certificate)? BlockSource(ulong height);

    public static Result Verify(Genesis genesis, ulong headHeight, BlockSource blocks)
    {
        var replay = Start(genesis);
        for (var height = 1UL; replay.FirstFailure is null && height <= headHeight; height++)
        {
            replay.Add(blocks(height));
        }

        return replay.Result;
    }

    /// <summary>A replay positioned after genesis; a genesis with problems is a failure at height 0.</summary>
    /// <param name="prepared">Sign bytes, ids and signature verdicts the caller built for the blocks it adds (checking their signatures ahead), or null.</param>
    public static Replay Start(Genesis genesis, ISignatureCache? signatureCache = null, IPreparedTransactions? prepared = null) => new(genesis, signatureCache, prepared);

    /// <summary>
    /// Applies blocks 1, 2, … in order, each only after every check passed; after the first
    /// failure it accepts nothing more, so its state is always that of the last verified block.
    /// </summary>
    public sealed class Replay
    {
        private readonly LedgerStateMachine? _machine;
        private readonly ReplayedState _state = new();
        private readonly GatedStateView _shared;
        private ChainHead _head;

        internal Replay(Genesis genesis, ISignatureCache? signatureCache, IPreparedTransactions? prepared)
        {
            _head = ChainHead.Genesis(genesis);
            _shared = new GatedStateView(_state);
            if (GenesisValidator.Problems(genesis) is { Count: > 0 } problems)
            {
                FirstFailure = new Failure(0, "genesis: " + string.Join("; ", problems));
                return;
            }

            // One thread applies blocks, so the signers' records may be parsed once per stored encoding (D54).
            _machine = new LedgerStateMachine(ChainParameters.FromGenesis(genesis), signatureCache, prepared, cacheParticipants: true);
            _state.Apply(_machine.ApplyGenesis(genesis).Changes);
        }

        public Failure? FirstFailure { get; private set; }

        public ChainHead Head => _head;

        /// <summary>
        /// The state after the last verified block, read-only: for checking later blocks' signatures ahead,
        /// on other threads while this replay runs. Each read takes the lock that applying a block holds,
        /// so a reader sees the state of some verified block, never one half applied.
        /// </summary>
        public IStateView State => _shared;

        /// <summary>The state root after the last verified block (genesis's before any).</summary>
        public byte[] StateRoot => _state.Get(StateKeys.StateRoot) ?? [];

        public Result Result => new(_head.Height, FirstFailure, _state, _head);

        /// <summary>Checks and applies the next height's block (null: the height is missing); returns the failure, if any.</summary>
        public Failure? Add((Block Block, CommitCertificate? Certificate)? stored)
        {
            Invariant.Require(FirstFailure is null, "a replay stops at its first failure");
            var height = _head.Height + 1;
            var (executed, failure) = stored is { } found ? Check(height, found.Block, found.Certificate) : (null, new Failure(height, "block missing: the chain has no block at this height"));
            if (failure is not null)
            {
                FirstFailure = failure;
                return failure;
            }

            _shared.Apply(executed!.Execution.Changes);
            _head = new ChainHead(height, executed.HeaderHash, executed.Block.Header.TimeMs);
            return null;
        }

        /// <summary>Every block is checked against the validators its parent's state schedules for it (changes take effect at h + 2).</summary>
        private (ExecutedBlock? Block, Failure? Failure) Check(ulong height, Block block, CommitCertificate? certificate)
        {
            var machine = _machine!;
            var (executed, problem) = Blocks.Validate(machine, _state, _head, block);
            if (problem is not null)
            {
                return (null, Blame(height, block, problem));
            }

            var validators = ValidatorSchedules.At(_state, height);
            var certificateProblem = CommitCertificates.Problem(certificate, machine.Parameters.ChainId, height, executed!.HeaderHash, validators);
            return certificateProblem is null ? (executed, null) : (null, new Failure(height, "commit certificate: " + certificateProblem));
        }

        /// <summary>Reads and writes of the replay's state under one lock; the replay's own reads need none (it is the only writer).</summary>
        private sealed class GatedStateView(ReplayedState state) : IStateView
        {
            private readonly Lock _gate = new();

            public byte[]? Get(ReadOnlySpan<byte> key)
            {
                lock (_gate)
                {
                    return state.Get(key);
                }
            }

            public void Apply(WriteSet changes)
            {
                lock (_gate)
                {
                    state.Apply(changes);
                }
            }
        }

        /// <summary>
        /// Names the transaction to blame when re-executing the block refuses one: an altered
        /// transaction shows first as a transactions root mismatch, and the auditor wants to know
        /// which transaction and why (most often: its signature no longer verifies).
        /// </summary>
        private Failure Blame(ulong height, Block block, string problem)
        {
            if (block.Header is not { } header || header.Height != height || block.Transactions.Count > Blocks.TransactionsPerBlockMax)
            {
                return new Failure(height, problem);
            }

            var receipts = _machine!.ApplyBlock(_state, new BlockContext(height, header.TimeMs), block.Transactions).Receipts;
            var index = receipts.ToList().FindIndex(r => r.Code != RejectionCode.Unspecified);
            if (index < 0)
            {
                return new Failure(height, problem);
            }

            var receipt = receipts[index];
            var id = Convert.ToHexStringLower(receipt.TransactionId.Span);
            var why = receipt.Code == RejectionCode.BadSignature
                ? $"the signature of transaction {index} does not verify ({receipt.Message})"
                : $"transaction {index} is refused on re-execution: {ProtoNames.Of(receipt.Code)}: {receipt.Message}";
            return new Failure(height, problem.StartsWith("transaction ", StringComparison.Ordinal) ? why : $"{problem}; {why}", index, id);
        }
    }
}

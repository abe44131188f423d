using Google.Protobuf;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Chain;

/// <summary>A block with its execution: the changes to commit and the receipts, and its header hash.</summary>
public sealed record ExecutedBlock(Block Block, BlockExecution Execution, byte[] HeaderHash);

/// <summary>
/// Proposing and validating blocks (DESIGN §6). The proposer executes before it proposes, so the
/// header carries the state root after the block; every validator re-executes and refuses a
/// mismatch, so a commit certificate certifies the resulting state itself.
/// </summary>
public static class Blocks
{
    public const int TransactionsPerBlockMax = 10_000;

    /// <summary>
    /// The latest block time: the end of 9999-12-31 in China Standard Time, the last day the calendar
    /// rules count (WorkingDays.DayNumberMax). A later time would overflow their day arithmetic.
    /// </summary>
    public const long TimeMsMax = ((Calendar.WorkingDays.DayNumberMax + 1L) * Calendar.WorkingDays.DayMs) - Calendar.WorkingDays.ChinaStandardTimeOffsetMs - 1;

    /// <summary>Propose with the validators the committed state schedules for the next height.</summary>
    public static (ExecutedBlock Block, IReadOnlyList<(Envelope Envelope, Receipt Receipt)> LeftOut) Propose(
        LedgerStateMachine machine, IStateView state, ChainHead head, IEnumerable<Envelope> candidates, long timeMs, string proposer, CommitCertificate? lastCommit) =>
        Propose(machine, state, head, candidates, timeMs, proposer, ValidatorSchedules.At(state, head.Height + 1), lastCommit);

    /// <summary>Validate against the validators the committed state schedules for this height and its parent.</summary>
    public static (ExecutedBlock? Block, string? Problem) Validate(LedgerStateMachine machine, IStateView state, ChainHead head, Block block) =>
        Validate(machine, state, head, block, ValidatorSchedules.At(state, head.Height + 1), ValidatorSchedules.At(state, Math.Max(1, head.Height)));

    /// <summary>
    /// Builds the next block from candidates in order, leaving out any that would be refused now
    /// (a block holds only transactions that commit). Returns the block and the receipts of those left out.
    /// </summary>
    public static (ExecutedBlock Block, IReadOnlyList<(Envelope Envelope, Receipt Receipt)> LeftOut) Propose(
        LedgerStateMachine machine,
        IStateView state,
        ChainHead head,
        IEnumerable<Envelope> candidates,
        long timeMs,
        string proposer,
        ValidatorSet validators,
        CommitCertificate? lastCommit)
    {
        var context = new BlockContext(head.Height + 1, Math.Max(timeMs, head.TimeMs + 1));
        var session = machine.StartBlock(state, context);
        var included = new List<Envelope>();
        var receipts = new List<Receipt>();
        var leftOut = new List<(Envelope, Receipt)>();
        var bytes = 0;
        foreach (var envelope in candidates.TakeWhile(_ => included.Count < TransactionsPerBlockMax))
        {
            var size = envelope.CalculateSize();
            if (bytes + size > Limits.BlockBytesMax)
            {
                break;
            }

            var receipt = session.Apply(envelope);
            if (receipt.Code == RejectionCode.Unspecified)
            {
                included.Add(envelope);
                receipts.Add(receipt);
                bytes += size;
            }
            else
            {
                leftOut.Add((envelope, receipt));
            }
        }

        var execution = session.Seal(receipts);
        var hash = machine.Parameters.Hash;
        var header = new BlockHeader
        {
            ChainId = machine.Parameters.ChainId,
            Height = context.Height,
            TimeMs = context.TimeMs,
            PreviousHeaderHash = ByteString.CopyFrom(head.HeaderHash),
            TransactionsRoot = ByteString.CopyFrom(BlockHashing.TransactionsRoot(hash, included)),
            ReceiptsRoot = ByteString.CopyFrom(BlockHashing.ReceiptsRoot(hash, execution.Receipts)),
            StateRoot = ByteString.CopyFrom(execution.StateRoot),
            ValidatorSetHash = ByteString.CopyFrom(validators.Hash(hash)),
            Proposer = proposer,
        };
        var block = new Block { Header = header, Transactions = { included }, LastCommit = lastCommit };
        return (new ExecutedBlock(block, execution, BlockHashing.HeaderHash(hash, header)), leftOut);
    }

    /// <summary>
    /// Null problem when block is a valid next block after head: links, roots, certificate of the
    /// previous block, and a re-execution that commits every transaction and reproduces both roots.
    /// </summary>
    public static (ExecutedBlock? Block, string? Problem) Validate(
        LedgerStateMachine machine,
        IStateView state,
        ChainHead head,
        Block block,
        ValidatorSet validators,
        ValidatorSet previousValidators)
    {
        if (HeaderProblem(machine, head, block, validators, previousValidators) is { } problem)
        {
            return (null, problem);
        }

        var header = block.Header;
        // HeaderProblem found no unknown field anywhere in the block, so no envelope has one.
        var execution = machine.ApplyBlock(state, new BlockContext(header.Height, header.TimeMs), block.Transactions, fieldsChecked: true);
        var refused = execution.Receipts.Select((r, i) => (r, i)).FirstOrDefault(x => x.r.Code != RejectionCode.Unspecified);
        if (refused.r is not null)
        {
            return (null, $"transaction {refused.i} ({Convert.ToHexStringLower(refused.r.TransactionId.Span)}) is refused: {ProtoNames.Of(refused.r.Code)}: {refused.r.Message}");
        }

        var hash = machine.Parameters.Hash;
        if (!BlockHashing.ReceiptsRoot(hash, execution.Receipts).AsSpan().SequenceEqual(header.ReceiptsRoot.Span))
        {
            return (null, "receipts root mismatch: the header's receipts root does not match re-execution");
        }

        return execution.StateRoot.AsSpan().SequenceEqual(header.StateRoot.Span)
            ? (new ExecutedBlock(block, execution, BlockHashing.HeaderHash(hash, header)), null)
            : (null, $"state root mismatch: the header's state root {Convert.ToHexStringLower(header.StateRoot.Span)} does not match re-execution ({Convert.ToHexStringLower(execution.StateRoot)})");
    }

    /// <summary>
    /// Anywhere in the block: its own fields, the header, the certificate and the envelopes. Read from what the parser
    /// kept (D54); until D54 the block was encoded and parsed again strictly to compare sizes, the same answer
    /// (a test compares the two) for a second copy of every block.
    /// </summary>
    internal static bool HasUnknownFields(Block block) => block.CarriesUnknownFields();

    private static string? HeaderProblem(LedgerStateMachine machine, ChainHead head, Block block, ValidatorSet validators, ValidatorSet previousValidators)
    {
        var header = block.Header;
        var hash = machine.Parameters.Hash;
        if (header is null || header.ChainId != machine.Parameters.ChainId)
        {
            return "the block has no header for this chain";
        }

        if (HasUnknownFields(block))
        {
            return "the block carries fields this ledger does not know (they are in no hash, yet every node would store them)";
        }

        if (header.Height != head.Height + 1)
        {
            return $"the block claims height {header.Height}, so it does not follow height {head.Height} (a block out of place)";
        }

        if (!header.PreviousHeaderHash.Span.SequenceEqual(head.HeaderHash))
        {
            return $"previous hash mismatch: the block does not follow the header hash of height {head.Height}";
        }

        if (header.TimeMs <= head.TimeMs)
        {
            return $"block time {header.TimeMs} is not after its parent's {head.TimeMs}";
        }

        if (header.TimeMs > TimeMsMax)
        {
            return $"block time {header.TimeMs} is after {TimeMsMax} (the end of 9999-12-31, China Standard Time)";
        }

        if (new[] { header.TransactionsRoot, header.ReceiptsRoot, header.StateRoot, header.ValidatorSetHash }.Any(h => h.Length != BlockHashing.HashBytes))
        {
            return "a header hash field is not 32 bytes";
        }

        if (!header.ValidatorSetHash.Span.SequenceEqual(validators.Hash(hash)) || validators.Find(header.Proposer) is null)
        {
            return "the validator set hash or the proposer does not match the validators in force";
        }

        // Each envelope is encoded once: its length is its size, and the transactions root hashes it.
        var encoded = block.Transactions.Count > TransactionsPerBlockMax ? null : BlockHashing.Encoded(block.Transactions);
        if (encoded is null || encoded.Sum(e => (long)e.Length) > Limits.BlockBytesMax)
        {
            return $"the block holds {block.Transactions.Count} transactions; at most {TransactionsPerBlockMax} of {Limits.BlockBytesMax} bytes together";
        }

        if (!BlockHashing.TransactionsRootOfEncoded(hash, encoded).AsSpan().SequenceEqual(header.TransactionsRoot.Span))
        {
            return "transactions root mismatch: the header's transactions root does not match the block's transactions";
        }

        return header.Height == 1
            ? (block.LastCommit is null ? null : "the first block carries no previous commit")
            : CommitCertificates.Problem(block.LastCommit, header.ChainId, head.Height, head.HeaderHash, previousValidators);
    }
}

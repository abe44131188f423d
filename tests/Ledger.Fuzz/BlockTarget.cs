using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Fuzz;

/// <summary>
/// Target 4: blocks as block sync or a proposer delivers them — valid next blocks of the FuzzWorld
/// (with a correct certificate of the previous block) damaged byte by byte or field by field
/// (header, transactions, certificate), and junk — decoded and run through Blocks.Validate.
/// Invariants: no exception; a refused block says why; an accepted block re-executes to its
/// header's roots, deterministically, with every transaction committed, and has no unknown fields.
/// </summary>
public sealed class BlockTarget : IFuzzTarget
{
    private const int BaseBlocks = 8;

    private static readonly MessageParser<Block> StrictParser = Block.Parser.WithDiscardUnknownFields(true);

    private readonly FuzzWorld _world;
    private readonly ChainHead _head;
    private readonly List<byte[]> _valid = [];

    public BlockTarget(FuzzWorld world)
    {
        _world = world;
        var ledger = world.Ledger;
        _head = new ChainHead(ledger.Height, System.Security.Cryptography.SHA256.HashData("fuzz head"u8), ledger.TimeMs);
        var lastCommit = CommitCertificates.Create(_head.Height, 0, _head.HeaderHash);
        foreach (var validator in TestLedger.ValidatorIds.Take(3))
        {
            CommitCertificates.AddSignature(lastCommit, TestLedger.ChainId, validator, TestKeys.For(validator));
        }

        LastCommit = lastCommit;

        var random = new FuzzRandom(20_261_124);
        for (var i = 0; i < BaseBlocks; i++)
        {
            var candidates = Enumerable.Range(0, random.Between(0, 6))
                .Select(_ => world.Sign(BodyTemplates.ByKind[random.Pick(BodyTemplates.AllKinds)](world, random), random)).ToList();
            var (proposed, _) = Blocks.Propose(world.Machine, ledger.Store, _head, candidates, world.Block.TimeMs, random.Pick(TestLedger.ValidatorIds), lastCommit);
            var (validated, problem) = Blocks.Validate(world.Machine, ledger.Store, _head, proposed.Block);
            Ledger.Core.Invariant.Require(validated is not null, $"a proposed block validates: {problem}");
            _valid.Add(proposed.Block.ToByteArray());
        }
    }

    public string Name => "blocks";

    /// <summary>A valid certificate (3 of 4 validators) of the head, which the next block must carry.</summary>
    public CommitCertificate LastCommit { get; }

    /// <summary>The chain head the blocks follow: the world's height with a made-up header hash.</summary>
    public ChainHead Head => _head;

    /// <summary>One input's bytes (and the block it was made from), without running it: what a regression test stores.</summary>
    public (byte[] Bytes, byte[] Original) Generate(FuzzRandom random)
    {
        var original = random.Pick(_valid);
        switch (random.Next(100))
        {
            case < 10:
                return (ByteMutator.RandomBytes(random, 2048), original);
            case < 55:
                return (ByteMutator.Mutate(random, original), original);
            default:
                var block = Block.Parser.ParseFrom(original);
                FieldMutator.Mutate(random, block, _world.KnownIds);
                return (block.ToByteArray(), original);
        }
    }

    public void Run(FuzzRandom random, FuzzCounters counters) => Check(Generate(random), counters);

    /// <summary>What an accepted damaged block differs in: only its encoding, unknown fields, header fields, transactions or the previous block's certificate.</summary>
    private static string Acceptance(Block original, Block accepted, bool sameBytes)
    {
        if (sameBytes)
        {
            return "accepted unchanged";
        }

        if (original.Equals(accepted))
        {
            return "accepted after damage: same fields, other bytes";
        }

        var header = original.Header.Equals(accepted.Header) ? "same header" : DifferentHeaderFields(original.Header, accepted.Header);
        var transactions = original.Transactions.Equals(accepted.Transactions) ? "" : ", other transactions";
        var commit = Equals(original.LastCommit, accepted.LastCommit) ? "" : ", other last commit";
        var unknown = transactions.Length == 0 && commit.Length == 0 && header == "same header" ? ", unknown fields" : "";
        return $"accepted after damage: {header}{transactions}{commit}{unknown}";
    }

    private static string DifferentHeaderFields(BlockHeader a, BlockHeader b) =>
        "header " + string.Join("+", BlockHeader.Descriptor.Fields.InFieldNumberOrder()
            .Where(f => !Equals(f.Accessor.GetValue(a), f.Accessor.GetValue(b))).Select(f => f.Name));

    public void Check((byte[] Bytes, byte[] Original) input, FuzzCounters counters)
    {
        var (bytes, original) = input;
        Block decoded;
        try
        {
            decoded = Block.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            counters.Count("decode failure");
            return;
        }

        var (validated, problem) = Blocks.Validate(_world.Machine, _world.Ledger.Store, _head, decoded);
        if (validated is null)
        {
            FuzzAssert.That(!string.IsNullOrWhiteSpace(problem), "a block was refused without a reason");
            counters.Count("refused");
            return;
        }

        var again = _world.Machine.ApplyBlock(_world.Ledger.Store, new Ledger.Core.Execution.BlockContext(decoded.Header.Height, decoded.Header.TimeMs), decoded.Transactions);
        FuzzAssert.That(validated.Execution.StateRoot.AsSpan().SequenceEqual(decoded.Header.StateRoot.Span) && again.StateRoot.AsSpan().SequenceEqual(validated.Execution.StateRoot),
            "an accepted block's state root is not its header's, or differs on re-execution");
        FuzzAssert.That(validated.Execution.Receipts.All(r => r.Code == RejectionCode.Unspecified), "an accepted block holds a refused transaction");
        FuzzAssert.That(StrictParser.ParseFrom(decoded.ToByteString()).Equals(decoded), "an accepted block carries unknown fields, which every node would store");
        counters.Count(Acceptance(Block.Parser.ParseFrom(original), decoded, bytes.AsSpan().SequenceEqual(original)));
    }
}

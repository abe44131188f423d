using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Fuzz;

namespace Ledger.Core.Tests.Fuzz;

/// <summary>What the fuzzer found, each with the exact input it found, fixed (docs/TESTING.md, fuzz).</summary>
public sealed class FuzzFindingTests
{
    private static readonly Lazy<FuzzWorld> World = new(() => new FuzzWorld());

    /// <summary>
    /// blocks:1:33021. A proposer's block with time 5546853845657003556 ms and a RecordEvaluation in it:
    /// validation ran the transaction, whose day arithmetic overflowed, so every validator threw on one
    /// hostile proposal. Block times after 9999-12-31 are refused before anything runs.
    /// </summary>
    [Fact]
    public void A_block_time_past_9999_is_refused_not_thrown_on()
    {
        var bytes = Convert.FromHexString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fuzz/Findings/blocks-1-33021.hex")).Trim());
        var block = Block.Parser.ParseFrom(bytes);
        Assert.Equal(5_546_853_845_657_003_556, block.Header.TimeMs);
        // The head the block was made to follow (its parent's height and hash); the state is a fuzz world, which has its project.
        var head = new ChainHead(block.Header.Height - 1, block.Header.PreviousHeaderHash.ToByteArray(), World.Value.Ledger.TimeMs);
        var (validated, problem) = Blocks.Validate(World.Value.Machine, World.Value.Ledger.Store, head, block);
        Assert.Null(validated);
        Assert.StartsWith("block time 5546853845657003556 is after", problem);
    }

    [Theory]
    [InlineData(Blocks.TimeMsMax, true)]
    [InlineData(Blocks.TimeMsMax + 1, false)]
    [InlineData(long.MaxValue, false)]
    public void Block_time_is_bounded_by_the_last_calendar_day(long timeMs, bool accepted)
    {
        var world = World.Value;
        var target = new BlockTarget(world);
        var (proposed, _) = Blocks.Propose(world.Machine, world.Ledger.Store, target.Head,
            [world.Sign(BodyTemplates.ByKind[TransactionBody.KindOneofCase.RecordEvaluation](world, new FuzzRandom(1)), new FuzzRandom(2))],
            world.Block.TimeMs, TestLedgerValidator, target.LastCommit);
        Assert.Single(proposed.Block.Transactions);
        var block = proposed.Block.Clone();
        block.Header.TimeMs = timeMs;

        var (validated, problem) = Blocks.Validate(world.Machine, world.Ledger.Store, target.Head, block);

        // At the boundary only the time check is asserted: the block was executed at another time, so its state root
        // need not match; what matters is that the transaction ran (no exception) and was judged on its merits.
        var refusedForTime = problem?.StartsWith("block time", StringComparison.Ordinal) == true;
        Assert.True(accepted != refusedForTime, problem);
        Assert.True(validated is null || accepted);
    }

    /// <summary>
    /// blocks:3:765. A valid block with ten bytes appended (field 178, fixed64): every node accepted and
    /// stored it, though no hash covers those bytes, so a proposer could make every node store junk
    /// (up to the message limit per block). Unknown fields anywhere in a block now refuse it.
    /// </summary>
    [Fact]
    public void A_block_with_unknown_fields_is_refused()
    {
        var bytes = Convert.FromHexString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fuzz/Findings/blocks-3-765.hex")).Trim());
        var block = Block.Parser.ParseFrom(bytes);
        var head = new ChainHead(block.Header.Height - 1, block.Header.PreviousHeaderHash.ToByteArray(), World.Value.Ledger.TimeMs);
        var (validated, problem) = Blocks.Validate(World.Value.Machine, World.Value.Ledger.Store, head, block);
        Assert.Null(validated);
        Assert.StartsWith("the block carries fields this ledger does not know", problem);
    }

    [Theory]
    [InlineData("block")]
    [InlineData("header")]
    [InlineData("last commit")]
    public void Unknown_fields_anywhere_in_a_block_refuse_it(string where)
    {
        var world = World.Value;
        var target = new BlockTarget(world);
        var (proposed, _) = Blocks.Propose(world.Machine, world.Ledger.Store, target.Head, [], world.Block.TimeMs, TestLedgerValidator, target.LastCommit);
        Assert.Null(Blocks.Validate(world.Machine, world.Ledger.Store, target.Head, proposed.Block).Problem);
        IMessage damaged = where switch
        {
            "block" => proposed.Block,
            "header" => proposed.Block.Header,
            _ => proposed.Block.LastCommit,
        };
        // Field 999, varint 1: what an older or newer peer, or a hostile proposer, could add.
        damaged.MergeFrom(new byte[] { 0xB8, 0x3E, 0x01 });
        var (validated, problem) = Blocks.Validate(world.Machine, world.Ledger.Store, target.Head, proposed.Block);
        Assert.Null(validated);
        Assert.StartsWith("the block carries fields this ledger does not know", problem);
    }

    private const string TestLedgerValidator = "node-bureau";
}

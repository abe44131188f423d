using Google.Protobuf;
using Ledger.Core;
using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Fuzz;

/// <summary>
/// The invariants every transaction input must keep on the FuzzWorld: Check and ApplyBlock give the
/// same receipt; a refusal has a declared code and a message; a refused transaction changes nothing
/// (its block equals the empty block, and in a block of several the refused ones leave the root of
/// the committed ones alone).
/// </summary>
public static class LedgerChecks
{
    /// <summary>A receipt message is for people: bounded, so hostile input cannot make receipts (which blocks keep) large.</summary>
    public const int MessageLengthMax = 2_000;

    /// <summary>Decodes bytes as an Envelope; an InvalidProtocolBufferException is the documented decode failure.</summary>
    public static Envelope? Decode(byte[] bytes, FuzzCounters counters)
    {
        try
        {
            return Envelope.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            counters.Count("decode failure");
            return null;
        }
    }

    /// <summary>
    /// Usually the world's next block; sometimes a later one up to the last time a block may have
    /// (Blocks.TimeMsMax), since a proposer chooses the time and handlers do date arithmetic with it.
    /// </summary>
    public static BlockContext BlockFor(FuzzWorld world, FuzzRandom random)
    {
        if (!random.Chance(10))
        {
            return world.Block;
        }

        var timeMs = random.Next(3) switch
        {
            0 => Blocks.TimeMsMax - random.Next(10 * 86_400_000),
            1 => world.Block.TimeMs + (long)(random.NextUInt64() % (ulong)(Blocks.TimeMsMax - world.Block.TimeMs)),
            _ => world.Block.TimeMs + (random.Next(400 * 86_400) * 1000L),
        };
        return world.Block with { TimeMs = timeMs };
    }

    /// <summary>Checks and applies envelope alone in block (the world's next by default); returns its receipt.</summary>
    public static Receipt CheckAndApply(FuzzWorld world, Envelope envelope, FuzzCounters counters, string label = "", BlockContext? block = null)
    {
        var context = block ?? world.Block;
        var empty = context == world.Block ? world.Empty : world.Machine.ApplyBlock(world.Ledger.Store, context, []);
        var check = world.Machine.Check(world.Ledger.Store, context, envelope);
        var applied = world.Machine.ApplyBlock(world.Ledger.Store, context, [envelope]);
        var receipt = applied.Receipts.Single();
        FuzzAssert.That(check.Equals(receipt), $"Check said {Describe(check)} but ApplyBlock said {Describe(receipt)}");
        if (receipt.Code == RejectionCode.Unspecified)
        {
            counters.Count(label + "committed");
            return receipt;
        }

        RequireTypedRefusal(receipt);
        FuzzAssert.That(applied.StateRoot.AsSpan().SequenceEqual(empty.StateRoot) && SameChanges(applied.Changes, empty.Changes),
            $"refused {Describe(receipt)} but the block's state differs from an empty block's");
        counters.Count(label + ProtoNames.Of(receipt.Code));
        return receipt;
    }

    /// <summary>A block of several envelopes has the state of the block of only those it committed, with the same receipts for them.</summary>
    public static void CheckBlock(FuzzWorld world, IReadOnlyList<Envelope> envelopes, FuzzCounters counters, BlockContext? block = null)
    {
        var context = block ?? world.Block;
        var applied = world.Machine.ApplyBlock(world.Ledger.Store, context, envelopes);
        FuzzAssert.That(applied.Receipts.Count == envelopes.Count, "one receipt per transaction");
        var committed = new List<Envelope>();
        for (var i = 0; i < envelopes.Count; i++)
        {
            if (applied.Receipts[i].Code == RejectionCode.Unspecified)
            {
                committed.Add(envelopes[i]);
            }
            else
            {
                RequireTypedRefusal(applied.Receipts[i]);
            }
        }

        var only = world.Machine.ApplyBlock(world.Ledger.Store, context, committed);
        FuzzAssert.That(only.StateRoot.AsSpan().SequenceEqual(applied.StateRoot) && SameChanges(only.Changes, applied.Changes),
            $"a block of {envelopes.Count} with {committed.Count} committed differs from the block of those {committed.Count} alone");
        FuzzAssert.That(only.Receipts.SequenceEqual(applied.Receipts.Where(r => r.Code == RejectionCode.Unspecified)),
            "the committed transactions' receipts changed when the refused ones were left out");
        counters.Count($"block of {envelopes.Count}");
    }

    private static void RequireTypedRefusal(Receipt receipt)
    {
        FuzzAssert.That(Enum.IsDefined(receipt.Code), $"refused with undeclared code {(int)receipt.Code}");
        FuzzAssert.That(!string.IsNullOrWhiteSpace(receipt.Message), $"refused with {ProtoNames.Of(receipt.Code)} but no message");
        FuzzAssert.That(receipt.Message.Length <= MessageLengthMax, $"{ProtoNames.Of(receipt.Code)} message of {receipt.Message.Length} characters (over {MessageLengthMax})");
        FuzzAssert.That(receipt.Attributes.Count == 0, $"refused with {ProtoNames.Of(receipt.Code)} yet carries attributes");
    }

    private static bool SameChanges(WriteSet a, WriteSet b) =>
        a.Count == b.Count && a.Entries.Zip(b.Entries).All(p => p.First.Key.AsSpan().SequenceEqual(p.Second.Key)
            && (p.First.Value is null ? p.Second.Value is null : p.Second.Value is not null && p.First.Value.AsSpan().SequenceEqual(p.Second.Value)));

    private static string Describe(Receipt receipt) =>
        receipt.Code == RejectionCode.Unspecified ? "committed" : $"{ProtoNames.Of(receipt.Code)} ({Truncate(receipt.Message)})";

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}

using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Google.Protobuf;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Core.Tests.Execution;

/// <summary>
/// A node keeps behaviour chunks' bodies parsed by transaction id (D46). Every check and every block must
/// come out exactly as when each execution parses the bytes itself: the same receipts, codes, messages and
/// state root, for honest chunks and for bodies altered into non-canonical or malformed bytes.
/// </summary>
public sealed class ParsedBodiesTests
{
    /// <summary>How a chunk's body bytes are altered before signing: 0 leaves them as encoded.</summary>
    public sealed record Alteration(byte Kind, byte Position, byte Value);

    [Property(MaxTest = 40)]
    public Property Checks_and_blocks_with_kept_bodies_give_what_parsing_each_time_gives(Alteration[] alterations)
    {
        var list = (alterations ?? []).Take(6).ToArray();
        var kept = Ledger();
        var parsed = Ledger();
        var bodies = new ParsedBodies();
        var machine = new LedgerStateMachine(kept.Machine.Parameters, bodies: bodies);
        var envelopes = list.Select((alteration, i) => Signed(kept, Altered(Chunk(i).ToByteArray(), alteration))).ToArray();
        var context = new BlockContext(kept.Height + 1, kept.TimeMs + 1_000);
        var problems = new List<string>();
        foreach (var envelope in envelopes)
        {
            // Admission, then a re-check: with kept bodies the second parses nothing.
            Compare(problems, "envelope check", machine.CheckEnvelope(kept.Store, context, envelope), parsed.Machine.CheckEnvelope(parsed.Store, context, envelope));
            Compare(problems, "check", machine.Check(kept.Store, context, envelope), parsed.Machine.Check(parsed.Store, context, envelope));
        }

        var withKept = machine.ApplyBlock(kept.Store, context, envelopes);
        var withParsing = parsed.Machine.ApplyBlock(parsed.Store, context, envelopes);
        foreach (var (k, p) in withKept.Receipts.Zip(withParsing.Receipts))
        {
            Compare(problems, "block", k, p);
        }

        if (!withKept.StateRoot.AsSpan().SequenceEqual(withParsing.StateRoot))
        {
            problems.Add("the state roots differ");
        }

        return (problems.Count == 0).Label(string.Join("; ", problems.Take(5)));
    }

    [Fact]
    public void A_chunk_checked_at_admission_is_kept_once_and_its_block_commits_as_without()
    {
        var kept = Ledger();
        var parsed = Ledger();
        var bodies = new ParsedBodies();
        var machine = new LedgerStateMachine(kept.Machine.Parameters, bodies: bodies);
        var envelopes = Enumerable.Range(0, 3).Select(i => kept.Sign("company-1", Chunk(i))).ToArray();
        var context = new BlockContext(kept.Height + 1, kept.TimeMs + 1_000);
        foreach (var envelope in envelopes)
        {
            Assert.Equal(RejectionCode.Unspecified, machine.CheckEnvelope(kept.Store, context, envelope).Code);
            Assert.Equal(RejectionCode.Unspecified, machine.Check(kept.Store, context, envelope).Code);
        }

        Assert.Equal(3, bodies.Count);
        Assert.Equal(envelopes.Sum(e => e.Body.Length), bodies.Bytes);
        var withKept = machine.ApplyBlock(kept.Store, context, envelopes);
        var withParsing = parsed.Machine.ApplyBlock(parsed.Store, context, envelopes);
        Assert.Equal(withParsing.Receipts, withKept.Receipts);
        Assert.All(withKept.Receipts, r => Assert.Equal(RejectionCode.Unspecified, r.Code));
        Assert.Equal(Convert.ToHexString(withParsing.StateRoot), Convert.ToHexString(withKept.StateRoot));
    }

    [Fact]
    public void Only_behaviour_chunks_are_kept_and_refused_bodies_never()
    {
        var ledger = Ledger();
        var bodies = new ParsedBodies();
        var machine = new LedgerStateMachine(ledger.Machine.Parameters, bodies: bodies);
        var context = new BlockContext(ledger.Height + 1, ledger.TimeMs + 1_000);
        var methodology = ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-kept"));
        var malformed = Signed(ledger, [.. Chunk(0).ToByteArray(), 0xF8, 0x07, 0x01]);
        Assert.Equal(RejectionCode.Unspecified, machine.Check(ledger.Store, context, methodology).Code);
        Assert.Equal(RejectionCode.Malformed, machine.Check(ledger.Store, context, malformed).Code);
        Assert.Equal(RejectionCode.Malformed, machine.Check(ledger.Store, context, malformed).Code);
        Assert.Equal(0, bodies.Count);
    }

    [Fact]
    public void The_oldest_bodies_leave_to_keep_the_bytes_bound()
    {
        var body = Chunk(0);
        var bodies = new ParsedBodies(bytesMax: 250);
        for (var i = 0; i < 5; i++)
        {
            bodies.Add([(byte)i], body, 100);
        }

        Assert.Equal(2, bodies.Count);
        Assert.Equal(200, bodies.Bytes);
        Assert.Null(bodies.Find([2]));
        Assert.Same(body, bodies.Find([4]));
        Assert.Same(body, bodies.Find([3]));

        // A body larger than the whole bound is not kept (and evicts nothing).
        bodies.Add([9], body, 251);
        Assert.Null(bodies.Find([9]));
        Assert.Equal(2, bodies.Count);
    }

    private static TestLedger Ledger()
    {
        var ledger = new TestLedger();
        ledger.ApproveScenario("S-1", "company-1");
        return ledger;
    }

    private static TransactionBody Chunk(int index) => Testing.Scenarios.Chunk("S-1", Testing.Scenarios.Day, (uint)index,
        Enumerable.Range(index * 20, 20).Select(i => Testing.Scenarios.Record("company-1", i % 7, i % 3 == 0 ? "bike" : "metro", (ulong)(1 + (i % 4)), $"e-{i}")));

    /// <summary>The body bytes changed as alteration says: kept, a byte replaced, cut short, an unknown field appended, or a field repeated.</summary>
    private static byte[] Altered(byte[] bytes, Alteration? alteration)
    {
        if (alteration is null)
        {
            return bytes;
        }

        var at = alteration.Position % bytes.Length;
        return (alteration.Kind % 5) switch
        {
            1 => [.. bytes[..at], alteration.Value, .. bytes[(at + 1)..]],
            2 => bytes[..at],
            3 => [.. bytes, 0xF8, 0x07, alteration.Value],
            4 => [.. bytes, .. bytes[..Math.Min(bytes.Length, 2 + (alteration.Value % 8))]],
            _ => bytes,
        };
    }

    /// <summary>An envelope by company-1 over exactly these body bytes, signed as a client would.</summary>
    private static Envelope Signed(TestLedger ledger, byte[] body)
    {
        var envelope = ledger.Sign("company-1", Chunk(99));
        envelope.Body = ByteString.CopyFrom(body);
        envelope.Signatures.Clear();
        envelope.Signatures.Add(new Signature { Signer = "company-1", Value = ByteString.CopyFrom(ledger.KeyOf("company-1").Sign(SignBytes.For(envelope))) });
        return envelope;
    }

    private static void Compare(List<string> problems, string what, Receipt kept, Receipt parsed)
    {
        if (!kept.Equals(parsed))
        {
            problems.Add($"{what}: {kept.Code} '{kept.Message}' with kept bodies, {parsed.Code} '{parsed.Message}' parsing");
        }
    }
}

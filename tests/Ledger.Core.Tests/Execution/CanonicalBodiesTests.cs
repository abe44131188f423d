using FsCheck.Xunit;
using Google.Protobuf;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Core.Tests.Execution;

/// <summary>
/// D55: a body found canonical under a transaction id is not encoded again for that id. Checking a transaction on a
/// machine that has checked it (and others) before must give exactly the receipt a fresh machine gives, for canonical
/// bodies and for every damaged or non-canonical encoding of them.
/// </summary>
public sealed class CanonicalBodiesTests
{
    /// <summary>A damage to a body's bytes: 0 none, 1 a byte changed, 2 an unknown field appended, 3 a byte dropped, 4 the bytes doubled (a field repeated).</summary>
    public sealed record Damage(byte Kind, int Position, byte Value);

    [Property(MaxTest = 200)]
    public bool A_transaction_checked_again_gets_the_receipt_a_fresh_machine_gives(Damage[] damages, bool twice)
    {
        var ledger = new TestLedger();
        var warm = new LedgerStateMachine(ledger.Machine.Parameters);
        var context = new BlockContext(ledger.Height + 1, ledger.TimeMs);
        foreach (var damage in (damages ?? []).Take(12))
        {
            var envelope = Damaged(ledger, damage ?? new Damage(0, 0, 0));
            var fresh = new LedgerStateMachine(ledger.Machine.Parameters).Check(ledger.Store, context, envelope);
            var first = warm.Check(ledger.Store, context, envelope);
            var again = twice ? warm.Check(ledger.Store, context, envelope) : first;
            var envelopeOnly = warm.CheckEnvelope(ledger.Store, context, envelope);
            var envelopeFresh = new LedgerStateMachine(ledger.Machine.Parameters).CheckEnvelope(ledger.Store, context, envelope);
            if (!fresh.Equals(first) || !fresh.Equals(again) || !envelopeOnly.Equals(envelopeFresh))
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public void A_non_canonical_body_is_refused_every_time_it_is_checked()
    {
        var ledger = new TestLedger();
        var envelope = ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-1"));
        envelope.Body = ByteString.CopyFrom([.. envelope.Body.ToByteArray(), 0x78, 0x01]);
        envelope.Signatures[0] = Resign(ledger, envelope);
        var context = new BlockContext(ledger.Height + 1, ledger.TimeMs);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(RejectionCode.Malformed, ledger.Machine.Check(ledger.Store, context, envelope).Code);
            Assert.Equal(RejectionCode.Malformed, ledger.Machine.CheckEnvelope(ledger.Store, context, envelope).Code);
        }
    }

    [Fact]
    public void The_set_is_bounded_and_keeps_only_what_was_added()
    {
        var set = new CanonicalBodies(capacity: 2);
        set.Add([1]);
        set.Add([2]);
        Assert.True(set.Contains([1]) && set.Contains([2]) && !set.Contains([3]));
        set.Add([3]);
        Assert.True(set.Contains([3]) && !set.Contains([1]));
    }

    private static Envelope Damaged(TestLedger ledger, Damage damage)
    {
        var envelope = ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology($"M-{damage.Value % 4}"));
        var bytes = envelope.Body.ToByteArray();
        var at = (int)((uint)damage.Position % (uint)bytes.Length);
        byte[] damaged = (damage.Kind % 5) switch
        {
            0 => bytes,
            1 => Changed(bytes, at, damage.Value),
            2 => [.. bytes, 0x78, damage.Value],
            3 => [.. bytes[..at], .. bytes[(at + 1)..]],
            _ => [.. bytes, .. bytes],
        };
        envelope.Body = ByteString.CopyFrom(damaged);
        envelope.Signatures[0] = Resign(ledger, envelope);
        return envelope;
    }

    private static byte[] Changed(byte[] bytes, int at, byte value)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= value == 0 ? (byte)1 : value;
        return copy;
    }

    private static Signature Resign(TestLedger ledger, Envelope envelope) =>
        new() { Signer = TestLedger.Bureau, Value = ByteString.CopyFrom(ledger.KeyOf(TestLedger.Bureau).Sign(SignBytes.For(envelope))) };
}

using FsCheck.Xunit;
using Ledger.Core.State;

namespace Ledger.Core.Tests.Execution;

/// <summary>
/// D55: a block reads participant records through a memo. Under a state that does not change, every read through it,
/// repeated or not, present or missing, participant key or not, answers exactly what the state answers.
/// </summary>
public sealed class ParticipantReadsTests
{
    [Property(MaxTest = 300)]
    public bool Reads_through_the_memo_answer_what_the_state_answers((byte Table, byte[] Tail, byte[] Value, bool Present)[] entries, (byte Table, byte[] Tail)[] probes)
    {
        var state = new InMemoryState();
        var changes = new WriteSet();
        var keys = new List<byte[]>();
        foreach (var (table, tail, value, present) in entries ?? [])
        {
            var key = Key(table, tail);
            keys.Add(key);
            if (present)
            {
                changes.Put(key, value ?? []);
            }
        }

        state.Apply(changes);
        var memo = new ParticipantReads(state);
        var reads = keys.Concat((probes ?? []).Select(p => Key(p.Table, p.Tail))).ToList();
        // Every key read three times, interleaved, so the remembered answers are the ones checked.
        return Enumerable.Range(0, 3).All(_ => reads.All(key => Same(memo.Get(key), state.Get(key))));
    }

    [Fact]
    public void The_block_overlay_above_it_is_still_read_first()
    {
        var state = new InMemoryState();
        var key = StateKeys.Participant("org-1");
        var changes = new WriteSet();
        changes.Put(key, [1]);
        state.Apply(changes);
        var overlay = new StateOverlay(new ParticipantReads(state));

        Assert.Equal([1], overlay.Get(key));
        overlay.Put(key, [2]);
        Assert.Equal([2], overlay.Get(key));
        overlay.Delete(key);
        Assert.Null(overlay.Get(key));
    }

    /// <summary>A key in the participant table (half the time) or another table.</summary>
    private static byte[] Key(byte table, byte[]? tail) =>
        [table % 2 == 0 ? StateKeys.ParticipantTable : (byte)(table % 0x20), .. (tail ?? []).Take(3)];

    private static bool Same(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);
}

namespace Ledger.Core.State;

/// <summary>
/// The state under one block, with its participant records remembered once read (D55). A transfer reads its three
/// signers' records and the handler reads some again, and a block's transactions share most signers (the operator
/// co-signs every transfer), so a block of 1,000 transfers read the same few records thousands of times. The state
/// under a block does not change while the block executes (its changes go to the block's overlay, which is read
/// first), so a remembered answer, a missing record included, is the answer the state would give again. Other keys
/// pass straight through: a chunk's dedup and custody keys are read once a block, and remembering them would cost more.
/// Bounded by <see cref="EntriesMax"/>: past it, reads pass through uncounted. Single-threaded, like the block.
/// </summary>
public sealed class ParticipantReads : IStateView
{
    /// <summary>More than the signers of any block: a block holds at most 1,000 transactions of a few signatures each.</summary>
    public const int EntriesMax = 16_384;

    private readonly IStateView _state;
    private readonly Dictionary<byte[], byte[]?> _read = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], byte[]?>.AlternateLookup<ReadOnlySpan<byte>> _bySpan;

    public ParticipantReads(IStateView state)
    {
        _state = state;
        _bySpan = _read.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public byte[]? Get(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty || key[0] != StateKeys.ParticipantTable)
        {
            return _state.Get(key);
        }

        if (_bySpan.TryGetValue(key, out var remembered))
        {
            return remembered;
        }

        var value = _state.Get(key);
        if (_read.Count < EntriesMax)
        {
            _read[key.ToArray()] = value;
        }

        return value;
    }
}

using Ledger.Core.Chain;
using Ledger.Core.Protocol;

namespace Ledger.Consensus;

/// <summary>The votes of one (height, round, kind): one per validator, with the power behind each block hash (nil = "").</summary>
internal sealed class VoteSet(ValidatorSet validators)
{
    private readonly Dictionary<string, Vote> _byValidator = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _powerByHash = new(StringComparer.Ordinal);

    public ulong TotalPower { get; private set; }

    /// <summary>Adds a verified vote. Returns the earlier vote when this validator already voted for another block.</summary>
    public Vote? Add(Vote vote)
    {
        if (_byValidator.TryGetValue(vote.ValidatorId, out var earlier))
        {
            return earlier.BlockHash.Equals(vote.BlockHash) ? null : earlier;
        }

        _byValidator[vote.ValidatorId] = vote;
        var power = validators.Find(vote.ValidatorId)!.Power;
        var key = Key(vote.BlockHash.Span);
        _powerByHash[key] = _powerByHash.GetValueOrDefault(key) + power;
        TotalPower += power;
        return null;
    }

    public ulong PowerFor(ReadOnlySpan<byte> blockHash) => _powerByHash.GetValueOrDefault(Key(blockHash));

    /// <summary>The block hashes (not nil) holding a quorum, in a deterministic order.</summary>
    public IEnumerable<byte[]> QuorumHashes() =>
        _powerByHash.Where(p => p.Key.Length > 0 && validators.IsQuorum(p.Value)).Select(p => Convert.FromHexString(p.Key)).OrderBy(h => Convert.ToHexString(h), StringComparer.Ordinal);

    public IEnumerable<Vote> For(ReadOnlySpan<byte> blockHash)
    {
        var key = Key(blockHash);
        return _byValidator.Values.Where(v => Key(v.BlockHash.Span) == key).ToList();
    }

    private static string Key(ReadOnlySpan<byte> blockHash) => Convert.ToHexString(blockHash);
}

using Ledger.Core.Chain;
using Ledger.Core.Protocol;

namespace Ledger.Consensus;

/// <summary>
/// The votes of one (height, round, kind). A validator counts once toward "2f+1 of any vote", and
/// once toward each block hash it voted for: an equivocator's second vote is evidence, and it still
/// counts for that block, as the paper counts messages (otherwise honest nodes locked on it can never
/// see the polka that unlocks them). At most VotesPerValidatorMax different votes are kept per validator.
/// </summary>
internal sealed class VoteSet(ValidatorSet validators)
{
    public const int VotesPerValidatorMax = 4;

    private readonly Dictionary<string, List<Vote>> _byValidator = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _powerByHash = new(StringComparer.Ordinal);

    public ulong TotalPower { get; private set; }

    /// <summary>Adds a verified vote. Returns an earlier vote of this validator for another block, if any (evidence).</summary>
    public Vote? Add(Vote vote)
    {
        var power = validators.Find(vote.ValidatorId)!.Power;
        if (!_byValidator.TryGetValue(vote.ValidatorId, out var earlier))
        {
            _byValidator[vote.ValidatorId] = [vote];
            TotalPower += power;
            Count(vote, power);
            return null;
        }

        if (earlier.Any(v => v.BlockHash.Equals(vote.BlockHash)))
        {
            return null;
        }

        if (earlier.Count < VotesPerValidatorMax)
        {
            earlier.Add(vote);
            Count(vote, power);
        }

        return earlier[0];
    }

    public ulong PowerFor(ReadOnlySpan<byte> blockHash) => _powerByHash.GetValueOrDefault(Key(blockHash));

    /// <summary>The block hashes (not nil) holding a quorum, in a deterministic order.</summary>
    public IEnumerable<byte[]> QuorumHashes() =>
        _powerByHash.Where(p => p.Key.Length > 0 && validators.IsQuorum(p.Value)).Select(p => p.Key).Order(StringComparer.Ordinal).Select(Convert.FromHexString).ToList();

    /// <summary>Each validator's vote for this block hash.</summary>
    public IEnumerable<Vote> For(ReadOnlySpan<byte> blockHash)
    {
        var key = Key(blockHash);
        return _byValidator.Values.SelectMany(votes => votes).Where(v => Key(v.BlockHash.Span) == key).ToList();
    }

    private void Count(Vote vote, ulong power)
    {
        var key = Key(vote.BlockHash.Span);
        _powerByHash[key] = _powerByHash.GetValueOrDefault(key) + power;
    }

    private static string Key(ReadOnlySpan<byte> blockHash) => Convert.ToHexString(blockHash);
}

using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Core.Execution;

/// <summary>The consensus-critical parameters every node and the auditor take from genesis.</summary>
public sealed record ChainParameters(string ChainId, INetworkHash Hash)
{
    /// <summary>The rules' parameters (genesis <c>rules</c>); the measures' values unless genesis says otherwise.</summary>
    public LedgerRules Rules { get; init; } = LedgerRules.Measures;

    public static ChainParameters FromGenesis(Genesis genesis) =>
        new(genesis.ChainId, NetworkHashes.For(genesis.HashAlgorithm)) { Rules = LedgerRules.From(genesis.Rules) };
}

/// <summary>
/// The effective values of <c>GenesisRules</c>: how many full working days a public notice lasts and
/// how many expert opinions a subject needs (§10), and whether this is a development network.
/// </summary>
public sealed record LedgerRules(uint NoticeWorkingDays, uint ReviewOpinionsRequired, bool Development)
{
    /// <summary>§10: a public notice of not less than 5 working days.</summary>
    public const uint NoticeWorkingDaysMeasures = 5;

    /// <summary>Three experts when genesis does not say: the smallest panel with a majority that a single dissent cannot tie.</summary>
    public const uint ReviewOpinionsRequiredDefault = 3;

    public const uint ReviewOpinionsRequiredMax = 15;

    /// <summary>Longer notices are allowed, but not unbounded ones.</summary>
    public const uint NoticeWorkingDaysMax = 60;

    public static readonly LedgerRules Measures = new(NoticeWorkingDaysMeasures, ReviewOpinionsRequiredDefault, false);

    public static LedgerRules From(GenesisRules? rules) => rules is null
        ? Measures
        : new(
            rules.HasNoticeWorkingDays ? rules.NoticeWorkingDays : NoticeWorkingDaysMeasures,
            rules.HasReviewOpinionsRequired ? rules.ReviewOpinionsRequired : ReviewOpinionsRequiredDefault,
            rules.DevelopmentRules);

    /// <summary>What is wrong with these values; empty when they are allowed (development networks may go below the measures).</summary>
    public IEnumerable<string> Problems()
    {
        if (NoticeWorkingDays > NoticeWorkingDaysMax)
        {
            yield return $"rules.notice_working_days must be at most {NoticeWorkingDaysMax}";
        }

        if (NoticeWorkingDays < NoticeWorkingDaysMeasures && !Development)
        {
            yield return $"rules.notice_working_days below {NoticeWorkingDaysMeasures} (§10 of the measures) needs rules.development_rules";
        }

        if (ReviewOpinionsRequired > ReviewOpinionsRequiredMax)
        {
            yield return $"rules.review_opinions_required must be at most {ReviewOpinionsRequiredMax}";
        }

        if (ReviewOpinionsRequired == 0 && !Development)
        {
            yield return "rules.review_opinions_required of 0 (no expert review) needs rules.development_rules";
        }
    }
}

/// <summary>What the edge feeds the pure core for one block: its height and its time (Unix ms, from the header).</summary>
public readonly record struct BlockContext(ulong Height, long TimeMs);

/// <summary>The result of applying a block: the changes to commit, a receipt per transaction, and the state root after it.</summary>
public sealed record BlockExecution(State.WriteSet Changes, IReadOnlyList<Receipt> Receipts, byte[] StateRoot);

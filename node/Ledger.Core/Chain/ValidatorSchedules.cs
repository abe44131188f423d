using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Chain;

/// <summary>Which validators sign which height: genesis's from height 1, then each change from two heights after its block.</summary>
public static class ValidatorSchedules
{
    /// <summary>A change committed in block h takes effect at h + 2 (DESIGN §7): block h + 1 is still decided by the old set.</summary>
    public const ulong EffectDelayHeights = 2;

    public static ValidatorSchedule ForGenesis(Genesis genesis) => new()
    {
        Sets = { new ScheduledValidatorSet { FromHeight = 1, Validators = { genesis.Validators.OrderBy(v => v.ValidatorId, StringComparer.Ordinal) } } },
    };

    /// <summary>The validators in force at height, as the committed state knows them.</summary>
    public static ValidatorSet At(IStateView state, ulong height)
    {
        var bytes = state.Get(StateKeys.ValidatorSchedule);
        Invariant.Require(bytes is not null, "genesis wrote the validator schedule");
        var schedule = ValidatorSchedule.Parser.ParseFrom(bytes);
        var set = schedule.Sets.LastOrDefault(s => s.FromHeight <= height) ?? schedule.Sets[0];
        return new ValidatorSet(set.Validators);
    }

    /// <summary>The schedule with a new set from fromHeight on, replacing any set already scheduled from there or later.</summary>
    public static ValidatorSchedule With(ValidatorSchedule schedule, ulong fromHeight, IEnumerable<Validator> validators)
    {
        var next = new ValidatorSchedule { Sets = { schedule.Sets.Where(s => s.FromHeight < fromHeight) } };
        next.Sets.Add(new ScheduledValidatorSet { FromHeight = fromHeight, Validators = { validators.OrderBy(v => v.ValidatorId, StringComparer.Ordinal) } });
        return next;
    }
}

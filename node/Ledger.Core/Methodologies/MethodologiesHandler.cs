using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Core.Methodologies;

/// <summary>FileMethodology (§5 §6): the bureau files standards and methodologies.</summary>
public static class MethodologiesHandler
{
    public static Outcome File(TransactionContext ctx, FileMethodology tx)
    {
        if (ctx.RequireSignerRole(Role.Bureau, "file a methodology") is { } unauthorized)
        {
            return unauthorized;
        }

        if (Validate(tx) is { } invalid)
        {
            return invalid;
        }

        if (ctx.State.GetMethodology(tx.MethodologyId) is not null)
        {
            return Outcome.Reject(RejectionCode.MethodologyExists, $"methodology {tx.MethodologyId} is already filed");
        }

        if (tx.SupersedesMethodologyId.Length > 0 && Supersede(ctx, tx.SupersedesMethodologyId, tx.MethodologyId) is { } cannotSupersede)
        {
            return cannotSupersede;
        }

        ctx.State.PutMethodology(new MethodologyRecord
        {
            MethodologyId = tx.MethodologyId,
            Title = tx.Title,
            Level = tx.Level,
            Version = tx.Version,
            Status = MethodologyStatus.Active,
            ActivityTypes = { tx.ActivityTypes.Order(StringComparer.Ordinal) },
            FiledHeight = ctx.Block.Height,
            // Scenario fields (issue 6 contract); part A validates them.
            Kind = tx.Kind,
            EmissionFactors = { tx.EmissionFactors.OrderBy(f => f.ActivityType, StringComparer.Ordinal) },
            DailyCapGramsPerUser = tx.DailyCapGramsPerUser,
        });
        return Outcome.Committed(("methodology_id", tx.MethodologyId));
    }

    private static Outcome? Supersede(TransactionContext ctx, string supersededId, string successorId)
    {
        var superseded = ctx.State.GetMethodology(supersededId);
        if (superseded is null)
        {
            return Outcome.Reject(RejectionCode.UnknownMethodology, $"methodology {supersededId} to supersede is not filed");
        }

        if (superseded.Status != MethodologyStatus.Active)
        {
            return Outcome.Reject(RejectionCode.MethodologyNotActive, $"methodology {supersededId} is {superseded.Status}; only an active one can be superseded");
        }

        var updated = superseded.Clone();
        updated.Status = MethodologyStatus.Superseded;
        updated.SupersededBy = successorId;
        ctx.State.PutMethodology(updated);
        return null;
    }

    private static Outcome? Validate(FileMethodology tx)
    {
        if (!Limits.IsValidId(tx.MethodologyId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "methodology_id must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        }

        if (!Limits.IsValidText(tx.Title, Limits.NameLengthMax, required: true) || !Limits.IsValidText(tx.Version, Limits.IdLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "title and version are required, without control characters");
        }

        if (tx.Level is not (MethodologyLevel.National or MethodologyLevel.Local or MethodologyLevel.Group))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "level must be NATIONAL, LOCAL or GROUP");
        }

        if (tx.SupersedesMethodologyId.Length > 0 && !Limits.IsValidId(tx.SupersedesMethodologyId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "supersedes_methodology_id must be a methodology id");
        }

        var activities = tx.ActivityTypes;
        if (activities.Count > Limits.ActivityTypesPerMethodologyMax || !activities.All(a => Limits.IsValidId(a)) || activities.Distinct().Count() != activities.Count)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"activity_types must be at most {Limits.ActivityTypesPerMethodologyMax} distinct ids");
        }

        return null;
    }
}

using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Core.Methodologies;

/// <summary>FileMethodology, WithdrawMethodology, GrantMethodologyException (§5–§8): the bureau files, supersedes and withdraws methodologies.</summary>
public static class MethodologiesHandler
{
    public static Outcome File(TransactionContext ctx, FileMethodology tx)
    {
        if (ctx.RequireSignerRole(Role.Bureau, "file a methodology") is { } unauthorized)
        {
            return unauthorized;
        }

        if ((Validate(tx) ?? MethodologyFactors.Validate(tx)) is { } invalid)
        {
            return invalid;
        }

        if (ctx.State.GetMethodology(tx.MethodologyId) is not null)
        {
            return Outcome.Reject(RejectionCode.MethodologyExists, $"methodology {tx.MethodologyId} is already filed");
        }

        if (tx.SupersedesMethodologyId.Length > 0 && Supersede(ctx, tx) is { } cannotSupersede)
        {
            return cannotSupersede;
        }

        var record = new MethodologyRecord
        {
            MethodologyId = tx.MethodologyId,
            Title = tx.Title,
            Level = tx.Level,
            Version = tx.Version,
            Status = MethodologyStatus.Active,
            ActivityTypes = { tx.ActivityTypes.Order(StringComparer.Ordinal) },
            FiledHeight = ctx.Block.Height,
            Kind = tx.Kind,
            EmissionFactors = { tx.EmissionFactors.OrderBy(f => f.ActivityType, StringComparer.Ordinal) },
            DailyCapGramsPerUser = tx.DailyCapGramsPerUser,
        };
        if (Preference.Index(ctx.State, record) is { } full)
        {
            return full;
        }

        ctx.State.PutMethodology(record);
        return Outcome.Committed(("methodology_id", tx.MethodologyId));
    }

    public static Outcome Withdraw(TransactionContext ctx, WithdrawMethodology tx)
    {
        if (ctx.RequireSignerRole(Role.Bureau, "withdraw a methodology") is { } unauthorized)
        {
            return unauthorized;
        }

        if (!Limits.IsValidId(tx.MethodologyId) || !Limits.IsValidText(tx.Reason, Limits.TextLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"methodology_id must be 1-64 characters of A-Z a-z 0-9 . _ : -, and reason 1-{Limits.TextLengthMax} characters");
        }

        var methodology = ctx.State.GetMethodology(tx.MethodologyId);
        if (methodology is null)
        {
            return Outcome.Reject(RejectionCode.UnknownMethodology, $"methodology {tx.MethodologyId} is not filed");
        }

        if (methodology.Status != MethodologyStatus.Active)
        {
            return Outcome.Reject(RejectionCode.MethodologyNotActive, $"methodology {tx.MethodologyId} is {methodology.Status}; only an active one can be withdrawn");
        }

        var updated = methodology.Clone();
        updated.Status = MethodologyStatus.Withdrawn;
        updated.WithdrawalReason = tx.Reason;
        updated.StatusHeight = ctx.Block.Height;
        Preference.Unindex(ctx.State, updated);
        ctx.State.PutMethodology(updated);
        return Outcome.Committed(("methodology_id", tx.MethodologyId), ("status", "METHODOLOGY_STATUS_WITHDRAWN"));
    }

    public static Outcome GrantException(TransactionContext ctx, GrantMethodologyException tx)
    {
        if (ctx.RequireSignerRole(Role.Bureau, "grant a methodology exception") is { } unauthorized)
        {
            return unauthorized;
        }

        if (!Limits.IsValidId(tx.SubjectId) || !Limits.IsValidId(tx.MethodologyId) || !Limits.IsValidText(tx.Reason, Limits.TextLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"subject_id and methodology_id must be 1-64 characters of A-Z a-z 0-9 . _ : -, and reason 1-{Limits.TextLengthMax} characters");
        }

        if (ctx.State.GetMethodology(tx.MethodologyId) is null)
        {
            return Outcome.Reject(RejectionCode.UnknownMethodology, $"methodology {tx.MethodologyId} is not filed");
        }

        ctx.State.PutMethodologyException(new MethodologyException
        {
            SubjectId = tx.SubjectId,
            MethodologyId = tx.MethodologyId,
            Reason = tx.Reason,
            GrantedBy = ctx.Signer.ParticipantId,
            GrantedHeight = ctx.Block.Height,
        });
        return Outcome.Committed(("project_id", tx.SubjectId), ("methodology_id", tx.MethodologyId));
    }

    private static Outcome? Supersede(TransactionContext ctx, FileMethodology successor)
    {
        var supersededId = successor.SupersedesMethodologyId;
        var superseded = ctx.State.GetMethodology(supersededId);
        if (superseded is null)
        {
            return Outcome.Reject(RejectionCode.UnknownMethodology, $"methodology {supersededId} to supersede is not filed");
        }

        if (superseded.Status != MethodologyStatus.Active)
        {
            return Outcome.Reject(RejectionCode.MethodologyNotActive, $"methodology {supersededId} is {superseded.Status}; only an active one can be superseded");
        }

        if (superseded.Kind != successor.Kind)
        {
            return Outcome.Reject(RejectionCode.MethodologyKindMismatch, $"methodology {supersededId} is {superseded.Kind}; its successor must be of the same kind");
        }

        var updated = superseded.Clone();
        updated.Status = MethodologyStatus.Superseded;
        updated.SupersededBy = successor.MethodologyId;
        updated.StatusHeight = ctx.Block.Height;
        Preference.Unindex(ctx.State, updated);
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

        if (tx.Kind is not (MethodologyKind.Project or MethodologyKind.Scenario))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "kind must be PROJECT or SCENARIO");
        }

        if (tx.SupersedesMethodologyId.Length > 0 && (!Limits.IsValidId(tx.SupersedesMethodologyId) || tx.SupersedesMethodologyId == tx.MethodologyId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "supersedes_methodology_id must be another methodology's id");
        }

        var activities = tx.ActivityTypes;
        if (activities.Count > Limits.ActivityTypesPerMethodologyMax || !activities.All(a => Limits.IsValidId(a)) || activities.Distinct().Count() != activities.Count)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"activity_types must be at most {Limits.ActivityTypesPerMethodologyMax} distinct ids");
        }

        return null;
    }
}

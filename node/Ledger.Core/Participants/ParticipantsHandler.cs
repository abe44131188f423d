using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Participants;

/// <summary>RegisterParticipant, UpdateParticipant, RotateKey.</summary>
public static class ParticipantsHandler
{
    public static Outcome Register(TransactionContext ctx, RegisterParticipant tx)
    {
        if (ValidateIdentity(tx.ParticipantId, tx.Name, tx.Roles) is { } invalid)
        {
            return invalid;
        }

        if (RequireGrantAuthority(ctx, tx.Roles) is { } unauthorized)
        {
            return unauthorized;
        }

        if (ValidateKey(tx.PublicKey) is { } badKey)
        {
            return badKey;
        }

        if (ctx.State.GetParticipant(tx.ParticipantId) is not null)
        {
            return Outcome.Reject(RejectionCode.ParticipantExists, $"participant {tx.ParticipantId} is already registered");
        }

        ctx.State.PutParticipant(new ParticipantRecord
        {
            ParticipantId = tx.ParticipantId,
            Name = tx.Name,
            Roles = { SortedRoles(tx.Roles) },
            PublicKey = tx.PublicKey,
            Status = ParticipantStatus.Active,
            RegisteredBy = ctx.Signer.ParticipantId,
            RegisteredHeight = ctx.Block.Height,
        });
        return Outcome.Committed(("participant_id", tx.ParticipantId));
    }

    /// <summary>
    /// D32, §11 ("may no longer take part"): a suspended participant is issued no new units. What it
    /// already holds stays where it is and stays visible; reinstatement (UpdateParticipant ACTIVE) lifts this.
    /// </summary>
    public static Outcome? RequireNotSuspended(LedgerState state, string participantId, string what) =>
        state.GetParticipant(participantId) is { Status: ParticipantStatus.Suspended }
            ? Outcome.Reject(RejectionCode.RecipientSuspended, $"{participantId} is suspended and {what}")
            : null;

    public static Outcome Update(TransactionContext ctx, UpdateParticipant tx)
    {
        if (ValidateIdentity(tx.ParticipantId, tx.Name, tx.Roles) is { } invalid)
        {
            return invalid;
        }

        if (tx.Status is not (ParticipantStatus.Active or ParticipantStatus.Suspended))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "status must be ACTIVE or SUSPENDED");
        }

        if (tx.ParticipantId == ctx.Signer.ParticipantId)
        {
            // A participant changing its own roles or status could lock the registry out of its only bureau key.
            return Outcome.Reject(RejectionCode.UnauthorizedRole, "a participant may not change its own roles or status");
        }

        var existing = ctx.State.GetParticipant(tx.ParticipantId);
        if (existing is null)
        {
            return Outcome.Reject(RejectionCode.UnknownParticipant, $"participant {tx.ParticipantId} is not registered");
        }

        if (RequireGrantAuthority(ctx, existing.Roles.Concat(tx.Roles)) is { } unauthorized)
        {
            return unauthorized;
        }

        var updated = existing.Clone();
        updated.Name = tx.Name;
        updated.Roles.Clear();
        updated.Roles.AddRange(SortedRoles(tx.Roles));
        updated.Status = tx.Status;
        ctx.State.PutParticipant(updated);
        return Outcome.Committed(("participant_id", tx.ParticipantId));
    }

    /// <summary>The proof-of-possession signature by the new key is checked with the envelope's signatures.</summary>
    public static Outcome RotateKey(TransactionContext ctx, RotateKey tx)
    {
        if (!Limits.IsValidId(tx.ParticipantId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "participant_id must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        }

        if (tx.ParticipantId != ctx.Signer.ParticipantId && ctx.RequireSignerRole(Role.Bureau, "rotate another participant's key") is { } unauthorized)
        {
            return unauthorized;
        }

        var existing = ctx.State.GetParticipant(tx.ParticipantId);
        if (existing is null)
        {
            return Outcome.Reject(RejectionCode.UnknownParticipant, $"participant {tx.ParticipantId} is not registered");
        }

        if (ValidateKey(tx.NewPublicKey) is { } badKey)
        {
            return badKey;
        }

        if (existing.PublicKey.Equals(tx.NewPublicKey))
        {
            return Outcome.Reject(RejectionCode.InvalidKey, "the new key is the current key");
        }

        var updated = existing.Clone();
        updated.PublicKey = tx.NewPublicKey;
        updated.KeyRotatedHeight = ctx.Block.Height;
        ctx.State.PutParticipant(updated);
        return Outcome.Committed(("participant_id", tx.ParticipantId));
    }

    /// <summary>The bureau grants any role; the operator only enterprise roles (§2); nobody else registers anyone.</summary>
    private static Outcome? RequireGrantAuthority(TransactionContext ctx, IEnumerable<Role> roles)
    {
        if (ctx.SignerHas(Role.Bureau))
        {
            return null;
        }

        if (!ctx.SignerHas(Role.Operator))
        {
            return Outcome.Reject(RejectionCode.UnauthorizedRole, $"{ctx.Signer.ParticipantId} is neither BUREAU nor OPERATOR; only they register participants");
        }

        var reserved = roles.FirstOrDefault(role => !Roles.OperatorGrantable.Contains(role));
        return reserved == Role.Unspecified
            ? null
            : Outcome.Reject(RejectionCode.UnauthorizedRole, $"only BUREAU may grant or change {Roles.Name(reserved)}");
    }

    private static Outcome? ValidateIdentity(string participantId, string name, IReadOnlyCollection<Role> roles)
    {
        if (!Limits.IsValidId(participantId))
        {
            return Outcome.Reject(RejectionCode.InvalidField, "participant_id must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        }

        if (!Limits.IsValidText(name, Limits.NameLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"name must be 1-{Limits.NameLengthMax} characters without control characters");
        }

        if (roles.Count is 0 || roles.Count > Limits.RolesPerParticipantMax || !roles.All(Roles.IsKnown) || roles.Distinct().Count() != roles.Count)
        {
            return Outcome.Reject(RejectionCode.InvalidField, "roles must be 1-8 distinct known roles");
        }

        return null;
    }

    private static Outcome? ValidateKey(PublicKey? key)
    {
        if (key is null)
        {
            return Outcome.Reject(RejectionCode.InvalidKey, "public_key is missing");
        }

        var suite = SignatureSuites.Find(key.Algorithm);
        if (suite is null)
        {
            return Outcome.Reject(RejectionCode.InvalidKey, $"key algorithm {key.Algorithm} is not supported");
        }

        return suite.IsValidPublicKey(key.Key.Span)
            ? null
            : Outcome.Reject(RejectionCode.InvalidKey, $"public_key is not a valid {key.Algorithm} public key");
    }

    private static IEnumerable<Role> SortedRoles(IEnumerable<Role> roles) => roles.Order();
}

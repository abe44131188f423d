using Google.Protobuf;
using Ledger.Core;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;

namespace Ledger.Client.Builders;

/// <summary>
/// One method per transaction kind of transactions.proto, each returning a ready <see cref="TransactionBody"/>.
/// Arguments are checked as the ledger would (ids, lengths, non-zero amounts) and an
/// <see cref="ArgumentException"/> names the field; rules that need state (balances, roles) are the ledger's.
/// </summary>
public static partial class Transactions
{
    private static readonly DateOnly DayZero = new(1970, 1, 1);

    /// <summary>Registers a participant. Signed by a BUREAU (any role) or an OPERATOR (enterprise roles only).</summary>
    public static TransactionBody RegisterParticipant(string participantId, string name, IEnumerable<Role> roles, PublicKey publicKey) => new()
    {
        RegisterParticipant = new RegisterParticipant
        {
            ParticipantId = Require.Id(participantId, nameof(participantId)),
            Name = Require.Text(name, nameof(name), Limits.NameLengthMax),
            Roles = { Require.Roles(roles, nameof(roles)) },
            PublicKey = Require.Key(publicKey, nameof(publicKey)),
        },
    };

    /// <summary>Replaces a participant's name, roles and status. Signed by a BUREAU or OPERATOR, never by the participant itself.</summary>
    public static TransactionBody UpdateParticipant(string participantId, string name, IEnumerable<Role> roles, ParticipantStatus status)
    {
        if (status is not (ParticipantStatus.Active or ParticipantStatus.Suspended))
        {
            throw new ArgumentException("status must be ACTIVE or SUSPENDED", nameof(status));
        }

        return new TransactionBody
        {
            UpdateParticipant = new UpdateParticipant
            {
                ParticipantId = Require.Id(participantId, nameof(participantId)),
                Name = Require.Text(name, nameof(name), Limits.NameLengthMax),
                Roles = { Require.Roles(roles, nameof(roles)) },
                Status = status,
            },
        };
    }

    /// <summary>
    /// Replaces a participant's key. The envelope also needs the proof of possession (the last
    /// signature, by participantId, made with the new key): use <see cref="Envelopes.RotateKey"/> or
    /// <see cref="LedgerClient.PrepareRotateKeyAsync"/>, which add it.
    /// </summary>
    public static TransactionBody RotateKey(string participantId, PublicKey newPublicKey) => new()
    {
        RotateKey = new RotateKey
        {
            ParticipantId = Require.Id(participantId, nameof(participantId)),
            NewPublicKey = Require.Key(newPublicKey, nameof(newPublicKey)),
        },
    };

    /// <summary>Files a methodology (§5 §6), optionally superseding an active one. Signed by a BUREAU.</summary>
    public static TransactionBody FileMethodology(
        string methodologyId,
        string title,
        MethodologyLevel level,
        string version,
        IEnumerable<string> activityTypes,
        string? supersedesMethodologyId = null)
    {
        if (level is not (MethodologyLevel.National or MethodologyLevel.Local or MethodologyLevel.Group))
        {
            throw new ArgumentException("level must be NATIONAL, LOCAL or GROUP", nameof(level));
        }

        return new TransactionBody
        {
            FileMethodology = new FileMethodology
            {
                MethodologyId = Require.Id(methodologyId, nameof(methodologyId)),
                Title = Require.Text(title, nameof(title), Limits.NameLengthMax),
                Level = level,
                Version = Require.Text(version, nameof(version), Limits.IdLengthMax),
                ActivityTypes = { Require.DistinctIds(activityTypes, nameof(activityTypes), Limits.ActivityTypesPerMethodologyMax) },
                SupersedesMethodologyId = string.IsNullOrEmpty(supersedesMethodologyId)
                    ? string.Empty
                    : Require.Id(supersedesMethodologyId, nameof(supersedesMethodologyId)),
            },
        };
    }

    /// <summary>
    /// Applies for a project (§9). Signed by a PROJECT_OWNER. List the project's ids in other
    /// registries (CCER, VCS, GS); such a project is recorded but never issues here (§17).
    /// </summary>
    public static TransactionBody ApplyProject(string projectId, string title, string methodologyId, IEnumerable<string>? externalRegistryIds = null) => new()
    {
        ApplyProject = new ApplyProject
        {
            ProjectId = Require.Id(projectId, nameof(projectId)),
            Title = Require.Text(title, nameof(title), Limits.NameLengthMax),
            MethodologyId = Require.Id(methodologyId, nameof(methodologyId)),
            ExternalRegistryIds = { Require.DistinctIds(externalRegistryIds, nameof(externalRegistryIds), Limits.ExternalRegistryIdsPerProjectMax) },
        },
    };

    /// <summary>
    /// Approves a project or scenario in PUBLIC_NOTICE whose notice has lasted the network's working
    /// days and whose objections are answered (§10). Signed by a BUREAU. Same as <see cref="Approve"/>.
    /// </summary>
    public static TransactionBody ApproveProject(string projectId) => new()
    {
        ApproveProject = new ApproveProject { ProjectId = Require.Id(projectId, nameof(projectId)) },
    };

    /// <summary>Rejects an APPLIED, UNDER_REVIEW or PUBLIC_NOTICE project or scenario with a reason. Signed by a BUREAU.</summary>
    public static TransactionBody RejectProject(string projectId, string reason) => new()
    {
        RejectProject = new RejectProject
        {
            ProjectId = Require.Id(projectId, nameof(projectId)),
            Reason = Require.Text(reason, nameof(reason), Limits.TextLengthMax),
        },
    };

    /// <summary>
    /// Issues reductions for a monitoring period (both dates included, China Standard Time).
    /// Signed by a BUREAU and co-signed by the VERIFIER <paramref name="verifierId"/> (§15).
    /// </summary>
    public static TransactionBody IssueProjectReductions(string projectId, DateOnly firstDay, DateOnly lastDay, ulong amountGrams, ReadOnlySpan<byte> reportHash, string verifierId)
    {
        if (firstDay < DayZero || lastDay < firstDay)
        {
            throw new ArgumentException("the monitoring period must have 1970-01-01 <= firstDay <= lastDay", nameof(firstDay));
        }

        return IssueProjectReductions(projectId, BatchIds.DayNumber(firstDay), BatchIds.DayNumber(lastDay), amountGrams, reportHash, verifierId);
    }

    /// <summary>As the <see cref="DateOnly"/> overload, with days counted from 1970-01-01 (2025-01-01 is day 20089).</summary>
    public static TransactionBody IssueProjectReductions(string projectId, uint firstDay, uint lastDay, ulong amountGrams, ReadOnlySpan<byte> reportHash, string verifierId)
    {
        if (firstDay > lastDay || lastDay > BatchIds.DayNumberMax)
        {
            throw new ArgumentException("the monitoring period must have firstDay <= lastDay, both before year 10000", nameof(lastDay));
        }

        if (reportHash.Length != Limits.ReportHashBytes)
        {
            throw new ArgumentException($"reportHash must be {Limits.ReportHashBytes} bytes (the network hash of the report), not {reportHash.Length}", nameof(reportHash));
        }

        return new TransactionBody
        {
            IssueProjectReductions = new IssueProjectReductions
            {
                ProjectId = Require.Id(projectId, nameof(projectId)),
                MonitoringPeriod = new DayRange { FirstDay = firstDay, LastDay = lastDay },
                AmountGrams = Require.Positive(amountGrams, nameof(amountGrams)),
                ReportHash = ByteString.CopyFrom(reportHash),
                VerifierId = Require.Id(verifierId, nameof(verifierId)),
            },
        };
    }

    /// <summary>
    /// Asks for units to be cancelled for carbon neutralisation (§23); they go to escrow until the
    /// operator decides. Signed by the holder. The cancellation id is this transaction's id (hex).
    /// <paramref name="usingEntity"/> names who uses the reductions for neutralisation; empty means the holder.
    /// </summary>
    public static TransactionBody RequestCancellation(string batchId, ulong amountGrams, string beneficiary, string purpose, string usingEntity = "") => new()
    {
        RequestCancellation = new RequestCancellation
        {
            BatchId = Require.Id(batchId, nameof(batchId), Limits.BatchIdLengthMax),
            AmountGrams = Require.Positive(amountGrams, nameof(amountGrams)),
            Beneficiary = Require.Text(beneficiary, nameof(beneficiary), Limits.NameLengthMax),
            Purpose = Require.Text(purpose, nameof(purpose), Limits.TextLengthMax),
            UsingEntity = Require.Text(usingEntity, nameof(usingEntity), Limits.NameLengthMax, required: false),
        },
    };

    /// <summary>
    /// The custody path of <see cref="RequestCancellation"/> (§23, D24): the batch's custodian
    /// SCENARIO_COMPANY asks for grams of one user's custody balance to be cancelled, with the user's
    /// consent reference. <paramref name="custodyUserId"/> is the user's 32-byte pseudonymous id; it goes
    /// on the ledger as 64 lowercase hex characters.
    /// </summary>
    public static TransactionBody RequestCustodyCancellation(
        ReadOnlySpan<byte> custodyUserId, string consentRef, string batchId, ulong amountGrams, string beneficiary, string purpose, string usingEntity = "")
    {
        var body = RequestCancellation(batchId, amountGrams, beneficiary, purpose, usingEntity);
        body.RequestCancellation.CustodyUserId = Convert.ToHexStringLower(Require.Hash(custodyUserId, nameof(custodyUserId)));
        body.RequestCancellation.ConsentRef = Require.Text(consentRef, nameof(consentRef), Limits.NameLengthMax);
        return body;
    }

    /// <summary>Approves a pending cancellation: the units retire and take serials. Signed by an OPERATOR.</summary>
    public static TransactionBody ApproveCancellation(string cancellationId) => new()
    {
        ApproveCancellation = new ApproveCancellation { CancellationId = Require.Id(cancellationId, nameof(cancellationId)) },
    };

    /// <summary>Declines a pending cancellation: the units return to the holder. Signed by an OPERATOR.</summary>
    public static TransactionBody DeclineCancellation(string cancellationId, string reason) => new()
    {
        DeclineCancellation = new DeclineCancellation
        {
            CancellationId = Require.Id(cancellationId, nameof(cancellationId)),
            Reason = Require.Text(reason, nameof(reason), Limits.TextLengthMax),
        },
    };

    /// <summary>
    /// BUREAU changes the consensus validators: each entry adds a validator, replaces its key or power,
    /// or removes it (power 0). Committed at height h, the new set signs from h + 2.
    /// </summary>
    public static TransactionBody ChangeValidators(IEnumerable<(string ValidatorId, PublicKey PublicKey, ulong Power)> updates)
    {
        var body = new ChangeValidators();
        foreach (var (validatorId, publicKey, power) in updates)
        {
            body.Updates.Add(new ValidatorUpdate { ValidatorId = Require.Id(validatorId, nameof(updates)), PublicKey = publicKey, Power = power });
        }

        if (body.Updates.Count == 0)
        {
            throw new ArgumentException("at least one validator update is needed", nameof(updates));
        }

        return new TransactionBody { ChangeValidators = body };
    }
}

using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Ledger.Core.Participants;
using Ledger.Core.State;

namespace Ledger.Core.Execution;

/// <summary>Everything a handler may look at: the state as of this transaction, the block, and who verifiably signed.</summary>
public sealed class TransactionContext
{
    public required LedgerState State { get; init; }

    public required BlockContext Block { get; init; }

    public required INetworkHash Hash { get; init; }

    /// <summary>The genesis's rule parameters (notice working days, expert opinions).</summary>
    public required LedgerRules Rules { get; init; }

    public required byte[] TransactionId { get; init; }

    /// <summary>The primary signer, as registered at this point.</summary>
    public required ParticipantRecord Signer { get; init; }

    /// <summary>Co-signers whose signatures verified, as registered at this point (not including the primary signer).</summary>
    public required IReadOnlyList<ParticipantRecord> CoSigners { get; init; }

    /// <summary>Body-derived values already computed for this transaction id (see <see cref="TransactionMemo"/>); none for a one-off execution.</summary>
    public TransactionMemo? Memo { get; init; }

    /// <summary>Today in China Standard Time, from the block time: the day the measures' deadlines and notices count in.</summary>
    public uint Today => Calendar.WorkingDays.ChinaDay(Block.TimeMs);

    public string TransactionIdHex => Convert.ToHexStringLower(TransactionId);

    public bool SignerHas(Role role) => Roles.Has(Signer, role);

    /// <summary>The first co-signer holding role, or null.</summary>
    public ParticipantRecord? CoSignerWith(Role role) => CoSigners.FirstOrDefault(p => Roles.Has(p, role));

    public ParticipantRecord? CoSigner(string participantId) =>
        CoSigners.FirstOrDefault(p => p.ParticipantId == participantId);

    /// <summary>Refuses unless the primary signer holds role.</summary>
    public Outcome? RequireSignerRole(Role role, string action) =>
        SignerHas(role)
            ? null
            : Outcome.Reject(RejectionCode.UnauthorizedRole, $"{Signer.ParticipantId} is not {Roles.Name(role)}; only {Roles.Name(role)} may {action}");
}

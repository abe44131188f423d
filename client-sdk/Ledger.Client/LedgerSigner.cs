using Ledger.Core;
using Ledger.Core.Crypto;

namespace Ledger.Client;

/// <summary>
/// A participant id and the key it signs with. The signer does not own the key: dispose the
/// <see cref="SigningKey"/> yourself when you no longer need it.
/// </summary>
public sealed class LedgerSigner
{
    /// <summary>Pairs a registered participant id with its current key.</summary>
    /// <exception cref="ArgumentException">The id is not a valid participant id.</exception>
    public LedgerSigner(string participantId, SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(participantId);
        ArgumentNullException.ThrowIfNull(key);
        if (!Limits.IsValidId(participantId))
        {
            throw new ArgumentException($"participantId must be 1-{Limits.IdLengthMax} characters of A-Z a-z 0-9 . _ : -", nameof(participantId));
        }

        ParticipantId = participantId;
        Key = key;
    }

    /// <summary>The participant whose current key is <see cref="Key"/>.</summary>
    public string ParticipantId { get; }

    /// <summary>The private key.</summary>
    public SigningKey Key { get; }

    /// <inheritdoc />
    public override string ToString() => $"{ParticipantId} ({Key.Algorithm})";
}

using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Core.Scenarios;

/// <summary>The checks one behaviour record needs without state (docs/PROTOCOL.md §15.1).</summary>
public static class BehaviourRecords
{
    public static Outcome? Problem(BehaviourRecord record, int index, long dayStartMs, long blockTimeMs)
    {
        if (record.UserId.Length != Limits.BehaviourHashBytes)
        {
            // §14 §28: a salted hash, never a raw identifier such as a phone number.
            return Outcome.Reject(RejectionCode.InvalidField, $"record {index}: user_id must be a {Limits.BehaviourHashBytes}-byte salted hash, not {record.UserId.Length} bytes");
        }

        if (record.DedupKey.Length != Limits.BehaviourHashBytes)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"record {index}: dedup_key must be {Limits.BehaviourHashBytes} bytes, not {record.DedupKey.Length}");
        }

        if (record.ConsentRef.Length == 0)
        {
            // §13: the user's full authorisation is the condition of using the data at all.
            return Outcome.Reject(RejectionCode.NoConsent, $"record {index}: no consent_ref; a record is used only with the user's consent (§13)");
        }

        if (!Limits.IsValidText(record.ConsentRef, Limits.ConsentRefLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"record {index}: consent_ref must be at most {Limits.ConsentRefLengthMax} characters without control characters");
        }

        if (!Limits.IsValidId(record.ActivityType))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"record {index}: activity_type must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        }

        if (record.Quantity is 0 or > Limits.BehaviourQuantityMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"record {index}: quantity must be 1-{Limits.BehaviourQuantityMax}, not {record.Quantity}");
        }

        if (record.WindowStartMs > record.WindowEndMs || record.WindowEndMs > Limits.DayMs)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"record {index}: the window must have start <= end <= {Limits.DayMs} ms after 00:00 CST of the day");
        }

        return dayStartMs + record.WindowEndMs <= blockTimeMs
            ? null
            : Outcome.Reject(RejectionCode.InvalidField, $"record {index}: the window ends after the block's time; behaviour is reported once it has happened");
    }
}

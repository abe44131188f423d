using System.Diagnostics.CodeAnalysis;
using Ledger.Core.Protocol;

namespace Ledger.Core.Execution;

/// <summary>
/// Sign bytes, transaction ids and signature verdicts built already, so that applying an envelope need not
/// build them again: `ledger verify`'s workers build them to check the signatures ahead of the replay (D45, D50).
/// Found by the envelope object itself (never by its value), so a hit is what <see cref="SignBytes.For"/> and the
/// chain's hash gave for exactly that object; a miss only means the caller builds them.
/// </summary>
public interface IPreparedTransactions
{
    bool TryGet(Envelope envelope, [NotNullWhen(true)] out PreparedTransaction? prepared);
}

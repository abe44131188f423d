using System.Collections.Concurrent;
using Grpc.Core;
using Ledger.Client;
using Ledger.Core.Protocol;

namespace Ledger.Bench.Soak;

/// <summary>A transaction whose commit a SubmitAndWait reply reported: its id, block height and kind of operation.</summary>
public sealed record Acknowledged(string TransactionId, ulong Height, string Kind);

/// <summary>
/// Every outcome the load saw: acknowledged commits (the ones the final check looks for on every
/// node), refusals by code, and outcomes left unknown by a node killed or stalled under the call.
/// </summary>
public sealed class Acknowledgements
{
    private readonly ConcurrentQueue<Acknowledged> _committed = new();
    private readonly ConcurrentDictionary<string, int> _committedByKind = new();
    private readonly ConcurrentDictionary<RejectionCode, int> _refusedByCode = new();
    private int _unknown;

    public IReadOnlyCollection<Acknowledged> Committed => _committed;

    public IReadOnlyDictionary<string, int> CommittedByKind => _committedByKind;

    public IReadOnlyDictionary<RejectionCode, int> RefusedByCode => _refusedByCode;

    /// <summary>Calls that ended without a verdict (node killed, no quorum in time): the transaction may or may not have committed.</summary>
    public int Unknown => _unknown;

    public void Record(string kind, CommitResult result)
    {
        if (result.Status == TransactionStatus.Committed)
        {
            // In a block, whatever its receipt says: it must be on every node.
            _committed.Enqueue(new Acknowledged(result.TransactionId, result.Height, kind));
            _committedByKind.AddOrUpdate(kind, 1, (_, n) => n + 1);
        }

        if (result.Code != RejectionCode.Unspecified)
        {
            _refusedByCode.AddOrUpdate(result.Code, 1, (_, n) => n + 1);
        }
    }

    public void RecordUnknown() => Interlocked.Increment(ref _unknown);

    /// <summary>The failures of a call that say nothing about the transaction's fate.</summary>
    public static bool IsUnknownOutcome(Exception exception) =>
        exception is LedgerClientException or LedgerTimeoutException or RpcException or HttpRequestException or IOException;
}

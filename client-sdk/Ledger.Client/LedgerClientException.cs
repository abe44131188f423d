using Grpc.Core;

namespace Ledger.Client;

/// <summary>
/// The call failed for a reason other than a refusal of the transaction: the node is unreachable,
/// the request was malformed, the node failed. <see cref="StatusCode"/> is the gRPC status.
/// </summary>
public sealed class LedgerClientException : Exception
{
    /// <summary>Creates the exception from a gRPC status code and the node's detail text.</summary>
    public LedgerClientException(StatusCode statusCode, string detail, Exception? innerException = null)
        : base($"the ledger node answered {statusCode}: {detail}", innerException)
    {
        StatusCode = statusCode;
        Detail = detail;
    }

    /// <summary>The gRPC status code (e.g. <see cref="StatusCode.InvalidArgument"/>, <see cref="StatusCode.Unavailable"/>).</summary>
    public StatusCode StatusCode { get; }

    /// <summary>The node's (or the transport's) explanation.</summary>
    public string Detail { get; }
}

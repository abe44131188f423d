using System.Net;
using Grpc.Core;

namespace Ledger.Node.Backup;

/// <summary>
/// The operator's listener (NodeOptions.AdminListenUrl): loopback only, so the Admin service is
/// reachable from the node's own machine and never through the client API's port.
/// </summary>
public sealed class AdminEndpoint
{
    private AdminEndpoint(IPAddress address, int port)
    {
        Address = address;
        Port = port;
    }

    public IPAddress Address { get; }

    public int Port { get; }

    /// <summary>Null for an empty setting; throws, naming the field, for anything but http://&lt;loopback IP&gt;:&lt;port&gt;.</summary>
    public static AdminEndpoint? Parse(string url) => Parse(url, "Node:AdminListenUrl", "the admin service (backups)");

    /// <summary>The same rule for another loopback-only listener (the portal's plain-HTTP one), naming its field and what it serves.</summary>
    public static AdminEndpoint? Parse(string url, string field, string serves)
    {
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.IsDefaultPort
            || !IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address))
        {
            throw new InvalidOperationException($"{field} '{url}' is not http://<IP address>:<port>");
        }

        if (!IPAddress.IsLoopback(address))
        {
            throw new InvalidOperationException($"{field} '{url}' is not a loopback address (127.0.0.1 or [::1]); {serves} must never be reachable from other machines");
        }

        return new AdminEndpoint(address, uri.Port);
    }

    /// <summary>The Admin service answers only on this listener, whatever Host header a caller sends to another port.</summary>
    public void Require(ServerCallContext context)
    {
        var connection = context.GetHttpContext().Connection;
        if (connection.LocalPort != Port || connection.RemoteIpAddress is not { } remote || !IPAddress.IsLoopback(remote))
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "the admin service is served only on the node's admin listener"));
        }
    }
}

using System.Net;
using Ledger.Integration.Tests;

namespace Ledger.Portal.Tests;

/// <summary>
/// The development plaintext mode (D28, D36): the client API's port stays HTTP/2 only (h2c cannot share a
/// port with HTTP/1.1), so the portal is served on PortalListenUrl over HTTP/1.1, and gRPC keeps working.
/// </summary>
public sealed class PlaintextPortalTests
{
    [Fact]
    public async Task A_plaintext_node_serves_the_portal_on_its_portal_listener_and_grpc_on_its_port()
    {
        var portalPort = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartAsync(extraSettings: $"\"PortalListenUrl\": \"http://127.0.0.1:{portalPort}\"");
        await using var client = Participants.Client(node);
        Assert.Equal(NodeProcess.ValidatorId, (await client.GetStatusAsync()).NodeId);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{portalPort}") };
        var status = await http.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Contains(NodeProcess.ValidatorId, await status.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var home = await http.GetAsync("/?lang=en");
        Assert.Contains("Ordos Carbon Inclusive Public Disclosure", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("text/css", (await http.GetAsync("/portal.css")).Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void A_portal_listener_off_loopback_is_refused_naming_the_field()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => Ledger.Node.Backup.AdminEndpoint.Parse("http://10.0.0.1:8101", "Node:PortalListenUrl", "the portal's plain-HTTP listener"));
        Assert.Contains("Node:PortalListenUrl", refused.Message, StringComparison.Ordinal);
    }
}

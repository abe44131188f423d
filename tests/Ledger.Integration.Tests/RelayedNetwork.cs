using System.Net;
using Ledger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Ledger.Integration.Tests;

/// <summary>
/// Four validators, of which node-3 is reached by the other three only through a relay in the test: a gRPC Peer
/// service of the test's own (TService, given relay as a singleton), so the test sees and shapes what node-3 hears.
/// </summary>
public static class RelayedNetwork
{
    /// <param name="target">Told node-3's own URL, where the relay passes messages on.</param>
    public static async Task<(WebApplication Relay, IReadOnlyList<NodeProcess> Nodes)> StartAsync<TService, TRelay>(TRelay relay, Action<Uri> target)
        where TService : class
        where TRelay : class
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddSingleton(relay);
        var app = builder.Build();
        app.MapGrpcService<TService>();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        var nodes = await NodeProcess.StartNetworkAsync(4, peerUrl: (_, to) =>
        {
            if (to.NodeId != "node-3")
            {
                return to.Url;
            }

            target(to.Url);
            return address;
        });
        return (app, nodes);
    }

    /// <summary>Writes the last lines of each node's log (without link noise) to the test's output, then stops the nodes and the relay.</summary>
    public static async Task StopAsync(ITestOutputHelper output, IReadOnlyList<NodeProcess> nodes, WebApplication? relay, int lines)
    {
        foreach (var node in nodes)
        {
            output.WriteLine($"--- {node.NodeId}");
            output.WriteLine(string.Join('\n', node.Log.Split('\n').Where(l => !l.Contains("link to")).TakeLast(lines)));
            await node.DisposeAsync();
        }

        if (relay is not null)
        {
            await relay.StopAsync();
            await relay.DisposeAsync();
        }
    }

    /// <summary>How many lines of node's log contain text.</summary>
    public static int Lines(NodeProcess node, string text) => node.Log.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Polls condition every 100 ms; fails the test after 90 s.</summary>
    public static async Task WaitUntil(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(100);
        }
    }
}

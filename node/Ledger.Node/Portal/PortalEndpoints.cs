using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Ledger.Core.Protocol;
using Ledger.Node.Chain;
using Microsoft.AspNetCore.Http.Features;

namespace Ledger.Node.Portal;

/// <summary>
/// The public disclosure portal (DESIGN §9; §10, §26–§28; docs/DECISIONS.md D36): GET routes on the
/// client API's port (HTTP/1.1 and HTTP/2 over TLS) or on PortalListenUrl, each page as HTML and, under
/// /api/ or with Accept: application/json, as JSON. Reads a snapshot of the committed state only.
/// </summary>
public static class PortalEndpoints
{
    public const string LanguageCookie = "lang";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    /// <summary>Serves the portal on requests that arrive on one of ports; other ports (admin, metrics) get 404.</summary>
    public static void MapPortal(this WebApplication app, IReadOnlySet<int> ports)
    {
        app.MapGet("/portal.css", (HttpContext context) => Asset(context, ports, "portal.css", "text/css; charset=utf-8"));
        app.MapGet("/portal.js", (HttpContext context) => Asset(context, ports, "portal.js", "text/javascript; charset=utf-8"));
        app.MapGet("/events", (HttpContext context, PortalEvents events) => ports.Contains(context.Connection.LocalPort) ? events.Stream(context) : NotHere(context));
        app.MapGet("/cancellations/{id}/certificate", (HttpContext context, NodeChain chain, string id) => ports.Contains(context.Connection.LocalPort) ? Certificate(context, chain, id) : NotHere(context));
        app.MapGet("/api/cancellations/{id}/certificate", (HttpContext context, NodeChain chain, string id) => ports.Contains(context.Connection.LocalPort) ? Certificate(context, chain, id) : NotHere(context));
        app.MapGet("/{**path}", (HttpContext context, NodeChain chain, PortalAggregates aggregates, Microsoft.Extensions.Options.IOptions<Options.NodeOptions> options, string? path) =>
            ports.Contains(context.Connection.LocalPort) ? Page(context, chain, aggregates, options.Value.NodeId, path ?? "") : NotHere(context));
    }

    private static Task NotHere(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private static async Task Page(HttpContext context, NodeChain chain, PortalAggregates aggregates, string nodeId, string path)
    {
        var request = context.Request;
        var json = path.StartsWith("api/", StringComparison.Ordinal) || path == "api";
        var route = json ? path.Length > 4 ? path[4..] : "" : path;
        json |= request.Headers.Accept.Any(a => a?.Contains("application/json", StringComparison.OrdinalIgnoreCase) == true);
        var queryLanguage = request.Query["lang"].ToString();
        var language = PortalText.Choose(queryLanguage, request.Cookies[LanguageCookie], request.Headers.AcceptLanguage.ToString());
        if (queryLanguage == language)
        {
            context.Response.Cookies.Append(LanguageCookie, language, new CookieOptions { Path = "/", SameSite = SameSiteMode.Lax, MaxAge = TimeSpan.FromDays(365) });
        }

        var html = new PortalHtml(language);
        PortalPage page;
        try
        {
            using var reader = new PortalReader(chain);
            page = PortalRoutes.Resolve(route.TrimEnd('/'), request.Query, reader, html, nodeId, aggregates);
        }
        catch (PortalRequestException refusal)
        {
            page = new PortalPage(refusal.StatusCode, new { error = refusal.Message }, html.T(refusal.StatusCode == 404 ? "error.notfound" : "error.bad"),
                "<h1>" + PortalHtml.E(html.T(refusal.StatusCode == 404 ? "error.notfound" : "error.bad")) + "</h1><p class=\"message\" id=\"message\">" + PortalHtml.E(refusal.Message) + "</p>", 0);
        }

        context.Response.StatusCode = page.StatusCode;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        if (page.Redirect is { } location)
        {
            context.Response.Headers.Location = location;
            return;
        }

        if (json)
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(JsonSerializer.Serialize(page.Model, Json), context.RequestAborted);
            return;
        }

        var here = request.Path.ToUriComponent() + (route == "search" ? "?q=" + Uri.EscapeDataString(request.Query["q"].ToString()) : "");
        var jsonPath = "/api" + (request.Path.Value == "/" ? "" : request.Path.ToUriComponent()) + request.QueryString.ToUriComponent();
        context.Response.ContentType = "text/html; charset=utf-8";
        // Nothing from elsewhere: no inline script, no third-party origin (a stored name cannot run script).
        context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self'; frame-ancestors 'none'";
        await context.Response.WriteAsync(html.Document(page.Title, here, jsonPath, page.Height, page.Main), context.RequestAborted);
    }

    /// <summary>The certificate file, byte for byte what `ledger cert get` writes, so `ledger cert verify` accepts it.</summary>
    private static async Task Certificate(HttpContext context, NodeChain chain, string id)
    {
        CancellationCertificate? certificate;
        using (var reader = new PortalReader(chain))
        {
            certificate = reader.Certificate(id);
        }

        if (certificate is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("no downloadable certificate: the cancellation does not exist, is not approved, or is a custody cancellation (its holder fetches it with `ledger cert get`, §28)\n", context.RequestAborted);
            return;
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"certificate-{id}.json\"";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(JsonFormatter.Default.Format(certificate) + "\n", context.RequestAborted);
    }

    private static async Task Asset(HttpContext context, IReadOnlySet<int> ports, string name, string contentType)
    {
        if (!ports.Contains(context.Connection.LocalPort))
        {
            await NotHere(context);
            return;
        }

        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "public, max-age=300";
        await context.Response.Body.WriteAsync(Assets.GetValueOrDefault(name) ?? [], context.RequestAborted);
    }

    private static readonly Dictionary<string, byte[]> Assets = LoadAssets();

    private static Dictionary<string, byte[]> LoadAssets()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var assets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in new[] { "portal.css", "portal.js" })
        {
            using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"the embedded portal asset {name} is missing");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[name] = copy.ToArray();
        }

        return assets;
    }
}

/// <summary>A resolved page: its status, the model served as JSON, and its HTML main region.</summary>
public sealed record PortalPage(int StatusCode, object Model, string Title, string Main, ulong Height, string? Redirect = null);

/// <summary>A request the portal refuses with a message: 400 for a malformed one, 404 for an unknown id.</summary>
public sealed class PortalRequestException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

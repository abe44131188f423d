using System.Globalization;
using Ledger.Core.Protocol;

namespace Ledger.Node.Portal;

/// <summary>Which page a path is, and its model and HTML from one reader. Bad input throws PortalRequestException.</summary>
public static class PortalRoutes
{
    public static PortalPage Resolve(string route, IQueryCollection query, PortalReader reader, PortalHtml html, string nodeId, PortalAggregates? aggregates = null)
    {
        aggregates ??= new PortalAggregates();
        var height = reader.Head.Height;
        var segments = route.Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (segments)
        {
            case []:
                var home = new HomeView(reader.Status(nodeId), aggregates.Totals(reader), reader.InNotice(PortalLimits.HomeNoticeRowsMax, PortalLimits.PageScanRowsMax));
                return new PortalPage(200, home, html.T("nav.home"), html.Home(home), height);
            case ["status"]:
                var status = reader.Status(nodeId);
                return new PortalPage(200, status, html.T("nav.status"), html.Status(status), height);
            case ["methodologies"]:
                var methodologies = reader.Methodologies(After(query), Rows(query));
                return new PortalPage(200, methodologies, html.T("nav.methodologies"), html.Methodologies(methodologies, "/methodologies"), height);
            case ["experts"]:
                var experts = reader.Experts(After(query), Rows(query));
                return new PortalPage(200, experts, html.T("nav.experts"), html.Experts(experts, "/experts"), height);
            case ["projects"]:
                var projects = reader.Subjects(SubjectKind.Project, After(query), Rows(query));
                return new PortalPage(200, projects, html.T("nav.projects"), html.Subjects("nav.projects", projects, "/projects"), height);
            case ["scenarios"]:
                var scenarios = reader.Subjects(SubjectKind.Scenario, After(query), Rows(query));
                return new PortalPage(200, scenarios, html.T("nav.scenarios"), html.Subjects("nav.scenarios", scenarios, "/scenarios"), height);
            case ["projects" or "scenarios", var id]:
                var subject = reader.Subject(id) ?? throw NotFound($"no project or scenario {id}");
                return new PortalPage(200, subject, subject.Title, html.Subject(subject, height), height);
            case ["batches"]:
                var batches = reader.Batches(After(query), Rows(query));
                return new PortalPage(200, batches, html.T("nav.batches"), html.Batches(batches, "/batches"), height);
            case ["batches", var id]:
                var batch = reader.Batch(id) ?? throw NotFound($"no batch {id}");
                return new PortalPage(200, batch, batch.Id, html.Batch(batch), height);
            case ["cancellations"]:
                var cancellations = reader.Cancellations(After(query), Rows(query));
                return new PortalPage(200, cancellations, html.T("nav.cancellations"), html.Cancellations(cancellations, "/cancellations"), height);
            case ["cancellations", var id]:
                var cancellation = reader.Cancellation(id) ?? throw NotFound($"no cancellation {id}");
                return new PortalPage(200, cancellation, html.T("cert.title"), html.Cancellation(cancellation), height);
            case ["tx", var id]:
                var transaction = reader.Transaction(id) ?? throw NotFound($"no committed transaction {id}");
                return new PortalPage(200, transaction, html.T("tx.title"), html.Transaction(transaction), height);
            case ["trading"]:
                var trading = aggregates.Trading(reader);
                return new PortalPage(200, trading, html.T("nav.trading"), html.Trading(trading), height);
            case ["search"]:
                return Search(query["q"].ToString().Trim(), reader, html, height);
            default:
                throw NotFound($"no page {route}");
        }
    }

    /// <summary>A batch id, a certificate (cancellation) id or a transaction id: redirects to its page, or says it is not found.</summary>
    public static PortalPage Search(string q, PortalReader reader, PortalHtml html, ulong height)
    {
        if (q.Length > PortalLimits.QueryCharactersMax)
        {
            throw new PortalRequestException(400, $"a search is at most {PortalLimits.QueryCharactersMax} characters");
        }

        var hex = q.ToLowerInvariant();
        var location = reader.Batch(q) is not null ? "/batches/" + Uri.EscapeDataString(q)
            : reader.Cancellation(hex) is not null ? "/cancellations/" + hex
            : reader.Transaction(hex) is not null ? "/tx/" + hex
            : null;
        if (location is not null)
        {
            return new PortalPage(302, new { location }, html.T("search.button"), "", height, location);
        }

        var valid = Ledger.Core.Limits.IsValidId(q, Ledger.Core.Limits.BatchIdLengthMax);
        var key = valid ? "search.notfound" : "search.invalid";
        return new PortalPage(404, new { error = html.T(key), query = q }, html.T("search.button"), html.Message("error.notfound", key), height);
    }

    private static string After(IQueryCollection query)
    {
        var after = query["after"].ToString();
        if (after.Length > PortalLimits.QueryCharactersMax)
        {
            throw new PortalRequestException(400, $"after is at most {PortalLimits.QueryCharactersMax} characters");
        }

        return after;
    }

    private static int Rows(IQueryCollection query)
    {
        var text = query["rows"].ToString();
        if (text.Length == 0)
        {
            return PortalLimits.PageRowsDefault;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var rows) || rows < 1)
        {
            throw new PortalRequestException(400, $"rows is a number from 1 to {PortalLimits.PageRowsMax}");
        }

        return Math.Min(rows, PortalLimits.PageRowsMax);
    }

    private static PortalRequestException NotFound(string message) => new(404, message);
}

using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Text;

namespace Ledger.Node.Portal;

/// <summary>
/// Server-rendered pages. Everything that comes from the chain goes through <see cref="E"/> (HTML
/// encoding) or <see cref="Q"/> (a URL path segment); only the fixed markup and the text tables are raw.
/// </summary>
public sealed class PortalHtml(string language)
{
    private readonly FrozenDictionary<string, string> _text = PortalText.For(language);

    /// <summary>§10: "not less than 5 working days"; a genesis asking fewer has development rules.</summary>
    public const uint MeasuresNoticeWorkingDays = 5;

    public string Language { get; } = language;

    public static string E(string? value) => WebUtility.HtmlEncode(value ?? "");

    public static string Q(string value) => Uri.EscapeDataString(value);

    public string T(string key) => _text.GetValueOrDefault(key, key);

    public string T(string key, params object[] values) => string.Format(CultureInfo.InvariantCulture, T(key), values);

    /// <summary>The whole document around a page's main region; main is what the live update replaces.</summary>
    public string Document(string title, string path, string jsonPath, ulong height, string main)
    {
        var other = Language == PortalText.English ? PortalText.Chinese : PortalText.English;
        var html = new StringBuilder(main.Length + 2_048);
        html.Append("<!doctype html>\n<html lang=\"").Append(Language == PortalText.English ? "en" : "zh-CN").Append("\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(E(title)).Append(" · ").Append(E(T("site.title"))).Append("</title>")
            .Append("<link rel=\"stylesheet\" href=\"/portal.css\"><script src=\"/portal.js\" defer></script></head>\n<body>")
            .Append("<header><div class=\"bar\"><a class=\"brand\" href=\"/\">").Append(E(T("site.title"))).Append("</a>")
            .Append("<a class=\"lang\" id=\"lang-switch\" href=\"").Append(E(path)).Append(path.Contains('?') ? "&amp;" : "?").Append("lang=").Append(other).Append("\">").Append(E(T("lang.switch"))).Append("</a></div>")
            .Append("<nav>");
        foreach (var (href, key) in Navigation)
        {
            html.Append("<a href=\"").Append(href).Append("\">").Append(E(T(key))).Append("</a>");
        }

        html.Append("</nav><form class=\"search\" action=\"/search\" method=\"get\"><input type=\"search\" name=\"q\" maxlength=\"").Append(PortalLimits.QueryCharactersMax)
            .Append("\" aria-label=\"").Append(E(T("search.label"))).Append("\" placeholder=\"").Append(E(T("search.label"))).Append("\"><button type=\"submit\">").Append(E(T("search.button"))).Append("</button></form></header>\n")
            .Append("<main id=\"main\" data-height=\"").Append(height).Append("\">").Append(main).Append("</main>\n")
            .Append("<footer><span>").Append(E(T("chain.height"))).Append(" <b id=\"live-height\">").Append(height).Append("</b> · ").Append(E(T("chain.live"))).Append("</span> ")
            .Append("<a href=\"").Append(E(jsonPath)).Append("\">").Append(E(T("footer.json"))).Append("</a> <span>").Append(E(T("footer.privacy"))).Append("</span></footer>")
            .Append("</body></html>\n");
        return html.ToString();
    }

    public static readonly (string Href, string Key)[] Navigation =
    [
        ("/", "nav.home"), ("/methodologies", "nav.methodologies"), ("/experts", "nav.experts"), ("/projects", "nav.projects"), ("/scenarios", "nav.scenarios"),
        ("/batches", "nav.batches"), ("/cancellations", "nav.cancellations"), ("/trading", "nav.trading"), ("/status", "nav.status"),
    ];

    public string Home(HomeView home)
    {
        var html = new StringBuilder();
        html.Append("<h1>").Append(E(T("site.title"))).Append("</h1><p class=\"intro\">").Append(E(T("home.intro"))).Append("</p>");
        html.Append("<h2>").Append(E(T("home.totals"))).Append("</h2><dl class=\"facts\">");
        Fact(html, "totals.projects", home.Totals.Projects.ToString(CultureInfo.InvariantCulture));
        Fact(html, "totals.scenarios", home.Totals.Scenarios.ToString(CultureInfo.InvariantCulture));
        Fact(html, "totals.issued", PublicViews.Tonnes(home.Totals.IssuedGrams));
        Fact(html, "totals.retired", PublicViews.Tonnes(home.Totals.RetiredGrams));
        Fact(html, "totals.users", home.Totals.ScenarioUsersSummedPerDay.ToString(CultureInfo.InvariantCulture));
        html.Append("</dl>");
        if (home.Totals.Truncated)
        {
            html.Append("<p class=\"note\">").Append(E(T("trading.truncated", PortalLimits.AggregateRowsMax))).Append("</p>");
        }

        html.Append("<h2>").Append(E(T("home.notices"))).Append("</h2>");
        if (home.InNotice.Count == 0)
        {
            html.Append("<p>").Append(E(T("home.nonotices"))).Append("</p>");
        }
        else
        {
            html.Append(SubjectTable(home.InNotice));
            html.Append("<p class=\"note\">").Append(E(T("notice.objection"))).Append("</p>");
        }

        return html.Append(Status(home.Status)).ToString();
    }

    public string Status(StatusView status)
    {
        var html = new StringBuilder("<section class=\"status\"><h2>").Append(E(T("nav.status"))).Append("</h2><dl class=\"facts\">");
        Fact(html, "chain.id", status.ChainId);
        Fact(html, "chain.node", status.NodeId);
        Fact(html, "chain.height", status.Height.ToString(CultureInfo.InvariantCulture), "status-height");
        Fact(html, "chain.last_commit", status.LastCommitUtc);
        Fact(html, "chain.block_hash", status.BlockHash, code: true);
        Fact(html, "chain.state_root", status.StateRoot, code: true);
        html.Append("</dl><h3>").Append(E(T("chain.validators"))).Append("</h3>");
        return html.Append(Table(["col.validator", "col.power"], status.Validators.Select(v => new[] { E(v.Id), v.Power.ToString(CultureInfo.InvariantCulture) }))).Append("</section>").ToString();
    }

    public string Methodologies(PageView<MethodologyView> page, string path) =>
        Heading("nav.methodologies") + Table(
            ["col.id", "col.title", "col.level", "col.version", "col.status", "col.kind", "col.filed"],
            page.Rows.Select(m => new[] { E(m.Id), E(m.Title), E(T("level." + m.Level)), E(m.Version), E(T("status." + m.Status)), E(T("kind." + m.Kind)), m.FiledHeight.ToString(CultureInfo.InvariantCulture) }))
        + Pager(page, path);

    public string Experts(PageView<ExpertView> page, string path) =>
        Heading("nav.experts") + "<p>" + E(T("experts.intro")) + "</p>" + Table(
            ["col.id", "col.name", "col.registered"],
            page.Rows.Select(x => new[] { E(x.Id), E(x.Name), x.RegisteredHeight.ToString(CultureInfo.InvariantCulture) }))
        + Pager(page, path);

    public string Subjects(string navKey, PageView<SubjectView> page, string path) =>
        Heading(navKey) + SubjectTable(page.Rows) + "<p class=\"note\">" + E(T("notice.objection")) + "</p>" + Pager(page, path);

    public string Subject(SubjectView s, ulong height)
    {
        var html = new StringBuilder("<h1>").Append(E(T("project.title"))).Append(' ').Append(E(s.Id)).Append("</h1><dl class=\"facts\">");
        Fact(html, "col.title", s.Title);
        Fact(html, "col.kind", T("kind." + s.Kind));
        Fact(html, "col.applicant", s.Applicant);
        Fact(html, "col.methodology", s.MethodologyId);
        Fact(html, "col.status", T("status." + s.Status), "subject-status");
        Fact(html, "col.opinions", s.Opinions.ToString(CultureInfo.InvariantCulture));
        Fact(html, "col.objections", $"{s.ObjectionsAnswered} / {s.ObjectionsFiled}");
        if (s.Reason.Length > 0)
        {
            Fact(html, "project.reason", s.Reason);
        }

        html.Append("</dl>");
        if (s.Notice is { } notice)
        {
            html.Append("<section class=\"notice\" id=\"notice\"><h2>").Append(E(T("col.notice"))).Append("</h2><p>")
                .Append(E(T("notice.window", notice.FirstDay, notice.LastDay, notice.WorkingDays))).Append("</p><p class=\"left\">")
                .Append(E(notice.Elapsed ? T("notice.ended") : T("notice.left", notice.WorkingDaysLeft))).Append("</p><p class=\"note\">")
                .Append(E(T("notice.clock", notice.Today))).Append("</p>");
            if (notice.WorkingDays < MeasuresNoticeWorkingDays)
            {
                html.Append("<p class=\"note\" id=\"development-rules\">").Append(E(T("notice.development", notice.WorkingDays))).Append("</p>");
            }

            html.Append("<p>").Append(E(T("notice.objection"))).Append("</p></section>");
        }

        return html.ToString();
    }

    public string Batches(PageView<BatchView> page, string path) =>
        Heading("nav.batches") + Table(
            ["col.id", "col.project", "col.period", "col.issued", "col.tradable", "col.retired", "col.height"],
            page.Rows.Select(b => new[]
            {
                Link("/batches/" + Q(b.Id), b.Id), Link("/projects/" + Q(b.ProjectId), b.ProjectId), E(b.PeriodFirstDay + " – " + b.PeriodLastDay),
                PublicViews.Tonnes(b.IssuedGrams), PublicViews.Tonnes(b.TradableGrams), PublicViews.Tonnes(b.RetiredGrams), b.IssuedHeight.ToString(CultureInfo.InvariantCulture),
            }))
        + Pager(page, path);

    public string Batch(BatchView b)
    {
        var html = new StringBuilder("<h1>").Append(E(T("batch.title"))).Append(' ').Append(E(b.Id)).Append("</h1><dl class=\"facts\">");
        html.Append("<dt>").Append(E(T("col.project"))).Append("</dt><dd>").Append(Link("/projects/" + Q(b.ProjectId), b.ProjectId)).Append("</dd>");
        Fact(html, "col.methodology", b.MethodologyId);
        Fact(html, "col.period", b.PeriodFirstDay + " – " + b.PeriodLastDay);
        Fact(html, "col.issued", PublicViews.Tonnes(b.IssuedGrams));
        Fact(html, "col.tradable", PublicViews.Tonnes(b.TradableGrams));
        Fact(html, "col.retired", PublicViews.Tonnes(b.RetiredGrams));
        Fact(html, "col.height", b.IssuedHeight.ToString(CultureInfo.InvariantCulture));
        if (b.Verifier.Length > 0)
        {
            Fact(html, "col.verifier", b.Verifier);
        }

        if (b.Custodian.Length > 0)
        {
            Fact(html, "batch.custodian", b.Custodian);
            Fact(html, "col.records", b.Records.ToString(CultureInfo.InvariantCulture));
        }

        html.Append("</dl>");
        if (b.Custodian.Length > 0)
        {
            html.Append("<p class=\"note\">").Append(E(T("batch.scenario_note"))).Append("</p>");
        }

        return html.ToString();
    }

    public string Cancellations(PageView<CancellationView> page, string path) =>
        Heading("nav.cancellations") + Table(
            ["col.id", "col.batch", "col.amount", "col.beneficiary", "col.purpose", "col.status", "col.certificate"],
            page.Rows.Select(c => new[]
            {
                Link("/cancellations/" + Q(c.Id), Short(c.Id)), Link("/batches/" + Q(c.BatchId), c.BatchId), PublicViews.Tonnes(c.AmountGrams), E(c.Beneficiary), E(c.Purpose),
                E(T("status." + c.Status)), c.CertificateDownloadable ? Link("/cancellations/" + Q(c.Id) + "/certificate", T("cert.download"), "download") : E(c.InCustody ? T("custody.yes") : "—"),
            }))
        + Pager(page, path);

    public string Cancellation(CancellationView c)
    {
        var html = new StringBuilder("<h1>").Append(E(T("cert.title"))).Append("</h1><dl class=\"facts\">");
        Fact(html, "col.id", c.Id, "certificate-id", code: true);
        html.Append("<dt>").Append(E(T("col.batch"))).Append("</dt><dd>").Append(Link("/batches/" + Q(c.BatchId), c.BatchId)).Append("</dd>");
        Fact(html, "col.serials", c.SerialRange);
        Fact(html, "col.amount", PublicViews.Tonnes(c.AmountGrams));
        Fact(html, "col.holder", c.Holder);
        Fact(html, "col.using", c.UsingEntity);
        Fact(html, "col.beneficiary", c.Beneficiary);
        Fact(html, "col.purpose", c.Purpose);
        Fact(html, "col.status", T("status." + c.Status));
        Fact(html, "col.approved_by", c.ApprovedBy);
        Fact(html, "col.height", c.DecidedHeight.ToString(CultureInfo.InvariantCulture));
        Fact(html, "col.custody", c.InCustody ? T("custody.yes") : T("custody.no"));
        html.Append("</dl>");
        if (c.CertificateDownloadable)
        {
            html.Append("<p><a class=\"button\" id=\"certificate-download\" download href=\"/cancellations/").Append(Q(c.Id)).Append("/certificate\">")
                .Append(E(T("cert.download"))).Append("</a></p><p class=\"note\"><code>").Append(E(T("cert.verify"))).Append("</code></p>");
        }
        else
        {
            var why = c.Status != "approved" ? "cert.notyet" : c.InCustody ? "cert.custody" : "cert.private";
            html.Append("<p class=\"note\">").Append(E(T(why))).Append("</p>");
        }

        return html.ToString();
    }

    public string Trading(TradingView t)
    {
        var html = new StringBuilder(Heading("nav.trading")).Append("<p>").Append(E(T("trading.intro"))).Append("</p><dl class=\"facts\">");
        Fact(html, "col.trades", t.Trades.ToString(CultureInfo.InvariantCulture), "trade-count");
        Fact(html, "col.volume", PublicViews.Tonnes(t.Grams));
        html.Append("</dl>");
        html.Append(Table(
            ["col.currency", "col.trades", "col.volume", "col.value", "col.price_avg", "col.price_min", "col.price_max"],
            t.Prices.Select(p => new[]
            {
                E(p.Currency), p.Trades.ToString(CultureInfo.InvariantCulture), PublicViews.Tonnes(p.Grams), PublicViews.Money(p.ValueMinorUnits),
                PublicViews.Money(p.PricePerTonneMeanMinorUnits), PublicViews.Money(p.PricePerTonneMinMinorUnits), PublicViews.Money(p.PricePerTonneMaxMinorUnits),
            })));
        html.Append("<p>").Append(E(T("trading.auctions", t.Auctions, t.AuctionsSettled))).Append("</p><p>").Append(E(T("trading.mall", t.Redemptions, PublicViews.Tonnes(t.RedeemedGrams)))).Append("</p>");
        if (t.Truncated)
        {
            html.Append("<p class=\"note\">").Append(E(T("trading.truncated", PortalLimits.AggregateRowsMax))).Append("</p>");
        }

        return html.ToString();
    }

    public string Transaction(TransactionView tx)
    {
        var html = new StringBuilder("<h1>").Append(E(T("tx.title"))).Append("</h1><dl class=\"facts\">");
        Fact(html, "col.id", tx.Id, "transaction-id", code: true);
        Fact(html, "tx.kind", tx.Kind);
        Fact(html, "col.height", tx.Height.ToString(CultureInfo.InvariantCulture));
        Fact(html, "col.block_time", tx.BlockTimeUtc);
        Fact(html, "col.signer", tx.Signer);
        Fact(html, "col.outcome", tx.Committed ? T("tx.committed") : T("tx.refused") + " (" + tx.Outcome + ")");
        return html.Append("</dl>").ToString();
    }

    public string Message(string titleKey, string messageKey) =>
        "<h1>" + E(T(titleKey)) + "</h1><p class=\"message\" id=\"message\">" + E(T(messageKey)) + "</p>";

    private string SubjectTable(IEnumerable<SubjectView> subjects) => Table(
        ["col.id", "col.title", "col.applicant", "col.methodology", "col.status", "col.notice"],
        subjects.Select(s => new[]
        {
            Link("/projects/" + Q(s.Id), s.Id), E(s.Title), E(s.Applicant), E(s.MethodologyId), E(T("status." + s.Status)),
            s.Notice is { } n ? E(n.FirstDay + " – " + n.LastDay + " · " + (n.Elapsed ? T("notice.ended") : T("notice.left", n.WorkingDaysLeft))) : "",
        }));

    private string Heading(string key) => "<h1>" + E(T(key)) + "</h1>";

    /// <summary>A table whose cells are already encoded by the caller.</summary>
    private string Table(string[] headerKeys, IEnumerable<string[]> rows)
    {
        var html = new StringBuilder("<table><thead><tr>");
        foreach (var key in headerKeys)
        {
            html.Append("<th>").Append(E(T(key))).Append("</th>");
        }

        html.Append("</tr></thead><tbody>");
        var count = 0;
        foreach (var row in rows)
        {
            count++;
            html.Append("<tr>");
            foreach (var cell in row)
            {
                html.Append("<td>").Append(cell).Append("</td>");
            }

            html.Append("</tr>");
        }

        if (count == 0)
        {
            html.Append("<tr><td colspan=\"").Append(headerKeys.Length).Append("\">").Append(E(T("page.empty"))).Append("</td></tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }

    private string Pager<TView>(PageView<TView> page, string path) =>
        "<p class=\"pager\">" + E(T("page.rows", page.PageRowsMax)) +
        (page.Next is null ? "" : " · <a rel=\"next\" href=\"" + E(path) + "?after=" + Q(page.Next) + "&amp;rows=" + page.PageRowsMax + "\">" + E(T("page.next")) + "</a>") + "</p>";

    private void Fact(StringBuilder html, string key, string value, string? id = null, bool code = false)
    {
        html.Append("<dt>").Append(E(T(key))).Append("</dt><dd").Append(id is null ? "" : " id=\"" + id + "\"").Append('>')
            .Append(code ? "<code>" : "").Append(E(value)).Append(code ? "</code>" : "").Append("</dd>");
    }

    private static string Link(string href, string text, string? cssClass = null) =>
        "<a href=\"" + E(href) + "\"" + (cssClass is null ? "" : " class=\"" + cssClass + "\"") + ">" + E(text) + "</a>";

    private static string Short(string id) => id.Length > 16 ? id[..16] + "…" : id;
}

using AngleSharp.Html.Parser;
using Ledger.Core.Calendar;
using Ledger.Node.Portal;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Ledger.Portal.Tests;

/// <summary>The portal's pages over an in-process committed chain: encoding, privacy, paging, both languages.</summary>
public sealed class RenderingTests(CommittedChain story) : IClassFixture<CommittedChain>
{
    private static readonly string[] Routes =
        ["", "status", "methodologies", "experts", "projects", "scenarios", "projects/PV-7", "projects/PV-9", "scenarios/SC-1", "batches", "cancellations", "trading"];

    [Fact]
    public void Hostile_names_from_the_chain_are_text_never_markup()
    {
        foreach (var language in new[] { "zh", "en" })
        {
            foreach (var route in Routes.Concat(["batches/" + story.BatchId, "cancellations/" + story.CancellationId]))
            {
                var document = Parse(Render(route, language));
                Assert.Empty(document.QuerySelectorAll("main script, main img, main [onmouseover], main [onerror]"));
                Assert.Single(document.QuerySelectorAll("script"));
            }
        }

        var project = Parse(Render("projects/PV-7", "en"));
        Assert.Contains(project.QuerySelectorAll("dd"), dd => dd.TextContent == CommittedChain.HostileTitle);
    }

    [Fact]
    public void No_pseudonymous_user_id_is_in_any_page_or_json()
    {
        var forms = story.UserIds.SelectMany(id => new[] { Convert.ToHexStringLower(id), Convert.ToHexString(id), Convert.ToBase64String(id) }).ToList();
        var routes = Routes.Concat(["batches/" + story.ScenarioBatchId, "cancellations/" + story.CustodyCancellationId, "tx/" + story.CustodyCancellationId]);
        foreach (var route in routes)
        {
            using var reader = story.Reader();
            var page = PortalRoutes.Resolve(route, Query(), reader, new PortalHtml("en"), "node-bureau");
            var json = System.Text.Json.JsonSerializer.Serialize(page.Model, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
            foreach (var form in forms)
            {
                Assert.DoesNotContain(form, page.Main, StringComparison.Ordinal);
                Assert.DoesNotContain(form, json, StringComparison.Ordinal);
            }
        }

        using var certificates = story.Reader();
        Assert.Null(certificates.Certificate(story.CustodyCancellationId));
        Assert.True(certificates.Cancellation(story.CustodyCancellationId)!.InCustody);
    }

    [Fact]
    public void A_participant_that_may_be_a_person_is_not_named()
    {
        using var reader = story.Reader();
        var cancellation = reader.Cancellation(story.CancellationId)!;
        Assert.Equal(PublicViews.UnnamedParty, cancellation.Holder);
        Assert.Equal(PublicViews.UnnamedParty, cancellation.UsingEntity);
        Assert.False(cancellation.CertificateDownloadable);
        Assert.Null(reader.Certificate(story.CancellationId));
        Assert.DoesNotContain("person-1", Render("cancellations/" + story.CancellationId, "en"), StringComparison.Ordinal);
        Assert.DoesNotContain("Zhang San\"", Render("trading", "en"), StringComparison.Ordinal);
        Assert.Equal("owner-a", reader.Subject("PV-7")!.Applicant);
    }

    [Fact]
    public void The_certificate_of_an_approved_cancellation_verifies_with_the_genesis()
    {
        using var reader = story.Reader();
        var certificate = reader.Certificate(story.OwnCancellationId)!;
        Assert.Empty(Core.Cancellation.CancellationCertificates.Verify(story.Chain.Genesis, certificate));
    }

    [Fact]
    public void Pages_are_bounded_and_page_through_every_row()
    {
        story.FileMethodologies(230);
        var ids = new List<string>();
        string? after = "";
        var pages = 0;
        while (after is not null)
        {
            using var reader = story.Reader();
            var page = (PageView<MethodologyView>)PortalRoutes.Resolve("methodologies", Query(("after", after), ("rows", "100000")), reader, new PortalHtml("en"), "n").Model;
            Assert.True(page.Rows.Count <= PortalLimits.PageRowsMax);
            Assert.Equal(PortalLimits.PageRowsMax, page.PageRowsMax);
            ids.AddRange(page.Rows.Select(r => r.Id));
            after = page.Next;
            pages++;
        }

        Assert.True(pages >= 3);
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        Assert.Equal(232, ids.Count); // M-PV, M-TRAVEL and 230 more
        using var bad = story.Reader();
        Assert.Equal(400, Assert.Throws<PortalRequestException>(() => PortalRoutes.Resolve("projects", Query(("rows", "-3")), bad, new PortalHtml("en"), "n")).StatusCode);
        Assert.Equal(400, Assert.Throws<PortalRequestException>(() => PortalRoutes.Resolve("projects", Query(("after", new string('x', 201))), bad, new PortalHtml("en"), "n")).StatusCode);
        Assert.Equal(404, Assert.Throws<PortalRequestException>(() => PortalRoutes.Resolve("batches/<x>", Query(), bad, new PortalHtml("en"), "n")).StatusCode);
    }

    [Fact]
    public void Every_page_renders_in_both_languages_without_a_missing_string()
    {
        foreach (var route in Routes)
        {
            var zh = Render(route, "zh");
            var en = Render(route, "en");
            foreach (var html in new[] { zh, en })
            {
                Assert.DoesNotMatch(@">(col|nav|status|level|kind|notice|cert|totals|chain|page|trading|tx|batch|project|search|error)\.[a-z_]+<", html);
            }

            Assert.Contains("lang=\"zh-CN\"", zh, StringComparison.Ordinal);
            Assert.Contains("lang=\"en\"", en, StringComparison.Ordinal);
        }

        Assert.Contains("公示期", Render("projects/PV-9", "zh"), StringComparison.Ordinal);
        Assert.Contains("To object", Render("projects/PV-9", "en"), StringComparison.Ordinal);
        Assert.Contains("development rules: 0 working days", Render("projects/PV-9", "en"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_notice_says_its_window_in_working_days_of_the_calendar_in_force()
    {
        using var reader = story.Reader();
        var notice = reader.Subject("PV-9")!.Notice!;
        Assert.Equal(0u, notice.WorkingDays); // the test genesis's development rules
        Assert.True(notice.Elapsed);
        Assert.Equal(PublicViews.Day(WorkingDays.ChinaDay(reader.Head.TimeMs)), notice.Today);
    }

    [Fact]
    public void Both_text_tables_have_the_same_keys()
    {
        Assert.Equal(PortalText.Zh.Keys.Order(StringComparer.Ordinal), PortalText.En.Keys.Order(StringComparer.Ordinal));
        Assert.All(PortalText.Zh.Concat(PortalText.En), pair => Assert.False(string.IsNullOrWhiteSpace(pair.Value), pair.Key));
    }

    [Theory]
    [InlineData("en", null, null, "en")]
    [InlineData("fr", "en", null, "en")]
    [InlineData(null, null, "en-GB,en;q=0.9", "en")]
    [InlineData(null, null, "fr-FR,zh-CN;q=0.8,en;q=0.5", "zh")]
    [InlineData(null, null, "fr-FR", "zh")]
    [InlineData(null, null, null, "zh")]
    [InlineData("zh", "en", "en", "zh")]
    public void The_language_is_the_query_then_the_cookie_then_accept_language_then_chinese(string? query, string? cookie, string? acceptLanguage, string expected) =>
        Assert.Equal(expected, PortalText.Choose(query, cookie, acceptLanguage));

    [Fact]
    public void Working_days_left_count_the_days_after_the_start_that_have_not_ended()
    {
        var monday = WorkingDays.DayOf(new DateOnly(2025, 1, 6));
        var none = new Calendars(null);
        var last = WorkingDays.LastNoticeDay(monday, 5, none);
        Assert.Equal(WorkingDays.DayOf(new DateOnly(2025, 1, 13)), last);
        Assert.Equal(5u, PublicViews.WorkingDaysLeft(monday, monday, last, none)); // the start day does not count
        Assert.Equal(5u, PublicViews.WorkingDaysLeft(monday, monday + 1, last, none)); // Tuesday has not ended
        Assert.Equal(2u, PublicViews.WorkingDaysLeft(monday, monday + 4, last, none)); // Friday and next Monday
        Assert.Equal(1u, PublicViews.WorkingDaysLeft(monday, monday + 5, last, none)); // Saturday: Monday is left
        Assert.Equal(0u, PublicViews.WorkingDaysLeft(monday, last + 1, last, none));

        // A holiday on Wednesday and an adjusted working Saturday (调休) in the bureau's calendar.
        var calendar = new Calendars(new YearCalendar(2025, [monday + 2], [monday + 5]));
        var lastWithCalendar = WorkingDays.LastNoticeDay(monday, 5, calendar);
        Assert.Equal(monday + 7, lastWithCalendar); // Tuesday, Thursday, Friday, Saturday, Monday
        Assert.Equal(5u, PublicViews.WorkingDaysLeft(monday, monday, lastWithCalendar, calendar));
        Assert.Equal(4u, PublicViews.WorkingDaysLeft(monday, monday + 2, lastWithCalendar, calendar)); // on the holiday
        Assert.Equal(2u, PublicViews.WorkingDaysLeft(monday, monday + 5, lastWithCalendar, calendar)); // on the working Saturday
    }

    [Fact]
    public void Totals_and_trading_statistics_are_computed_once_per_height()
    {
        var aggregates = new PortalAggregates();
        using var first = story.Reader();
        using var second = story.Reader();
        Assert.Same(aggregates.Totals(first), aggregates.Totals(second));
        Assert.Same(aggregates.Trading(first), aggregates.Trading(second));
        Assert.Equal(1UL, aggregates.Trading(first).Trades); // the one transfer, to the trader
    }

    [Fact]
    public void Encoding_covers_attributes_and_text()
    {
        Assert.Equal("&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;", PortalHtml.E("<a href=\"x\" onclick='y'>&"));
        Assert.Equal("%3Cx%3E%2F..%2F", PortalHtml.Q("<x>/../"));
    }

    private string Render(string route, string language)
    {
        using var reader = story.Reader();
        var html = new PortalHtml(language);
        var page = PortalRoutes.Resolve(route, Query(), reader, html, "node-bureau");
        return html.Document(page.Title, "/" + route, "/api/" + route, page.Height, page.Main);
    }

    private static AngleSharp.Html.Dom.IHtmlDocument Parse(string html) => new HtmlParser().ParseDocument(html);

    private static QueryCollection Query(params (string Key, string Value)[] values) =>
        new(values.ToDictionary(v => v.Key, v => new StringValues(v.Value)));

    private sealed class Calendars(YearCalendar? calendar) : ICalendarLookup
    {
        public YearCalendar? For(int year) => calendar?.Year == year ? calendar : null;
    }
}

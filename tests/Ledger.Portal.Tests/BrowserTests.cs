using System.CommandLine;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Ledger.Cli;
using Ledger.Client.Builders;
using Ledger.Integration.Tests;
using Microsoft.Playwright;

namespace Ledger.Portal.Tests;

/// <summary>
/// The portal end to end: real validator processes, headless Chromium (Debian's, never a downloaded one).
/// Without /usr/bin/chromium the tests skip with the reason, except under CI=true where they fail.
/// LEDGER_PORTAL_SCREENSHOTS=DIR writes screenshots of the main pages there.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class BrowserTests(PortalNetwork network)
{
    private static readonly TimeSpan LiveUpdateWithin = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task The_pages_show_the_story_in_Chinese_and_English()
    {
        RequireBrowser();
        await using var context = await network.ContextAsync("zh-CN");
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        Assert.Equal("鄂尔多斯碳普惠公示平台", await page.Locator("main h1").InnerTextAsync());
        Assert.Equal(network.Node.Genesis.ChainId, await page.Locator("dt:has-text('链标识') + dd").InnerTextAsync());
        await Screenshot("/", "home");

        await page.GotoAsync("/?lang=en");
        Assert.Equal("Ordos Carbon Inclusive Public Disclosure", await page.Locator("main h1").InnerTextAsync());
        // The choice sticks (a cookie) on the next page without ?lang=.
        await page.GotoAsync("/status");
        Assert.Equal(4, await page.Locator("section.status tbody tr").CountAsync());
        Assert.Equal("Chain status", await page.Locator("main h2").First.InnerTextAsync());
        await Screenshot("/status", "status");

        await page.GotoAsync("/methodologies");
        await Expect(page.Locator("tr:has-text('M-PV')")).ToContainTextAsync("local");
        await page.GotoAsync("/experts");
        await Expect(page.Locator("main")).ToContainTextAsync("expert-1");
        await page.GotoAsync("/projects");
        await Expect(page.Locator("tr:has-text('PV-7')")).ToContainTextAsync("approved");
        await page.GotoAsync("/scenarios");
        await Expect(page.Locator("tr:has-text('SC-1')")).ToContainTextAsync("approved");
        await page.GotoAsync("/batches/" + Uri.EscapeDataString(network.BatchId));
        await Expect(page.Locator("main")).ToContainTextAsync("2.500000");
        await page.GotoAsync("/batches/" + Uri.EscapeDataString(network.ScenarioBatchId));
        await Expect(page.Locator("main")).ToContainTextAsync(PortalNetwork.Company);
        await page.GotoAsync("/trading");
        await Expect(page.Locator("#trade-count")).Not.ToHaveTextAsync("0");
        await Expect(page.Locator("main")).ToContainTextAsync("CNY");
        await page.GotoAsync("/cancellations");
        await Expect(page.Locator("main")).ToContainTextAsync(PortalNetwork.Beneficiary);
        await Screenshot("/cancellations", "cancellations");

        // The project in its public notice: its window, the days left, how to object; its hostile title is text.
        await page.GotoAsync("/projects/PV-9?lang=zh");
        await Expect(page.Locator("#subject-status")).ToHaveTextAsync("公示中");
        await Expect(page.Locator("#notice")).ToContainTextAsync("公示期");
        await Expect(page.Locator("#notice")).ToContainTextAsync("异议");
        await Expect(page.Locator("dt:has-text('名称') + dd")).ToHaveTextAsync(PortalNetwork.HostileTitle);
        Assert.Null(await page.EvaluateAsync<int?>("() => window.__pwned ?? null"));
        Assert.Equal(0, await page.Locator("main script, main img").CountAsync());
        await Screenshot("/projects/PV-9", "project-notice");
        await page.GotoAsync("/projects/PV-9?lang=en");
        await Expect(page.Locator("#notice")).ToContainTextAsync("To object");
        await Expect(page.Locator("#notice .left")).ToContainTextAsync("notice period complete");
    }

    [SkippableFact]
    public async Task The_page_updates_by_itself_when_a_block_commits()
    {
        RequireBrowser();
        await using var context = await network.ContextAsync("en-GB");
        var page = await context.NewPageAsync();
        await page.GotoAsync("/cancellations");
        var before = ulong.Parse(await page.Locator("#live-height").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");

        await using var client = network.Client();
        var beneficiary = "Live update school " + Guid.NewGuid().ToString("N")[..6];
        var request = await client.SubmitAndWaitAsync(Transactions.RequestCancellation(network.BatchId, 1_000, beneficiary, "live update"), Participants.Signer("owner-a"));
        Assert.True(request.IsCommitted, request.Message);

        await Expect(page.Locator("main")).ToContainTextAsync(beneficiary, new() { Timeout = (float)LiveUpdateWithin.TotalMilliseconds });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded instead of updated in place");
        var after = ulong.Parse(await page.Locator("#live-height").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(after >= request.Height && after > before, $"the page shows height {after}, the request committed at {request.Height}");
    }

    [SkippableFact]
    public async Task Search_finds_batches_certificates_and_transactions_and_says_when_not()
    {
        RequireBrowser();
        await using var context = await network.ContextAsync("en-GB");
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");

        await Search(page, network.BatchId);
        Assert.EndsWith("/batches/" + Uri.EscapeDataString(network.BatchId), page.Url, StringComparison.Ordinal);
        await Search(page, network.CancellationId.ToUpperInvariant());
        Assert.EndsWith("/cancellations/" + network.CancellationId, page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#certificate-id")).ToHaveTextAsync(network.CancellationId);
        await Search(page, network.TransferTransactionId);
        Assert.EndsWith("/tx/" + network.TransferTransactionId, page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("main")).ToContainTextAsync("Transfer");

        await Search(page, "no-such-batch");
        await Expect(page.Locator("#message")).ToContainTextAsync("Not found");
        await Search(page, new string('a', 64));
        await Expect(page.Locator("#message")).ToContainTextAsync("Not found");
        await Search(page, "<b>x</b>");
        await Expect(page.Locator("#message")).ToContainTextAsync("Not a valid id");
    }

    [SkippableFact]
    public async Task The_certificate_downloads_and_the_cli_verifies_it()
    {
        RequireBrowser();
        await using var context = await network.ContextAsync("zh-CN");
        var page = await context.NewPageAsync();
        await page.GotoAsync("/cancellations/" + network.CancellationId);
        await Screenshot("/cancellations/" + network.CancellationId, "certificate");
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#certificate-download").ClickAsync());
        var file = Path.Combine(network.Directory, "downloaded-" + download.SuggestedFilename);
        await download.SaveAsAsync(file);

        Assert.Empty(CertCommand.VerifyFile(file, network.GenesisFile));
        var verify = new RootCommand { CertCommand.Create() }.Parse(["cert", "verify", file, "--genesis", network.GenesisFile]);
        Assert.Equal(CertCommand.ValidExitCode, await verify.InvokeAsync());
        // The same bytes `ledger cert get` writes.
        var fetched = await CertCommand.FetchAsync(network.Node.Url, network.CancellationId, ca: new FileInfo(network.Node.CaFile!));
        Assert.Equal(JsonFormatter.Default.Format(fetched) + "\n", await File.ReadAllTextAsync(file));

        // A custody cancellation's certificate carries the user's pseudonymous id: no download (§28).
        await page.GotoAsync("/cancellations/" + network.CustodyCancellationId);
        Assert.Equal(0, await page.Locator("#certificate-download").CountAsync());
        var refused = await context.APIRequest.GetAsync($"/cancellations/{network.CustodyCancellationId}/certificate");
        Assert.Equal(404, refused.Status);
    }

    [SkippableFact]
    public async Task No_pseudonymous_id_is_on_any_page_or_in_any_json()
    {
        RequireBrowser();
        await using var context = await network.ContextAsync("zh-CN");
        var api = context.APIRequest;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var jsonPages = 0;
        var queue = new Queue<string>(["/", "/?lang=en", "/cancellations/" + network.CustodyCancellationId, "/batches/" + Uri.EscapeDataString(network.ScenarioBatchId), "/scenarios/SC-1", "/tx/" + network.TransferTransactionId]);
        while (queue.Count > 0 && seen.Count < 400)
        {
            var path = queue.Dequeue();
            if (!seen.Add(path))
            {
                continue;
            }

            var response = await api.GetAsync(path);
            var body = await response.TextAsync();
            AssertNoPseudonymousId(path, body);
            if ((response.Headers.GetValueOrDefault("content-type") ?? "").StartsWith("text/html", StringComparison.Ordinal))
            {
                // Every page's JSON too.
                var json = await api.GetAsync("/api" + (path.StartsWith("/?", StringComparison.Ordinal) ? path[1..] : path == "/" ? "" : path));
                Assert.True(json.Ok, $"/api{path} answered {json.Status}");
                AssertNoPseudonymousId("/api" + path, await json.TextAsync());
                jsonPages++;
                foreach (Match link in Href().Matches(body))
                {
                    var href = System.Net.WebUtility.HtmlDecode(link.Groups[1].Value);
                    if (href.StartsWith('/') && !href.StartsWith("//", StringComparison.Ordinal) && href != "/events")
                    {
                        queue.Enqueue(href);
                    }
                }
            }
        }

        Assert.Contains("/cancellations/" + network.CancellationId + "/certificate", seen);
        Assert.True(jsonPages > 20, $"only {jsonPages} pages had JSON");
        Assert.True(seen.Count > 20, $"the crawl reached only {seen.Count} pages: {string.Join(" ", seen)}");
    }

    [SkippableFact]
    public async Task Bad_input_gets_a_message_and_the_node_keeps_serving()
    {
        RequireBrowser();
        await using var context = await network.ContextAsync("en-GB");
        var api = context.APIRequest;
        Assert.Equal(404, (await api.GetAsync("/batches/%3Cscript%3E")).Status);
        Assert.Equal(404, (await api.GetAsync("/cancellations/" + new string('z', 500))).Status);
        Assert.Equal(404, (await api.GetAsync("/no/such/page")).Status);
        var rows = await api.GetAsync("/projects?rows=lots");
        Assert.Equal(400, rows.Status);
        Assert.Contains("rows is a number", await rows.TextAsync(), StringComparison.Ordinal);
        Assert.Equal(400, (await api.GetAsync("/search?q=" + new string('a', 300))).Status);
        Assert.True((await api.GetAsync("/projects?after=" + new string('a', 20_000))).Status is 400 or 414 or 431);

        var capped = await api.GetAsync("/api/projects?rows=100000");
        Assert.Contains("\"pageRowsMax\":100", await capped.TextAsync(), StringComparison.Ordinal);
        Assert.True((await api.GetAsync("/api/status")).Ok);
    }

    private void AssertNoPseudonymousId(string path, string body)
    {
        foreach (var form in network.PseudonymousForms)
        {
            Assert.False(body.Contains(form, StringComparison.Ordinal), $"{path} shows the pseudonymous user id {form}");
        }
    }

    /// <summary>Types into the search form and submits it, returning once the result page (always another URL here) has loaded.</summary>
    private static async Task Search(IPage page, string query)
    {
        await page.WaitForLoadStateAsync(LoadState.Load);
        await page.Locator("form.search input[name=q]").FillAsync(query);
        var before = page.Url;
        await page.Locator("form.search button").ClickAsync();
        await page.WaitForURLAsync(url => url != before, new PageWaitForURLOptions { WaitUntil = WaitUntilState.Load });
    }

    /// <summary>With LEDGER_PORTAL_SCREENSHOTS=DIR, the page at path in English (the docs' language) as DIR/name.png.</summary>
    private async Task Screenshot(string path, string name)
    {
        var directory = Environment.GetEnvironmentVariable("LEDGER_PORTAL_SCREENSHOTS");
        if (string.IsNullOrEmpty(directory))
        {
            return;
        }

        System.IO.Directory.CreateDirectory(directory);
        await using var context = await network.ContextAsync("en-GB");
        var page = await context.NewPageAsync();
        await page.SetViewportSizeAsync(1200, 800);
        await page.GotoAsync(path + (path.Contains('?') ? "&" : "?") + "lang=en");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private void RequireBrowser()
    {
        if (network.Unavailable is { } reason)
        {
            Assert.False(PortalNetwork.InCi, $"CI=true and the browser tests cannot run: {reason}");
            Skip.If(true, reason);
        }
    }

    [GeneratedRegex("href=\"([^\"]*)\"")]
    private static partial Regex Href();
}

[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalNetwork>
{
    public const string Name = "portal network";
}

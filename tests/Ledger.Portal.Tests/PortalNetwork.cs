using Google.Protobuf;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;
using Ledger.Integration.Tests;
using Microsoft.Playwright;

namespace Ledger.Portal.Tests;

/// <summary>
/// Four validator processes over TLS (the portal shares the client API's port), a story committed through
/// the SDK — a project through review, public notice and approval, an issuance, a trade, a cancellation
/// approved with its certificate, a scenario batch of pseudonymous users and a custody cancellation for
/// one of them, a project left in public notice, a hostile title — and headless Chromium.
/// </summary>
public sealed class PortalNetwork : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string HostileTitle = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">";
    public const string Beneficiary = "Ordos No. 1 Middle School";
    public const string Company = "metro-co";
    public const int ScenarioUsers = 10;

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ledger-portal-" + Guid.NewGuid().ToString("N")[..12]);

    public IReadOnlyList<NodeProcess> Nodes { get; private set; } = [];

    public NodeProcess Node => Nodes[0];

    public IPlaywright? Playwright { get; private set; }

    public IBrowser? Browser { get; private set; }

    /// <summary>Why the browser tests cannot run here, or null.</summary>
    public string? Unavailable { get; private set; }

    public string BatchId { get; private set; } = "";

    public string ScenarioBatchId { get; private set; } = "";

    public string CancellationId { get; private set; } = "";

    public string CustodyCancellationId { get; private set; } = "";

    public string TransferTransactionId { get; private set; } = "";

    public string GenesisFile => Path.Combine(_directory, "genesis.json");

    public string Directory => _directory;

    /// <summary>Every pseudonymous user id of the story, as hex (both cases) and base64 (standard and URL-safe).</summary>
    public IReadOnlyList<string> PseudonymousForms { get; private set; } = [];

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            Unavailable = $"{ChromiumPath} is missing (Debian's chromium package; .ci/run installs it)";
            return;
        }

        System.IO.Directory.CreateDirectory(_directory);
        try
        {
            Nodes = await NodeProcess.StartNetworkAsync(4, tls: true);
            await File.WriteAllTextAsync(GenesisFile, JsonFormatter.Default.Format(Node.Genesis));
            await CommitStoryAsync();
            Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
            Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true, Args = ChromiumArgs });
        }
        catch
        {
            // The tests never get the fixture: stop what was started here.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        // Safe to call twice (after a failed start, and by xUnit).
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
            Browser = null;
        }

        Playwright?.Dispose();
        Playwright = null;
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        Nodes = [];

        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A browser context that trusts the test CA's certificates (IgnoreHTTPSErrors) and speaks the given locale.</summary>
    public async Task<IBrowserContext> ContextAsync(string locale = "zh-CN")
    {
        var context = await Browser!.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true, BaseURL = Node.Url.ToString(), Locale = locale, AcceptDownloads = true });
        // Generous waits on a shared, loaded machine: the tests wait for conditions and never assert speed.
        context.SetDefaultTimeout(60_000);
        context.SetDefaultNavigationTimeout(60_000);
        Assertions.SetDefaultExpectTimeout(30_000);
        return context;
    }

    public LedgerClient Client() => Participants.Client(Node);

    private async Task CommitStoryAsync()
    {
        await using var client = Client();
        var (owner, _, issuance, batch) = await Stories.IssueAndTransferAsync(client);
        BatchId = batch;
        // A second, small transfer whose id the search test keeps (the story helper does not return its transfer's).
        var transfer = await client.SubmitAndWaitAsync(Transactions.Transfer("trader-b", batch, 10_000, 5_00, "CNY"), owner, [Participants.Operator, Participants.Signer("trader-b")]);
        TransferTransactionId = transfer.TransactionId;
        var request = await client.SubmitAndWaitAsync(Transactions.RequestCancellation(batch, 400_000, Beneficiary, "2025 campus carbon neutrality", "Ordos Kangbashi District Education Bureau"), owner);
        CancellationId = request.Attribute("cancellation_id")!;
        await client.SubmitAndWaitAsync(Transactions.ApproveCancellation(CancellationId), Participants.Operator);

        // A project left in its public notice, with a title that tries to run script.
        await client.SubmitAndWaitAsync(Transactions.ApplyProject("PV-9", HostileTitle, "M-PV"), owner);
        await client.SubmitAndWaitAsync(Transactions.SubmitReview("PV-9", favourable: true, "sound"), Participants.Signer("expert-1"));
        await client.SubmitAndWaitAsync(Transactions.StartPublicNotice("PV-9"), Participants.Operator);

        // A scenario batch of pseudonymous users, and a custody cancellation for one of them.
        var company = await ScenarioStories.ApproveAsync(client, "SC-1", Company);
        var yesterday = ScenarioStories.Yesterday;
        var day = await ScenarioStories.IssueDayAsync([client], company, "SC-1", yesterday, ScenarioStories.MetroDay(Company, "portal", ScenarioUsers * 4), concurrency: 1);
        Assert.True(day.Issuance.IsCommitted, day.Issuance.Message);
        ScenarioBatchId = Ledger.Core.Issuance.BatchIds.ForScenario("SC-1", yesterday);
        var custody = await client.SubmitAndWaitAsync(
            Transactions.RequestCustodyCancellation(ScenarioStories.UserId(Company, 0), "consent-0", ScenarioBatchId, 100, "A rider's own neutrality", "personal carbon neutrality"), company);
        Assert.True(custody.IsCommitted, custody.Message);
        CustodyCancellationId = custody.Attribute("cancellation_id")!;
        var approved = await client.SubmitAndWaitAsync(Transactions.ApproveCancellation(CustodyCancellationId), Participants.Operator);
        Assert.True(approved.IsCommitted, approved.Message);

        PseudonymousForms = Enumerable.Range(0, ScenarioUsers).Select(i => ScenarioStories.UserId(Company, i)).SelectMany(id => new[]
        {
            Convert.ToHexStringLower(id), Convert.ToHexString(id), Convert.ToBase64String(id), Convert.ToBase64String(id).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
        }).ToList();
    }
}

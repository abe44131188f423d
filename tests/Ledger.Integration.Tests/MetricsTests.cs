using System.Globalization;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;

namespace Ledger.Integration.Tests;

/// <summary>A node with MetricsListenUrl serves Prometheus text on /metrics over HTTP/1.1, and only there.</summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private NodeProcess _node = null!;
    private LedgerClient _client = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync()
    {
        _node = await NodeProcess.StartAsync(metrics: true);
        _client = Participants.Client(_node);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _client.DisposeAsync();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task A_scrape_shows_the_height_commit_latency_mempool_and_rejections_by_code()
    {
        var envelope = await _client.PrepareAsync(Transactions.FileMethodology("M-metrics", "Methodology", MethodologyLevel.National, "1", []), Participants.Bureau);
        Assert.True((await _client.TrySubmitAndWaitAsync(envelope)).IsCommitted);
        Assert.Equal(RejectionCode.NonceReused, (await _client.TrySubmitAsync(envelope)).Code);

        using var response = await _http.GetAsync(_node.MetricsUrl);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        Assert.Equal(new Version(1, 1), response.Version);
        Assert.True(Sample(text, "ledger_height") >= 1, text);
        Assert.Equal(0, Sample(text, "ledger_mempool_transactions"));
        Assert.Equal(0, Sample(text, "ledger_consensus_round"));
        Assert.Equal(0, Sample(text, "ledger_peers_connected"));
        Assert.True(Sample(text, "ledger_rejections_total", "code=\"REJECTION_CODE_NONCE_REUSED\"") > 0, text);
        Assert.True(Sample(text, "ledger_commit_latency_seconds_count") >= 1, text);
        // D56: each committed block's size and the time from its header to its commit here.
        Assert.True(Sample(text, "ledger_block_transactions_count") >= 1, text);
        Assert.True(Sample(text, "ledger_block_transactions_sum") >= 1, text);
        Assert.True(Sample(text, "ledger_proposal_to_commit_seconds_count") >= 1, text);
    }

    [Fact]
    public async Task Other_paths_of_the_metrics_port_are_not_found()
    {
        using var response = await _http.GetAsync(new Uri(_node.MetricsUrl!, "/other"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>The value of the first sample of the metric whose labels include the given one (the exporter adds otel_scope_name).</summary>
    private static double Sample(string text, string name, string label = "")
    {
        var line = text.Split('\n').FirstOrDefault(l =>
            l.StartsWith(name, StringComparison.Ordinal) && l.Length > name.Length && (l[name.Length] is ' ' or '{') && l.Contains(label, StringComparison.Ordinal));
        Assert.True(line is not null, $"no sample {name} in:\n{text}");
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
}

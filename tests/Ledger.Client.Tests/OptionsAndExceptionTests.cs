using Grpc.Core;
using Ledger.Core;
using Ledger.Core.Protocol;

namespace Ledger.Client.Tests;

public sealed class OptionsAndExceptionTests
{
    public static TheoryData<string, Action<LedgerClientOptions>> BadOptions => new()
    {
        { "Endpoint", o => o.Endpoint = null },
        { "Endpoint", o => o.Endpoint = new Uri("/relative", UriKind.Relative) },
        { "Endpoint", o => o.Endpoint = new Uri("ftp://127.0.0.1") },
        { "ChainId", o => o.ChainId = "chain with spaces" },
        { "ChainId", o => o.ChainId = new string('c', Limits.ChainIdLengthMax + 1) },
        { "ExpiryWindowHeights", o => o.ExpiryWindowHeights = 0 },
        { "ExpiryWindowHeights", o => o.ExpiryWindowHeights = Limits.ExpiryHeightsAheadMax + 1 },
        { "HeightCacheDuration", o => o.HeightCacheDuration = TimeSpan.FromSeconds(-1) },
        { "SubmitAndWaitTimeout", o => o.SubmitAndWaitTimeout = TimeSpan.Zero },
        { "MessageBytesMax", o => o.MessageBytesMax = 1024 },
        { "CaFile", o => o.CaFile = "ca.pem" },
        { "CaFile", o => (o.Endpoint, o.CaFile, o.HttpHandler) = (new Uri("https://127.0.0.1:1"), "ca.pem", new SocketsHttpHandler()) },
        { "CaFile", o => (o.Endpoint, o.CaFile) = (new Uri("https://127.0.0.1:1"), "/nonexistent/ca.pem") },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void An_invalid_option_is_refused_with_a_message_naming_the_field(string field, Action<LedgerClientOptions> spoil)
    {
        var options = Valid();
        spoil(options);

        var exception = Assert.Throws<ArgumentException>(() => new LedgerClient(options));

        Assert.Equal(field, exception.ParamName);
        Assert.StartsWith($"LedgerClientOptions.{field} ", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Valid_options_make_a_client_without_connecting()
    {
        await using var client = new LedgerClient(Valid());

        Assert.Equal(new Uri("http://127.0.0.1:1"), client.Endpoint);
    }

    [Fact]
    public void A_rejection_carries_its_code_message_and_transaction_id()
    {
        var exception = new LedgerRejectedException(RejectionCode.InsufficientBalance, "trader-1 holds 5 tradable grams", "ab12");

        Assert.Equal(RejectionCode.InsufficientBalance, exception.Code);
        Assert.Equal("trader-1 holds 5 tradable grams", exception.RejectionMessage);
        Assert.Equal("ab12", exception.TransactionId);
        Assert.Contains("InsufficientBalance", exception.Message, StringComparison.Ordinal);
        Assert.Contains("trader-1 holds 5 tradable grams", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_error_carries_the_grpc_status()
    {
        var exception = new LedgerClientException(StatusCode.Unavailable, "connection refused");

        Assert.Equal(StatusCode.Unavailable, exception.StatusCode);
        Assert.Equal("connection refused", exception.Detail);
    }

    [Fact]
    public void A_signer_needs_a_valid_participant_id()
    {
        var exception = Assert.Throws<ArgumentException>(() => new LedgerSigner("not valid", Testing.TestKeys.For("x")));

        Assert.Equal("participantId", exception.ParamName);
    }

    [Fact]
    public void The_network_trust_handler_opens_more_connections_past_the_servers_stream_limit()
    {
        // Without it, every call past Kestrel's 100 concurrent streams on one connection queues in the client:
        // 256 callers of SubmitAndWait put only 100 transactions in each block.
        using var handler = NetworkTrust.CreateHandler([]);
        Assert.True(handler.EnableMultipleHttp2Connections);
    }

    private static LedgerClientOptions Valid() => new() { Endpoint = new Uri("http://127.0.0.1:1") };
}

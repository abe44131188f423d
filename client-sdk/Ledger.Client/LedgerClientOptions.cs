using Grpc.Net.Client;
using Ledger.Core;

namespace Ledger.Client;

/// <summary>Everything a <see cref="LedgerClient"/> needs; each default is written here once.</summary>
public sealed class LedgerClientOptions
{
    /// <summary>Default <see cref="ExpiryWindowHeights"/>: about ten minutes at one block a second.</summary>
    public const ulong ExpiryWindowHeightsDefault = 600;

    /// <summary>Default <see cref="MessageBytesMax"/>: room for a full block reply.</summary>
    public const int MessageBytesMaxDefault = 16 * 1024 * 1024;

    /// <summary>The node's gRPC address, e.g. <c>http://127.0.0.1:7051</c> or <c>https://node.example:443</c>. Required.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// The chain id envelopes are signed for. Empty (the default): taken from the node's
    /// GetStatus on first use and kept for the client's lifetime. Set it to refuse to sign for
    /// whatever chain a misconfigured endpoint claims to be.
    /// </summary>
    public string ChainId { get; set; } = string.Empty;

    /// <summary>
    /// Expiry of automatically prepared envelopes: head height + this many heights. Short is safer,
    /// since a refused envelope may be included until it expires (docs/DECISIONS.md D3).
    /// At most <see cref="Limits.ExpiryHeightsAheadMax"/>.
    /// </summary>
    public ulong ExpiryWindowHeights { get; set; } = ExpiryWindowHeightsDefault;

    /// <summary>
    /// How long a head height read from GetStatus is reused to compute expiries. A height at most
    /// this old only shortens the effective window by the blocks made meanwhile; zero asks the node
    /// before every preparation.
    /// </summary>
    public TimeSpan HeightCacheDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The deadline of one SubmitAndWait call: admission plus commit. Default 30 s.</summary>
    public TimeSpan SubmitAndWaitTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest gRPC message sent or received, in bytes.</summary>
    public int MessageBytesMax { get; set; } = MessageBytesMaxDefault;

    /// <summary>An HTTP handler for the channel (TLS client certificates, proxies, test servers), passed to <see cref="GrpcChannelOptions.HttpHandler"/>; give each client its own.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>
    /// The network's CA certificate(s), a PEM file (e.g. devnet-data/tls/ca.pem): an https node's
    /// certificate must chain to it instead of the OS store. Empty (the default): the OS store.
    /// </summary>
    public string CaFile { get; set; } = string.Empty;

    /// <summary>A last hook over the channel options, applied after the client sets its own.</summary>
    public Action<GrpcChannelOptions>? ConfigureChannel { get; set; }

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentException">The first invalid field; <see cref="ArgumentException.ParamName"/> is its name.</exception>
    public void Validate()
    {
        if (Endpoint is null)
        {
            throw Invalid(nameof(Endpoint), "is required, e.g. http://127.0.0.1:7051");
        }

        if (!Endpoint.IsAbsoluteUri || Endpoint.Scheme is not ("http" or "https"))
        {
            throw Invalid(nameof(Endpoint), $"must be an absolute http:// or https:// address, not '{Endpoint}'");
        }

        if (CaFile is null || (CaFile.Length > 0 && (Endpoint.Scheme != "https" || HttpHandler is not null)))
        {
            throw Invalid(nameof(CaFile), $"is for an https:// endpoint without an HttpHandler of its own, not '{Endpoint}'");
        }

        if (ChainId is null || (ChainId.Length > 0 && !Limits.IsValidId(ChainId, Limits.ChainIdLengthMax)))
        {
            throw Invalid(nameof(ChainId), $"must be empty (ask the node) or 1-{Limits.ChainIdLengthMax} characters of A-Z a-z 0-9 . _ : -");
        }

        if (ExpiryWindowHeights is 0 or > Limits.ExpiryHeightsAheadMax)
        {
            throw Invalid(nameof(ExpiryWindowHeights), $"must be 1-{Limits.ExpiryHeightsAheadMax}, not {ExpiryWindowHeights}");
        }

        if (HeightCacheDuration < TimeSpan.Zero)
        {
            throw Invalid(nameof(HeightCacheDuration), $"must not be negative, not {HeightCacheDuration}");
        }

        if (SubmitAndWaitTimeout <= TimeSpan.Zero)
        {
            throw Invalid(nameof(SubmitAndWaitTimeout), $"must be positive, not {SubmitAndWaitTimeout}");
        }

        if (MessageBytesMax < Limits.EnvelopeBytesMax * 2)
        {
            throw Invalid(nameof(MessageBytesMax), $"must be at least {Limits.EnvelopeBytesMax * 2} (twice the largest envelope), not {MessageBytesMax}");
        }
    }

    private static ArgumentException Invalid(string field, string problem) =>
        new($"LedgerClientOptions.{field} {problem}", field);
}

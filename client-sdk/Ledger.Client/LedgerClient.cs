using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Core;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Client;

/// <summary>
/// A client of one ledger node's gRPC API (<c>ledger.v1.Ledger</c>): prepares, signs and submits
/// transactions, and queries committed state. Thread-safe; create one per node and reuse it.
/// </summary>
/// <remarks>
/// Nonces are random 64-bit values (any unused value is valid, docs/DECISIONS.md D2), so many
/// threads or processes may submit for one signer without coordinating. The expiry of a prepared
/// envelope is the node's head height plus <see cref="LedgerClientOptions.ExpiryWindowHeights"/>;
/// the head height comes from GetStatus and is reused for <see cref="LedgerClientOptions.HeightCacheDuration"/>.
/// </remarks>
public sealed partial class LedgerClient : IAsyncDisposable, IDisposable
{
    /// <summary>The trailer in which a node names the rejection code of a refused call that is not a submission (D29).</summary>
    public const string RejectionCodeTrailer = "ledger-rejection-code";

    private static readonly Google.Protobuf.Reflection.EnumDescriptor RejectionCodeDescriptor =
        RejectionsReflection.Descriptor.EnumTypes.Single(e => e.Name == "RejectionCode");

    private readonly LedgerClientOptions _options;
    private readonly GrpcChannel _channel;
    private readonly ProtocolLedger.LedgerClient _stub;
    private volatile NetworkFacts? _network;
    private volatile HeadSnapshot? _head;
    private readonly Lock _refreshGate = new();
    private Task<NodeStatus>? _refresh;

    /// <summary>Creates a client; no connection is made until the first call.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public LedgerClient(LedgerClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        var channelOptions = new GrpcChannelOptions
        {
            MaxReceiveMessageSize = options.MessageBytesMax,
            MaxSendMessageSize = options.MessageBytesMax,
            HttpHandler = options.CaFile.Length > 0 ? NetworkTrust.CreateHandler(ReadCaFile(options.CaFile)) : options.HttpHandler,
            DisposeHttpClient = options.CaFile.Length > 0,
        };
        options.ConfigureChannel?.Invoke(channelOptions);
        _channel = GrpcChannel.ForAddress(options.Endpoint!, channelOptions);
        _stub = new ProtocolLedger.LedgerClient(_channel);
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2Collection ReadCaFile(string path)
    {
        try
        {
            return NetworkTrust.ReadCaFile(path);
        }
        catch (ArgumentException exception)
        {
            throw new ArgumentException($"LedgerClientOptions.CaFile is not usable: {exception.Message}", nameof(LedgerClientOptions.CaFile), exception);
        }
    }

    /// <summary>The node address this client talks to.</summary>
    public Uri Endpoint => _options.Endpoint!;

    /// <summary>
    /// The chain id envelopes are signed for: <see cref="LedgerClientOptions.ChainId"/>, or the
    /// node's, asked once and kept.
    /// </summary>
    public async Task<string> GetChainIdAsync(CancellationToken cancellationToken = default)
    {
        if (_options.ChainId.Length > 0)
        {
            return _options.ChainId;
        }

        return (_network ?? await RefreshStatusAsync(cancellationToken).ConfigureAwait(false)).ChainId;
    }

    /// <summary>The node's status: chain id, head height and hash, validators, mempool size.</summary>
    public async Task<NodeStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var status = await InvokeAsync(o => _stub.GetStatusAsync(new GetStatusRequest(), o), cancellationToken).ConfigureAwait(false);
        Remember(status);
        return status;
    }

    /// <summary>Closes the channel; calls in flight are cancelled.</summary>
    public void Dispose() => _channel.Dispose();

    /// <summary>Closes the channel; calls in flight are cancelled.</summary>
    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<NetworkFacts> RefreshStatusAsync(CancellationToken cancellationToken)
    {
        await SharedStatusAsync(cancellationToken).ConfigureAwait(false);
        return _network!;
    }

    /// <summary>
    /// GetStatus for the client's own needs (chain id, head height), one call in flight at a time: when
    /// the height cache of a client used by a thousand callers expires, they share one call instead of
    /// sending a thousand. The shared call is not cancelled by any one caller; each stops waiting on its own token.
    /// </summary>
    private Task<NodeStatus> SharedStatusAsync(CancellationToken cancellationToken)
    {
        Task<NodeStatus> refresh;
        lock (_refreshGate)
        {
            if (_refresh is null || _refresh.IsCompleted)
            {
                _refresh = StatusWithinAsync(_options.SubmitAndWaitTimeout);
            }

            refresh = _refresh;
        }

        return refresh.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// GetStatus with a gRPC deadline, so a shared call that hangs cannot hold every later caller; its expiry is
    /// DEADLINE_EXCEEDED (a <see cref="LedgerClientException"/>), never a cancellation no caller asked for.
    /// </summary>
    private async Task<NodeStatus> StatusWithinAsync(TimeSpan timeout)
    {
        try
        {
            var status = await _stub.GetStatusAsync(new GetStatusRequest(), new CallOptions(deadline: DateTime.UtcNow.Add(timeout))).ResponseAsync.ConfigureAwait(false);
            Remember(status);
            return status;
        }
        catch (RpcException exception)
        {
            throw Translate(exception, CancellationToken.None);
        }
    }

    private void Remember(NodeStatus status)
    {
        if (!Limits.IsValidId(status.ChainId, Limits.ChainIdLengthMax))
        {
            throw new LedgerClientException(StatusCode.Internal, $"the node reported an invalid chain id '{status.ChainId}'");
        }

        _network ??= new NetworkFacts(status.ChainId, status.HashAlgorithm);
        _head = new HeadSnapshot(status.Height, Stopwatch.GetTimestamp());
    }

    /// <summary>The head height, from the cache when it is fresh enough.</summary>
    private async Task<ulong> HeadHeightAsync(CancellationToken cancellationToken)
    {
        var head = _head;
        if (head is not null && _options.HeightCacheDuration > TimeSpan.Zero && Stopwatch.GetElapsedTime(head.Timestamp) <= _options.HeightCacheDuration)
        {
            return head.Height;
        }

        return (await SharedStatusAsync(cancellationToken).ConfigureAwait(false)).Height;
    }

    /// <summary>The transaction id computed locally, when the network's hash is known; otherwise empty.</summary>
    private string LocalTransactionId(Envelope envelope) =>
        _network is { HashAlgorithm: HashAlgorithm.Sha256 or HashAlgorithm.Sm3 } network
            ? Envelopes.TransactionId(envelope, network.HashAlgorithm)
            : string.Empty;

    private async Task<T> InvokeAsync<T>(Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(new CallOptions(cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException exception)
        {
            throw Translate(exception, cancellationToken);
        }
    }

    /// <summary>As <see cref="InvokeAsync{T}"/>, with NOT_FOUND as null.</summary>
    private async Task<T?> FindAsync<T>(Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await call(new CallOptions(cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
        catch (RpcException exception)
        {
            throw Translate(exception, cancellationToken);
        }
    }

    /// <summary>
    /// A failed call as the SDK's exception: a refusal the node named with a rejection code in the
    /// trailer ledger-rejection-code (a limit on streams, D29) becomes a <see cref="LedgerRejectedException"/>.
    /// </summary>
    internal static Exception Translate(RpcException exception, CancellationToken cancellationToken)
    {
        // Once the caller has cancelled, the call ends as cancelled whatever the transport says next: a stream reset in
        // the middle of a read comes back as UNAVAILABLE "The request was aborted", not CANCELLED (D42).
        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException("the call was cancelled", exception, cancellationToken);
        }

        return TrailerRejectionCode(exception) is { } code
            ? new LedgerRejectedException(code, exception.Status.Detail, string.Empty)
            : new LedgerClientException(exception.StatusCode, exception.Status.Detail, exception);
    }

    private static RejectionCode? TrailerRejectionCode(RpcException exception)
    {
        var name = exception.Trailers.GetValue(RejectionCodeTrailer);
        var value = name is null ? null : RejectionCodeDescriptor.FindValueByName(name);
        return value is null || value.Number == 0 ? null : (RejectionCode)value.Number;
    }

    private sealed record NetworkFacts(string ChainId, HashAlgorithm HashAlgorithm);

    private sealed record HeadSnapshot(ulong Height, long Timestamp);
}

using System.Threading.Channels;
using Grpc.Core;
using Ledger.Core.Protocol;

namespace Ledger.Client;

/// <summary>
/// SubmitAndWait for many transactions over one gRPC call (D56, the node's SubmitAndWaitStream): one HTTP/2 stream
/// carries every submission and every outcome, instead of one stream (headers, trailers, a deadline) per transaction.
/// Thread-safe; get one from <see cref="LedgerClient.OpenSubmitStream"/> and dispose it when done. If the call breaks
/// (the node restarts, or is older than D56 and answers UNIMPLEMENTED), every waiting submission fails with a
/// <see cref="LedgerClientException"/> and so does every later one: open a new stream, or use
/// <see cref="LedgerClient.TrySubmitAndWaitAsync(Envelope, CancellationToken)"/>.
/// </summary>
public sealed class SubmitStream : IAsyncDisposable
{
    private readonly LedgerClient _client;
    private readonly TimeSpan _timeout;
    private readonly AsyncDuplexStreamingCall<SubmitRequest, TransactionReply> _call;
    private readonly Channel<Envelope> _outgoing = Channel.CreateUnbounded<Envelope>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, Queue<TaskCompletionSource<TransactionReply>>> _waiting = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _end = new();
    private readonly Task _writer;
    private readonly Task _reader;
    private (StatusCode Status, string Detail, Exception Cause)? _broken;
    private int _disposed;

    internal SubmitStream(LedgerClient client, AsyncDuplexStreamingCall<SubmitRequest, TransactionReply> call, TimeSpan timeout)
    {
        _client = client;
        _call = call;
        _timeout = timeout;
        _writer = Task.Run(WriteAsync);
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>
    /// Submits and waits for the outcome, as <see cref="LedgerClient.TrySubmitAndWaitAsync(Envelope, CancellationToken)"/>:
    /// committed or refused, without throwing for a refusal.
    /// </summary>
    /// <exception cref="LedgerTimeoutException">Not decided within <see cref="LedgerClientOptions.SubmitAndWaitTimeout"/> (or the node answered PENDING): it may still commit.</exception>
    /// <exception cref="LedgerClientException">The stream is broken or closed.</exception>
    public async Task<CommitResult> TrySubmitAndWaitAsync(Envelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var id = Envelopes.TransactionId(envelope, await _client.HashAlgorithmAsync(cancellationToken).ConfigureAwait(false));
        var waiter = new TaskCompletionSource<TransactionReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_broken is not null)
            {
                throw Broken();
            }

            if (!_waiting.TryGetValue(id, out var queue))
            {
                _waiting[id] = queue = new Queue<TaskCompletionSource<TransactionReply>>();
            }

            queue.Enqueue(waiter);
        }

        _outgoing.Writer.TryWrite(envelope);
        TransactionReply reply;
        try
        {
            reply = await waiter.Task.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            throw _client.NotDecided(envelope, _timeout, "the deadline passed", exception);
        }

        return _client.ToCommitResult(reply, envelope, _timeout);
    }

    /// <summary>Ends the call: submissions still waiting fail with a <see cref="LedgerClientException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Break(new LedgerClientException(StatusCode.Cancelled, "the submit stream was closed"));
        await _end.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_writer, _reader).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Ending the call ends both loops; how they reported it does not matter.
        }

        _call.Dispose();
        _end.Dispose();
    }

    private async Task WriteAsync()
    {
        try
        {
            await foreach (var envelope in _outgoing.Reader.ReadAllAsync(_end.Token).ConfigureAwait(false))
            {
                await _call.RequestStream.WriteAsync(new SubmitRequest { Envelope = envelope }, _end.Token).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is RpcException or OperationCanceledException or InvalidOperationException or IOException)
        {
            Break(exception is RpcException rpc ? LedgerClient.Translate(rpc, CancellationToken.None) : new LedgerClientException(StatusCode.Unavailable, $"the submit stream could not be written: {exception.Message}", exception));
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var reply in _call.ResponseStream.ReadAllAsync(_end.Token).ConfigureAwait(false))
            {
                var id = Convert.ToHexStringLower(reply.TransactionId.Span);
                TaskCompletionSource<TransactionReply>? waiter = null;
                lock (_gate)
                {
                    if (_waiting.TryGetValue(id, out var queue))
                    {
                        waiter = queue.Dequeue();
                        if (queue.Count == 0)
                        {
                            _waiting.Remove(id);
                        }
                    }
                }

                waiter?.TrySetResult(reply);
            }

            Break(new LedgerClientException(StatusCode.Unavailable, "the node ended the submit stream"));
        }
        catch (RpcException exception)
        {
            Break(LedgerClient.Translate(exception, CancellationToken.None));
        }
        catch (OperationCanceledException)
        {
            Break(new LedgerClientException(StatusCode.Cancelled, "the submit stream was closed"));
        }
    }

    /// <summary>The stream is unusable from now on: every waiting submission fails with <paramref name="reason"/>.</summary>
    private void Break(Exception reason)
    {
        List<TaskCompletionSource<TransactionReply>> waiting;
        lock (_gate)
        {
            _broken ??= reason is LedgerClientException client ? (client.StatusCode, client.Detail, reason) : (StatusCode.Unavailable, reason.Message, reason);
            waiting = [.. _waiting.Values.SelectMany(q => q)];
            _waiting.Clear();
        }

        _outgoing.Writer.TryComplete();
        foreach (var waiter in waiting)
        {
            waiter.TrySetException(Broken());
        }
    }

    /// <summary>A fresh exception for each caller (one instance thrown on many threads would share its stack trace).</summary>
    private LedgerClientException Broken() =>
        new(_broken!.Value.Status, $"the submit stream is broken: {_broken.Value.Detail}", _broken.Value.Cause);
}

using Grpc.Core;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Client;

public sealed partial class LedgerClient
{
    /// <summary>
    /// An envelope for body, signed by <paramref name="signer"/> and then by each co-signer, with a
    /// fresh random nonce and an expiry of head height + <see cref="LedgerClientOptions.ExpiryWindowHeights"/>.
    /// Pass it to a second party for <see cref="Envelopes.CoSign"/> (operator attestation, verifier
    /// report), then to <see cref="SubmitAsync(Envelope, CancellationToken)"/>.
    /// </summary>
    public async Task<Envelope> PrepareAsync(TransactionBody body, LedgerSigner signer, IReadOnlyList<LedgerSigner>? coSigners, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(signer);
        var (chainId, expiryHeight) = await FrameAsync(cancellationToken).ConfigureAwait(false);
        return Envelopes.Sign(chainId, body, signer, Envelopes.NewNonce(), expiryHeight, coSigners);
    }

    /// <summary>An envelope for body signed by <paramref name="signer"/> alone; see <see cref="PrepareAsync(TransactionBody, LedgerSigner, IReadOnlyList{LedgerSigner}?, CancellationToken)"/>.</summary>
    public Task<Envelope> PrepareAsync(TransactionBody body, LedgerSigner signer, CancellationToken cancellationToken = default) =>
        PrepareAsync(body, signer, null, cancellationToken);

    /// <summary>
    /// A RotateKey envelope for <paramref name="participantId"/>, signed by <paramref name="signer"/>
    /// (the participant itself, or a BUREAU for a lost key) and ending with the proof of possession
    /// made by <paramref name="newKey"/>. Submit it; from the next transaction on, sign with the new key.
    /// </summary>
    public async Task<Envelope> PrepareRotateKeyAsync(LedgerSigner signer, string participantId, SigningKey newKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var (chainId, expiryHeight) = await FrameAsync(cancellationToken).ConfigureAwait(false);
        return Envelopes.RotateKey(chainId, signer, participantId, newKey, Envelopes.NewNonce(), expiryHeight);
    }

    /// <summary>Submits a signed envelope; returns the transaction id once the node admits it (it is not committed yet).</summary>
    /// <exception cref="LedgerRejectedException">The node refused it; <see cref="LedgerRejectedException.Code"/> says why.</exception>
    /// <exception cref="LedgerClientException">A gRPC failure.</exception>
    public async Task<string> SubmitAsync(Envelope envelope, CancellationToken cancellationToken = default)
    {
        var result = await TrySubmitAsync(envelope, cancellationToken).ConfigureAwait(false);
        return result.IsAdmitted ? result.TransactionId : throw new LedgerRejectedException(result.Code, result.Message, result.TransactionId);
    }

    /// <summary>Prepares (see <see cref="PrepareAsync(TransactionBody, LedgerSigner, IReadOnlyList{LedgerSigner}?, CancellationToken)"/>) and submits; returns the transaction id.</summary>
    /// <exception cref="LedgerRejectedException">The node refused it.</exception>
    public async Task<string> SubmitAsync(TransactionBody body, LedgerSigner signer, IReadOnlyList<LedgerSigner>? coSigners, CancellationToken cancellationToken = default) =>
        await SubmitAsync(await PrepareAsync(body, signer, coSigners, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Prepares body signed by <paramref name="signer"/> alone and submits it; returns the transaction id.</summary>
    /// <exception cref="LedgerRejectedException">The node refused it.</exception>
    public Task<string> SubmitAsync(TransactionBody body, LedgerSigner signer, CancellationToken cancellationToken = default) =>
        SubmitAsync(body, signer, null, cancellationToken);

    /// <summary>Submits a signed envelope and returns the node's answer, admitted or refused, without throwing for a refusal.</summary>
    /// <exception cref="LedgerClientException">A gRPC failure.</exception>
    public async Task<SubmitResult> TrySubmitAsync(Envelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var reply = await InvokeAsync(o => _stub.SubmitAsync(new SubmitRequest { Envelope = envelope }, o), cancellationToken).ConfigureAwait(false);
        return ToSubmitResult(reply, envelope);
    }

    /// <summary>
    /// Submits up to 1,000 signed envelopes in one call (D34) and returns the node's answer for each, in
    /// order, admitted or refused, without throwing for a refusal. Each envelope counts against the
    /// connection's submission rate like a single submission.
    /// </summary>
    /// <exception cref="LedgerClientException">A gRPC failure, or more envelopes than a batch may carry.</exception>
    public async Task<IReadOnlyList<SubmitResult>> SubmitBatchAsync(IReadOnlyList<Envelope> envelopes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        var request = new SubmitBatchRequest { Envelopes = { envelopes } };
        var reply = await InvokeAsync(o => _stub.SubmitBatchAsync(request, o), cancellationToken).ConfigureAwait(false);
        if (reply.Replies.Count != envelopes.Count)
        {
            throw new LedgerClientException(StatusCode.Internal, $"the node answered {reply.Replies.Count} of {envelopes.Count} envelopes");
        }

        return [.. reply.Replies.Select((r, i) => ToSubmitResult(r, envelopes[i]))];
    }

    /// <summary>Prepares and submits; returns the node's answer without throwing for a refusal.</summary>
    public async Task<SubmitResult> TrySubmitAsync(TransactionBody body, LedgerSigner signer, IReadOnlyList<LedgerSigner>? coSigners, CancellationToken cancellationToken = default) =>
        await TrySubmitAsync(await PrepareAsync(body, signer, coSigners, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Prepares body signed by <paramref name="signer"/> alone and submits; returns the node's answer.</summary>
    public Task<SubmitResult> TrySubmitAsync(TransactionBody body, LedgerSigner signer, CancellationToken cancellationToken = default) =>
        TrySubmitAsync(body, signer, null, cancellationToken);

    /// <summary>
    /// Submits and waits until the transaction is in a committed block; returns its receipt and height.
    /// </summary>
    /// <exception cref="LedgerRejectedException">Refused at admission, refused later (not final: see <see cref="LedgerRejectedException.DroppedAtHeight"/>), or committed with a rejecting receipt.</exception>
    /// <exception cref="LedgerTimeoutException">Not committed within <see cref="LedgerClientOptions.SubmitAndWaitTimeout"/>; it may still commit.</exception>
    /// <exception cref="LedgerClientException">A gRPC failure.</exception>
    public async Task<CommitResult> SubmitAndWaitAsync(Envelope envelope, CancellationToken cancellationToken = default)
    {
        var result = await TrySubmitAndWaitAsync(envelope, cancellationToken).ConfigureAwait(false);
        return result.IsCommitted ? result : throw new LedgerRejectedException(result.Code, result.Message, result.TransactionId, result.DroppedAtHeight, envelope.ExpiryHeight);
    }

    /// <summary>Prepares, submits and waits for the commit; see <see cref="SubmitAndWaitAsync(Envelope, CancellationToken)"/>.</summary>
    public async Task<CommitResult> SubmitAndWaitAsync(TransactionBody body, LedgerSigner signer, IReadOnlyList<LedgerSigner>? coSigners, CancellationToken cancellationToken = default) =>
        await SubmitAndWaitAsync(await PrepareAsync(body, signer, coSigners, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Prepares body signed by <paramref name="signer"/> alone, submits and waits for the commit.</summary>
    public Task<CommitResult> SubmitAndWaitAsync(TransactionBody body, LedgerSigner signer, CancellationToken cancellationToken = default) =>
        SubmitAndWaitAsync(body, signer, null, cancellationToken);

    /// <summary>
    /// Submits and waits; returns the outcome, committed or refused, without throwing for a refusal
    /// (check <see cref="CommitResult.IsCommitted"/>).
    /// </summary>
    /// <exception cref="LedgerTimeoutException">Not decided within <see cref="LedgerClientOptions.SubmitAndWaitTimeout"/>: the outcome is unknown, not a refusal.</exception>
    /// <exception cref="LedgerClientException">A gRPC failure.</exception>
    public async Task<CommitResult> TrySubmitAndWaitAsync(Envelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var timeout = _options.SubmitAndWaitTimeout;
        var options = new CallOptions(deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken);
        TransactionReply reply;
        try
        {
            reply = await _stub.SubmitAndWaitAsync(new SubmitRequest { Envelope = envelope }, options).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.DeadlineExceeded)
        {
            throw NotDecided(envelope, timeout, exception.Status.Detail, exception);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            // ThrowOperationCanceledOnCancellation, if a ConfigureChannel hook set it, reports the deadline so.
            throw NotDecided(envelope, timeout, "the deadline passed", exception);
        }
        catch (RpcException exception)
        {
            throw Translate(exception, cancellationToken);
        }

        return ToCommitResult(reply, envelope, timeout);
    }

    /// <summary>Prepares, submits and waits; returns the outcome without throwing for a refusal.</summary>
    public async Task<CommitResult> TrySubmitAndWaitAsync(TransactionBody body, LedgerSigner signer, IReadOnlyList<LedgerSigner>? coSigners, CancellationToken cancellationToken = default) =>
        await TrySubmitAndWaitAsync(await PrepareAsync(body, signer, coSigners, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Prepares body signed by <paramref name="signer"/> alone, submits and waits; returns the outcome.</summary>
    public Task<CommitResult> TrySubmitAndWaitAsync(TransactionBody body, LedgerSigner signer, CancellationToken cancellationToken = default) =>
        TrySubmitAndWaitAsync(body, signer, null, cancellationToken);

    /// <summary>
    /// Opens a stream for many SubmitAndWait calls over one gRPC call (D56; the node's SubmitAndWaitStream); each
    /// submission waits up to <see cref="LedgerClientOptions.SubmitAndWaitTimeout"/>. Dispose it when done.
    /// </summary>
    public SubmitStream OpenSubmitStream() => new(this, _stub.SubmitAndWaitStream(), _options.SubmitAndWaitTimeout);

    /// <summary>The network's hash algorithm (for transaction ids), asked once and kept.</summary>
    internal async Task<HashAlgorithm> HashAlgorithmAsync(CancellationToken cancellationToken) =>
        (_network ?? await RefreshStatusAsync(cancellationToken).ConfigureAwait(false)).HashAlgorithm;

    private async Task<(string ChainId, ulong ExpiryHeight)> FrameAsync(CancellationToken cancellationToken)
    {
        var chainId = await GetChainIdAsync(cancellationToken).ConfigureAwait(false);
        var height = await HeadHeightAsync(cancellationToken).ConfigureAwait(false);
        return (chainId, checked(height + _options.ExpiryWindowHeights));
    }

    private SubmitResult ToSubmitResult(SubmitReply reply, Envelope envelope) =>
        new(IdOf(reply.TransactionId, envelope), reply.Code, reply.Message) { DroppedAtHeight = reply.HasDroppedAtHeight ? reply.DroppedAtHeight : null };

    internal CommitResult ToCommitResult(TransactionReply reply, Envelope envelope, TimeSpan timeout)
    {
        var id = IdOf(reply.TransactionId, envelope);
        var receipt = reply.Receipt ?? new Receipt { TransactionId = reply.TransactionId };
        return reply.Status switch
        {
            TransactionStatus.Committed => new CommitResult(id, reply.Status, receipt, reply.Height, reply.Index),
            TransactionStatus.Refused when receipt.Code != RejectionCode.Unspecified => new CommitResult(id, reply.Status, receipt, 0, 0) { DroppedAtHeight = reply.HasDroppedAtHeight ? reply.DroppedAtHeight : null },
            TransactionStatus.Pending => throw NotDecided(envelope, timeout, "the node answered PENDING", null),
            _ => throw new LedgerClientException(StatusCode.Internal, $"the node answered SubmitAndWait with status {reply.Status} and code {receipt.Code} for transaction {id}"),
        };
    }

    internal LedgerTimeoutException NotDecided(Envelope envelope, TimeSpan timeout, string detail, Exception? inner)
    {
        var id = LocalTransactionId(envelope);
        var which = id.Length > 0 ? $"transaction {id}" : "the transaction";
        return new LedgerTimeoutException(
            $"{which} was not committed within {timeout.TotalSeconds:0.###} s ({detail}); it may still commit up to height {envelope.ExpiryHeight}: ask GetTransactionAsync later",
            id,
            inner);
    }

    private string IdOf(Google.Protobuf.ByteString replyId, Envelope envelope) =>
        replyId.Length > 0 ? Convert.ToHexStringLower(replyId.Span) : LocalTransactionId(envelope);
}

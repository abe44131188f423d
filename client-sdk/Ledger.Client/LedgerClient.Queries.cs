using System.Runtime.CompilerServices;
using Google.Protobuf;
using Grpc.Core;
using Ledger.Client.Builders;
using Ledger.Core;
using Ledger.Core.Protocol;

namespace Ledger.Client;

public sealed partial class LedgerClient
{
    /// <summary>
    /// A transaction by id (64 hex characters): committed with its receipt and envelope, PENDING in
    /// the mempool, or REFUSED after admission. Null when the node does not know it.
    /// </summary>
    public async Task<TransactionReply?> GetTransactionAsync(string transactionId, CancellationToken cancellationToken = default)
    {
        var id = ParseTransactionId(transactionId);
        var reply = await FindAsync(o => _stub.GetTransactionAsync(new GetTransactionRequest { TransactionId = id }, o), cancellationToken).ConfigureAwait(false);
        return reply is null || reply.Status is TransactionStatus.Unknown or TransactionStatus.Unspecified ? null : reply;
    }

    /// <summary>The committed block at a height with its receipts and certificate, or null above the head.</summary>
    public Task<BlockReply?> GetBlockAsync(ulong height, CancellationToken cancellationToken = default) =>
        FindAsync(o => _stub.GetBlockAsync(new GetBlockRequest { Height = height }, o), cancellationToken);

    /// <summary>
    /// The validators in force at a committed height (D43): the set that block's header hashes and its
    /// certificate is signed by, ordered by id. Null above the head.
    /// </summary>
    public async Task<IReadOnlyList<Validator>?> GetValidatorsAsync(ulong height, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(height);
        var reply = await FindAsync(o => _stub.GetValidatorsAsync(new GetValidatorsRequest { Height = height }, o), cancellationToken).ConfigureAwait(false);
        return reply?.Validators;
    }

    /// <summary>An account's balances, one per batch it holds or held; empty for an unknown account.</summary>
    public async Task<IReadOnlyList<BalanceRecord>> GetBalancesAsync(string account, CancellationToken cancellationToken = default)
    {
        var request = new GetBalancesRequest { Account = Require.Id(account, nameof(account)) };
        var reply = await FindAsync(o => _stub.GetBalancesAsync(request, o), cancellationToken).ConfigureAwait(false);
        return reply?.Balances.ToList() ?? [];
    }

    /// <summary>
    /// A pseudonymous user's custody statement at a scenario company (§16): per scenario day, what the user
    /// earned, withdrew and holds. userId is the company's 32-byte salted hash of the user (§28).
    /// </summary>
    public async Task<CustodyStatement> GetCustodyStatementAsync(string company, ReadOnlyMemory<byte> userId, CancellationToken cancellationToken = default)
    {
        var request = new GetCustodyStatementRequest
        {
            Company = Require.Id(company, nameof(company)),
            UserId = ByteString.CopyFrom(Require.Hash(userId.Span, nameof(userId))),
        };
        return await InvokeAsync(o => _stub.GetCustodyStatementAsync(request, o), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A batch with its supply, or null when it does not exist.</summary>
    public async Task<BatchRecord?> GetBatchAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var request = new GetBatchRequest { BatchId = Require.Id(batchId, nameof(batchId), Limits.BatchIdLengthMax) };
        return (await FindAsync(o => _stub.GetBatchAsync(request, o), cancellationToken).ConfigureAwait(false))?.Batch;
    }

    /// <summary>Batches in id order after <paramref name="after"/> (empty: from the start), at most <paramref name="limit"/> (0: the node's cap).</summary>
    public async Task<IReadOnlyList<BatchRecord>> ListBatchesAsync(string? after = null, uint limit = 0, CancellationToken cancellationToken = default) =>
        (await InvokeAsync(o => _stub.ListBatchesAsync(List(after, limit), o), cancellationToken).ConfigureAwait(false)).Batches.ToList();

    /// <summary>A participant, or null when it is not registered.</summary>
    public async Task<ParticipantRecord?> GetParticipantAsync(string participantId, CancellationToken cancellationToken = default)
    {
        var request = new GetParticipantRequest { ParticipantId = Require.Id(participantId, nameof(participantId)) };
        return (await FindAsync(o => _stub.GetParticipantAsync(request, o), cancellationToken).ConfigureAwait(false))?.Participant;
    }

    /// <summary>Participants in id order after <paramref name="after"/>, at most <paramref name="limit"/> (0: the node's cap).</summary>
    public async Task<IReadOnlyList<ParticipantRecord>> ListParticipantsAsync(string? after = null, uint limit = 0, CancellationToken cancellationToken = default) =>
        (await InvokeAsync(o => _stub.ListParticipantsAsync(List(after, limit), o), cancellationToken).ConfigureAwait(false)).Participants.ToList();

    /// <summary>A project, or null when it does not exist.</summary>
    public async Task<ProjectRecord?> GetProjectAsync(string projectId, CancellationToken cancellationToken = default)
    {
        var request = new GetProjectRequest { ProjectId = Require.Id(projectId, nameof(projectId)) };
        return (await FindAsync(o => _stub.GetProjectAsync(request, o), cancellationToken).ConfigureAwait(false))?.Project;
    }

    /// <summary>Projects in id order after <paramref name="after"/>, at most <paramref name="limit"/> (0: the node's cap).</summary>
    public async Task<IReadOnlyList<ProjectRecord>> ListProjectsAsync(string? after = null, uint limit = 0, CancellationToken cancellationToken = default) =>
        (await InvokeAsync(o => _stub.ListProjectsAsync(List(after, limit), o), cancellationToken).ConfigureAwait(false)).Projects.ToList();

    /// <summary>A methodology, or null when it is not filed.</summary>
    public async Task<MethodologyRecord?> GetMethodologyAsync(string methodologyId, CancellationToken cancellationToken = default)
    {
        var request = new GetMethodologyRequest { MethodologyId = Require.Id(methodologyId, nameof(methodologyId)) };
        return (await FindAsync(o => _stub.GetMethodologyAsync(request, o), cancellationToken).ConfigureAwait(false))?.Methodology;
    }

    /// <summary>Methodologies in id order after <paramref name="after"/>, at most <paramref name="limit"/> (0: the node's cap).</summary>
    public async Task<IReadOnlyList<MethodologyRecord>> ListMethodologiesAsync(string? after = null, uint limit = 0, CancellationToken cancellationToken = default) =>
        (await InvokeAsync(o => _stub.ListMethodologiesAsync(List(after, limit), o), cancellationToken).ConfigureAwait(false)).Methodologies.ToList();

    /// <summary>A cancellation (its id is the request's transaction id in hex), or null when it does not exist.</summary>
    public async Task<CancellationRecord?> GetCancellationAsync(string cancellationId, CancellationToken cancellationToken = default)
    {
        var request = new GetCancellationRequest { CancellationId = Require.Id(cancellationId, nameof(cancellationId)) };
        return (await FindAsync(o => _stub.GetCancellationAsync(request, o), cancellationToken).ConfigureAwait(false))?.Cancellation;
    }

    /// <summary>What a participant owes from corrections (§11); zeros when nothing was ever assigned.</summary>
    public async Task<ShortfallRecord> GetShortfallAsync(string participantId, CancellationToken cancellationToken = default)
    {
        var request = new GetShortfallRequest { ParticipantId = Require.Id(participantId, nameof(participantId)) };
        return (await InvokeAsync(o => _stub.GetShortfallAsync(request, o), cancellationToken).ConfigureAwait(false)).Shortfall;
    }

    /// <summary>The corrections of a batch (§11) with their totals, or null when the batch does not exist.</summary>
    public async Task<GetCorrectionsReply?> GetCorrectionsAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var request = new GetCorrectionsRequest { BatchId = Require.Id(batchId, nameof(batchId), Limits.BatchIdLengthMax) };
        return await FindAsync(o => _stub.GetCorrectionsAsync(request, o), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Cancellations of every status in id order after <paramref name="after"/>, at most <paramref name="limit"/> (0: the node's cap).</summary>
    public async Task<IReadOnlyList<CancellationRecord>> ListCancellationsAsync(string? after = null, uint limit = 0, CancellationToken cancellationToken = default) =>
        (await InvokeAsync(o => _stub.ListCancellationsAsync(List(after, limit), o), cancellationToken).ConfigureAwait(false)).Cancellations.ToList();

    /// <summary>An auction (its id is the OpenAuction's transaction id in hex) with its bids in order, or null when it does not exist.</summary>
    public async Task<GetAuctionReply?> GetAuctionAsync(string auctionId, CancellationToken cancellationToken = default)
    {
        var request = new GetAuctionRequest { AuctionId = Require.Id(auctionId, nameof(auctionId)) };
        return await FindAsync(o => _stub.GetAuctionAsync(request, o), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Auctions of every status in id order after <paramref name="after"/>, at most <paramref name="limit"/> (0: the node's cap).</summary>
    public async Task<IReadOnlyList<AuctionRecord>> ListAuctionsAsync(string? after = null, uint limit = 0, CancellationToken cancellationToken = default) =>
        (await InvokeAsync(o => _stub.ListAuctionsAsync(List(after, limit), o), cancellationToken).ConfigureAwait(false)).Auctions.ToList();

    /// <summary>A points-mall offer, or null when it does not exist.</summary>
    public async Task<MallOfferRecord?> GetMallOfferAsync(string offerId, CancellationToken cancellationToken = default)
    {
        var request = new GetMallOfferRequest { OfferId = Require.Id(offerId, nameof(offerId)) };
        return (await FindAsync(o => _stub.GetMallOfferAsync(request, o), cancellationToken).ConfigureAwait(false))?.Offer;
    }

    /// <summary>Mall offers of every status in id order after <paramref name="after"/>, at most <paramref name="limit"/> (0: the node's cap).</summary>
    public async Task<IReadOnlyList<MallOfferRecord>> ListMallOffersAsync(string? after = null, uint limit = 0, CancellationToken cancellationToken = default) =>
        (await InvokeAsync(o => _stub.ListMallOffersAsync(List(after, limit), o), cancellationToken).ConfigureAwait(false)).Offers.ToList();

    /// <summary>A redemption receipt (its id is the Redeem's transaction id in hex), or null when it does not exist.</summary>
    public async Task<RedemptionRecord?> GetRedemptionAsync(string redemptionId, CancellationToken cancellationToken = default)
    {
        var request = new GetRedemptionRequest { RedemptionId = Require.Id(redemptionId, nameof(redemptionId)) };
        return (await FindAsync(o => _stub.GetRedemptionAsync(request, o), cancellationToken).ConfigureAwait(false))?.Redemption;
    }

    /// <summary>Trade disclosures (negotiated transfers and settled auctions, with prices) in id order after <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<TradeRecord>> ListTradesAsync(string? after = null, uint limit = 0, CancellationToken cancellationToken = default) =>
        (await InvokeAsync(o => _stub.ListTradesAsync(List(after, limit), o), cancellationToken).ConfigureAwait(false)).Trades.ToList();

    /// <summary>
    /// Committed blocks with their receipts from <paramref name="fromHeight"/> on, in height order,
    /// then each new block as it commits. Runs until cancelled (then throws
    /// <see cref="OperationCanceledException"/>), or until the node ends the stream.
    /// </summary>
    public async IAsyncEnumerable<BlockReply> StreamBlocksAsync(ulong fromHeight, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var call = _stub.StreamBlocks(new StreamBlocksRequest { FromHeight = fromHeight }, cancellationToken: cancellationToken);
        while (await MoveNextAsync(call.ResponseStream, cancellationToken).ConfigureAwait(false))
        {
            yield return call.ResponseStream.Current;
        }
    }

    private static async Task<bool> MoveNextAsync(IAsyncStreamReader<BlockReply> stream, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.MoveNext(cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException exception)
        {
            throw Translate(exception, cancellationToken);
        }
    }

    private static ListRequest List(string? after, uint limit) => new()
    {
        After = string.IsNullOrEmpty(after) ? string.Empty : Require.Id(after, nameof(after), Limits.BatchIdLengthMax),
        Limit = limit,
    };

    private static ByteString ParseTransactionId(string transactionId)
    {
        ArgumentNullException.ThrowIfNull(transactionId);
        if (transactionId.Length != 64 || !transactionId.All(Uri.IsHexDigit))
        {
            throw new ArgumentException("transactionId must be 64 hex characters (a 32-byte transaction id)", nameof(transactionId));
        }

        return ByteString.CopyFrom(Convert.FromHexString(transactionId));
    }
}

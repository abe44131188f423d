using System.Buffers.Binary;
using System.Text;

namespace Ledger.Core.State;

/// <summary>
/// The key of every state table: one table byte, then the record's identity. Ids are ASCII
/// without 0x00 (see Limits.IsValidId), so 0x00 separates the parts of a compound key.
/// docs/PROTOCOL.md lists the same tables.
/// </summary>
public static class StateKeys
{
    public const byte MetaTable = 0x00;
    public const byte ParticipantTable = 0x01;
    public const byte MethodologyTable = 0x02;
    public const byte ProjectTable = 0x03;
    public const byte BatchTable = 0x04;
    public const byte BalanceTable = 0x05;
    public const byte CancellationTable = 0x06;
    public const byte ReportHashTable = 0x07;
    public const byte NonceTable = 0x08;
    public const byte CalendarTable = 0x09;
    public const byte ActivityTable = 0x0A;
    public const byte MethodologyExceptionTable = 0x0B;
    public const byte ObjectionTable = 0x0C;
    public const byte EvaluationTable = 0x0D;
    public const byte ExclusionTable = 0x0E;
    public const byte PendingExclusionTable = 0x0F;
    public const byte ShortfallTable = 0x18;
    public const byte BatchCorrectionsTable = 0x19;
    public const byte CorrectionTable = 0x1A;
    public const byte TradeTable = 0x20;
    public const byte AuctionTable = 0x21;
    public const byte BidTable = 0x22;
    public const byte MallOfferTable = 0x23;
    public const byte RedemptionTable = 0x24;

    // Scenario issuance and custody (issue 6 part B): 0x10-0x17.
    public const byte ScenarioDayTable = 0x10;
    public const byte BehaviourChunkTable = 0x11;
    public const byte DedupTable = 0x12;
    public const byte CustodyTable = 0x13;

    /// <summary>Where the current state root is kept. It is not part of the write-set digest.</summary>
    public static readonly byte[] StateRoot = Compose(MetaTable, "state_root");

    /// <summary>The validator sets in force from each height on.</summary>
    public static readonly byte[] ValidatorSchedule = Compose(MetaTable, "validators");

    /// <summary>The table's name, as docs/PROTOCOL.md §5.1 lists it, for messages about a key.</summary>
    public static string TableName(byte table) => table switch
    {
        MetaTable => "meta",
        ParticipantTable => "participant",
        MethodologyTable => "methodology",
        ProjectTable => "project",
        BatchTable => "batch",
        BalanceTable => "balance",
        CancellationTable => "cancellation",
        ReportHashTable => "report hash",
        NonceTable => "nonce",
        CalendarTable => "calendar",
        ActivityTable => "preference index",
        MethodologyExceptionTable => "methodology exception",
        ObjectionTable => "objection",
        EvaluationTable => "evaluation",
        ExclusionTable => "exclusion",
        PendingExclusionTable => "pending exclusion",
        ScenarioDayTable => "scenario day",
        BehaviourChunkTable => "behaviour chunk",
        DedupTable => "dedup key",
        CustodyTable => "custody",
        ShortfallTable => "shortfall",
        BatchCorrectionsTable => "batch corrections",
        CorrectionTable => "correction",
        TradeTable => "trade",
        AuctionTable => "auction",
        BidTable => "bid",
        MallOfferTable => "mall offer",
        RedemptionTable => "redemption",
        _ => $"table 0x{table:x2}",
    };

    public static byte[] Participant(string participantId) => Compose(ParticipantTable, participantId);

    public static byte[] Methodology(string methodologyId) => Compose(MethodologyTable, methodologyId);

    public static byte[] Project(string projectId) => Compose(ProjectTable, projectId);

    public static byte[] Batch(string batchId) => Compose(BatchTable, batchId);

    public static byte[] Balance(string account, string batchId) => Compose(BalanceTable, account, batchId);

    public static byte[] Cancellation(string cancellationId) => Compose(CancellationTable, cancellationId);

    public static byte[] Shortfall(string participantId) => Compose(ShortfallTable, participantId);

    public static byte[] BatchCorrections(string batchId) => Compose(BatchCorrectionsTable, batchId);

    /// <summary>Keyed by the correction's transaction id in lowercase hex.</summary>
    public static byte[] Correction(string correctionId) => Compose(CorrectionTable, correctionId);

    /// <summary>Keyed by the Transfer's or SettleAuction's transaction id in lowercase hex.</summary>
    public static byte[] Trade(string tradeId) => Compose(TradeTable, tradeId);

    /// <summary>Keyed by the OpenAuction's transaction id in lowercase hex.</summary>
    public static byte[] Auction(string auctionId) => Compose(AuctionTable, auctionId);

    /// <summary>The bids of one auction in the order they were accepted: auction id, 0x00, big-endian u32 sequence.</summary>
    public static byte[] Bid(string auctionId, uint sequence)
    {
        var prefix = BidPrefix(auctionId);
        var key = new byte[prefix.Length + sizeof(uint)];
        prefix.CopyTo(key, 0);
        BinaryPrimitives.WriteUInt32BigEndian(key.AsSpan(prefix.Length), sequence);
        return key;
    }

    /// <summary>The prefix every bid key of one auction starts with.</summary>
    public static byte[] BidPrefix(string auctionId) => [.. Compose(BidTable, auctionId), 0x00];

    public static byte[] MallOffer(string offerId) => Compose(MallOfferTable, offerId);

    /// <summary>Keyed by the Redeem's transaction id in lowercase hex.</summary>
    public static byte[] Redemption(string redemptionId) => Compose(RedemptionTable, redemptionId);

    public static byte[] ReportHash(ReadOnlySpan<byte> reportHash)
    {
        var key = new byte[1 + reportHash.Length];
        key[0] = ReportHashTable;
        reportHash.CopyTo(key.AsSpan(1));
        return key;
    }

    /// <summary>A year's calendar: the year in four decimal digits.</summary>
    public static byte[] Calendar(int year) => Compose(CalendarTable, year.ToString("D4", System.Globalization.CultureInfo.InvariantCulture));

    public static byte[] Activity(string activityType) => Compose(ActivityTable, activityType);

    public static byte[] MethodologyException(string subjectId) => Compose(MethodologyExceptionTable, subjectId);

    public static byte[] Objection(string subjectId, uint number) => Numbered(ObjectionTable, subjectId, number);

    public static byte[] Evaluation(string subjectId, uint number) => Numbered(EvaluationTable, subjectId, number);

    public static byte[] Exclusion(string registry, string externalId) => Compose(ExclusionTable, registry, externalId);

    public static byte[] PendingExclusions(string projectId) => Compose(PendingExclusionTable, projectId);
    /// <summary>0x10 ‖ scenario ‖ 0x00 ‖ u32(day).</summary>
    public static byte[] ScenarioDay(string scenarioId, uint day) => WithU32(Compose(ScenarioDayTable, scenarioId), day);

    /// <summary>0x11 ‖ scenario ‖ 0x00 ‖ u32(day) ‖ u32(chunk index).</summary>
    public static byte[] BehaviourChunk(string scenarioId, uint day, uint chunkIndex)
    {
        var key = WithU32(Compose(BehaviourChunkTable, scenarioId), day);
        Array.Resize(ref key, key.Length + sizeof(uint));
        BinaryPrimitives.WriteUInt32BigEndian(key.AsSpan(key.Length - sizeof(uint)), chunkIndex);
        return key;
    }

    /// <summary>0x12 ‖ dedup key (32 bytes).</summary>
    public static byte[] Dedup(ReadOnlySpan<byte> dedupKey)
    {
        var key = new byte[1 + dedupKey.Length];
        WriteDedup(dedupKey, key);
        return key;
    }

    /// <summary>Writes <see cref="Dedup"/>'s key into destination, which is 1 + dedupKey.Length bytes.</summary>
    public static void WriteDedup(ReadOnlySpan<byte> dedupKey, Span<byte> destination)
    {
        Invariant.Require(destination.Length == 1 + dedupKey.Length, "a dedup key is its table byte and the key");
        destination[0] = DedupTable;
        dedupKey.CopyTo(destination[1..]);
    }

    /// <summary>0x13 ‖ company ‖ 0x00 ‖ user id (32 bytes) ‖ batch id: a user's custody records sort together.</summary>
    public static byte[] Custody(string company, ReadOnlySpan<byte> userId, string batchId)
    {
        // CustodyUser(company, userId) ‖ batch id, built in one array.
        var companyLength = Encoding.UTF8.GetByteCount(company);
        var prefixLength = 1 + companyLength + 1 + userId.Length;
        var key = new byte[prefixLength + Encoding.UTF8.GetByteCount(batchId)];
        key[0] = CustodyTable;
        Encoding.UTF8.GetBytes(company, key.AsSpan(1));
        userId.CopyTo(key.AsSpan(2 + companyLength));
        Encoding.UTF8.GetBytes(batchId, key.AsSpan(prefixLength));
        return key;
    }

    /// <summary>The prefix of every custody record of one user at one company: a statement is a prefix scan.</summary>
    public static byte[] CustodyUser(string company, ReadOnlySpan<byte> userId)
    {
        var prefix = Compose(CustodyTable, company);
        var key = new byte[prefix.Length + 1 + userId.Length];
        prefix.CopyTo(key, 0);
        userId.CopyTo(key.AsSpan(prefix.Length + 1));
        return key;
    }

    public static byte[] Nonce(string signer, ulong nonce)
    {
        var signerLength = Encoding.UTF8.GetByteCount(signer);
        var key = new byte[1 + signerLength + 1 + sizeof(ulong)];
        key[0] = NonceTable;
        Encoding.UTF8.GetBytes(signer, key.AsSpan(1));
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(2 + signerLength), nonce);
        return key;
    }

    private static byte[] WithU32(byte[] prefix, uint value)
    {
        var key = new byte[prefix.Length + 1 + sizeof(uint)];
        prefix.CopyTo(key, 0);
        BinaryPrimitives.WriteUInt32BigEndian(key.AsSpan(prefix.Length + 1), value);
        return key;
    }

    /// <summary>table ‖ id ‖ 00 ‖ u32(number): a subject's numbered records, in number order.</summary>
    private static byte[] Numbered(byte table, string id, uint number)
    {
        var prefix = Compose(table, id);
        var key = new byte[prefix.Length + 1 + sizeof(uint)];
        prefix.CopyTo(key, 0);
        BinaryPrimitives.WriteUInt32BigEndian(key.AsSpan(prefix.Length + 1), number);
        return key;
    }

    private static byte[] Compose(byte table, string id)
    {
        var key = new byte[1 + Encoding.UTF8.GetByteCount(id)];
        key[0] = table;
        Encoding.UTF8.GetBytes(id, key.AsSpan(1));
        return key;
    }

    /// <summary>table ‖ first ‖ 0x00 ‖ second.</summary>
    private static byte[] Compose(byte table, string first, string second)
    {
        var firstLength = Encoding.UTF8.GetByteCount(first);
        var key = new byte[1 + firstLength + 1 + Encoding.UTF8.GetByteCount(second)];
        key[0] = table;
        Encoding.UTF8.GetBytes(first, key.AsSpan(1));
        key[1 + firstLength] = 0x00;
        Encoding.UTF8.GetBytes(second, key.AsSpan(2 + firstLength));
        return key;
    }
}

using Google.Protobuf;
using Ledger.Core.Protocol;

namespace Ledger.Core.State;

/// <summary>Typed access to the state tables over an overlay. Records are stored as protobuf bytes.</summary>
public sealed class LedgerState
{
    private readonly StateOverlay _overlay;

    public LedgerState(StateOverlay overlay)
    {
        _overlay = overlay;
    }

    public WriteSet Changes => _overlay.Changes;

    public ParticipantRecord? GetParticipant(string id) => Read(StateKeys.Participant(id), ParticipantRecord.Parser);

    /// <summary>The participant's record as stored (its encoding), or null: for <see cref="Execution.ParticipantRecordCache"/> (D54).</summary>
    internal byte[]? GetParticipantEncoding(string id) => _overlay.Get(StateKeys.Participant(id));

    public void PutParticipant(ParticipantRecord record) => Write(StateKeys.Participant(record.ParticipantId), record);

    public MethodologyRecord? GetMethodology(string id) => Read(StateKeys.Methodology(id), MethodologyRecord.Parser);

    public void PutMethodology(MethodologyRecord record) => Write(StateKeys.Methodology(record.MethodologyId), record);

    public ProjectRecord? GetProject(string id) => Read(StateKeys.Project(id), ProjectRecord.Parser);

    public void PutProject(ProjectRecord record) => Write(StateKeys.Project(record.ProjectId), record);

    public BatchRecord? GetBatch(string id) => Read(StateKeys.Batch(id), BatchRecord.Parser);

    public void PutBatch(BatchRecord record) => Write(StateKeys.Batch(record.BatchId), record);

    /// <summary>The balance of account in batch; an empty record when it holds nothing there.</summary>
    public BalanceRecord GetBalance(string account, string batchId) =>
        Read(StateKeys.Balance(account, batchId), BalanceRecord.Parser)
        ?? new BalanceRecord { Account = account, BatchId = batchId };

    public void PutBalance(BalanceRecord record) => Write(StateKeys.Balance(record.Account, record.BatchId), record);

    public CancellationRecord? GetCancellation(string id) => Read(StateKeys.Cancellation(id), CancellationRecord.Parser);

    public void PutCancellation(CancellationRecord record) => Write(StateKeys.Cancellation(record.CancellationId), record);

    public ReportUse? GetReportUse(ReadOnlySpan<byte> reportHash) => Read(StateKeys.ReportHash(reportHash), ReportUse.Parser);

    public void PutReportUse(ReadOnlySpan<byte> reportHash, ReportUse use) => Write(StateKeys.ReportHash(reportHash), use);

    public ShortfallRecord? GetShortfall(string participantId) => Read(StateKeys.Shortfall(participantId), ShortfallRecord.Parser);

    public void PutShortfall(ShortfallRecord record) => Write(StateKeys.Shortfall(record.ParticipantId), record);

    public BatchCorrections? GetBatchCorrections(string batchId) => Read(StateKeys.BatchCorrections(batchId), BatchCorrections.Parser);

    public void PutBatchCorrections(BatchCorrections record) => Write(StateKeys.BatchCorrections(record.BatchId), record);

    public CorrectionRecord? GetCorrection(string correctionId) => Read(StateKeys.Correction(correctionId), CorrectionRecord.Parser);

    public void PutCorrection(CorrectionRecord record) => Write(StateKeys.Correction(record.CorrectionId), record);

    public TradeRecord? GetTrade(string tradeId) => Read(StateKeys.Trade(tradeId), TradeRecord.Parser);

    public void PutTrade(TradeRecord record) => Write(StateKeys.Trade(record.TradeId), record);

    public AuctionRecord? GetAuction(string auctionId) => Read(StateKeys.Auction(auctionId), AuctionRecord.Parser);

    public void PutAuction(AuctionRecord record) => Write(StateKeys.Auction(record.AuctionId), record);

    public BidRecord? GetBid(string auctionId, uint sequence) => Read(StateKeys.Bid(auctionId, sequence), BidRecord.Parser);

    public void PutBid(BidRecord record) => Write(StateKeys.Bid(record.AuctionId, record.Sequence), record);

    public MallOfferRecord? GetMallOffer(string offerId) => Read(StateKeys.MallOffer(offerId), MallOfferRecord.Parser);

    public void PutMallOffer(MallOfferRecord record) => Write(StateKeys.MallOffer(record.OfferId), record);

    public RedemptionRecord? GetRedemption(string redemptionId) => Read(StateKeys.Redemption(redemptionId), RedemptionRecord.Parser);

    public void PutRedemption(RedemptionRecord record) => Write(StateKeys.Redemption(record.RedemptionId), record);
    public ScenarioDayRecord? GetScenarioDay(string scenarioId, uint day) => Read(StateKeys.ScenarioDay(scenarioId, day), ScenarioDayRecord.Parser);

    public void PutScenarioDay(ScenarioDayRecord record) => Write(StateKeys.ScenarioDay(record.ScenarioId, record.Day), record);

    public BehaviourChunkRecord? GetBehaviourChunk(string scenarioId, uint day, uint chunkIndex) =>
        Read(StateKeys.BehaviourChunk(scenarioId, day, chunkIndex), BehaviourChunkRecord.Parser);

    public void PutBehaviourChunk(string scenarioId, uint day, uint chunkIndex, BehaviourChunkRecord record) =>
        Write(StateKeys.BehaviourChunk(scenarioId, day, chunkIndex), record);

    public DedupUse? GetDedupUse(ReadOnlySpan<byte> dedupKey)
    {
        // Read once per behaviour record: the key is built on the stack (dedup keys are 32 bytes).
        if (dedupKey.Length > DedupKeyOnStackBytesMax)
        {
            return Read(StateKeys.Dedup(dedupKey), DedupUse.Parser);
        }

        Span<byte> key = stackalloc byte[1 + dedupKey.Length];
        StateKeys.WriteDedup(dedupKey, key);
        return Read(key, DedupUse.Parser);
    }

    public void PutDedupUse(ReadOnlySpan<byte> dedupKey, DedupUse use) => Write(StateKeys.Dedup(dedupKey), use);

    /// <summary>The same use under each key; encoded once, since a chunk writes one use for each of its records.</summary>
    public void PutDedupUses(IEnumerable<ByteString> dedupKeys, DedupUse use)
    {
        var encoded = Encode(use);
        foreach (var dedupKey in dedupKeys)
        {
            _overlay.Put(StateKeys.Dedup(dedupKey.Span), encoded);
        }
    }

    public CustodyRecord? GetCustody(string company, ReadOnlySpan<byte> userId, string batchId) =>
        Read(StateKeys.Custody(company, userId, batchId), CustodyRecord.Parser);

    public void PutCustody(CustodyRecord record) => Write(StateKeys.Custody(record.Company, record.UserId.Span, record.BatchId), record);

    public ValidatorSchedule? GetValidatorSchedule() => Read(StateKeys.ValidatorSchedule, ValidatorSchedule.Parser);

    public void PutValidatorSchedule(ValidatorSchedule schedule) => Write(StateKeys.ValidatorSchedule, schedule);

    public NonceUse? GetNonceUse(string signer, ulong nonce) => Read(StateKeys.Nonce(signer, nonce), NonceUse.Parser);

    public void PutNonceUse(string signer, ulong nonce, NonceUse use) => Write(StateKeys.Nonce(signer, nonce), use);

    public CalendarRecord? GetCalendar(int year) => Read(StateKeys.Calendar(year), CalendarRecord.Parser);

    public void PutCalendar(CalendarRecord record) => Write(StateKeys.Calendar((int)record.Year), record);

    /// <summary>The active methodologies covering an activity type; an empty record when none.</summary>
    public ActivityMethodologies GetActivity(string activityType) =>
        Read(StateKeys.Activity(activityType), ActivityMethodologies.Parser) ?? new ActivityMethodologies();

    public void PutActivity(string activityType, ActivityMethodologies record) => Write(StateKeys.Activity(activityType), record);

    public MethodologyException? GetMethodologyException(string subjectId) =>
        Read(StateKeys.MethodologyException(subjectId), MethodologyException.Parser);

    public void PutMethodologyException(MethodologyException record) => Write(StateKeys.MethodologyException(record.SubjectId), record);

    public ObjectionRecord? GetObjection(string subjectId, uint number) => Read(StateKeys.Objection(subjectId, number), ObjectionRecord.Parser);

    public void PutObjection(ObjectionRecord record) => Write(StateKeys.Objection(record.SubjectId, record.Number), record);

    public EvaluationRecord? GetEvaluation(string subjectId, uint number) => Read(StateKeys.Evaluation(subjectId, number), EvaluationRecord.Parser);

    public void PutEvaluation(EvaluationRecord record) => Write(StateKeys.Evaluation(record.SubjectId, record.Number), record);

    public ExclusionRecord? GetExclusion(string registry, string externalId) => Read(StateKeys.Exclusion(registry, externalId), ExclusionRecord.Parser);

    public void PutExclusion(ExclusionRecord record) => Write(StateKeys.Exclusion(record.Registry, record.ExternalId), record);

    public PendingExclusions? GetPendingExclusions(string projectId) => Read(StateKeys.PendingExclusions(projectId), PendingExclusions.Parser);

    public void PutPendingExclusions(string projectId, PendingExclusions record) => Write(StateKeys.PendingExclusions(projectId), record);

    public void DeletePendingExclusions(string projectId) => _overlay.Delete(StateKeys.PendingExclusions(projectId));

    private const int DedupKeyOnStackBytesMax = 64;

    private T? Read<T>(ReadOnlySpan<byte> key, MessageParser<T> parser)
        where T : class, IMessage<T>
    {
        var bytes = _overlay.Get(key);
        // Parsed from a span: the same message as from the array, without a CodedInputStream each time (D45).
        return bytes is null ? null : parser.ParseFrom(new ReadOnlySpan<byte>(bytes));
    }

    private void Write(byte[] key, IMessage record) => _overlay.Put(key, Encode(record));

    /// <summary>The message's encoding (as ToByteArray), written through a span: no CodedOutputStream each time (D45).</summary>
    public static byte[] Encode(IMessage message)
    {
        var bytes = new byte[message.CalculateSize()];
        message.WriteTo(bytes.AsSpan());
        return bytes;
    }
}

using Google.Protobuf;
using Ledger.Core;
using Ledger.Core.Calendar;
using Ledger.Core.Cancellation;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Node.Chain;
using Ledger.Storage;

namespace Ledger.Node.Portal;

/// <summary>
/// One portal request's reads: a snapshot of the committed state, the head it belongs to, and the
/// public views (PublicViews) of its records. Never writes, never waits on consensus.
/// </summary>
public sealed class PortalReader : IDisposable
{
    private readonly NodeChain _chain;
    private readonly ChainSnapshot _snapshot;
    private readonly LedgerState _view;
    private readonly Dictionary<string, string> _parties = [];

    public PortalReader(NodeChain chain)
    {
        _chain = chain;
        _snapshot = chain.Store.OpenSnapshot();
        _view = new LedgerState(new StateOverlay(_snapshot));
        Head = _snapshot.Head ?? ChainHead.Genesis(chain.Genesis);
    }

    public ChainHead Head { get; }

    public void Dispose() => _snapshot.Dispose();

    public StatusView Status(string nodeId)
    {
        var stateRoot = Head.Height == 0 ? _snapshot.Get(StateKeys.StateRoot) ?? [] : _snapshot.GetBlock(Head.Height)!.Header.StateRoot.ToByteArray();
        var validators = ValidatorSchedules.At(_snapshot, Head.Height + 1).Validators.Select(v => new ValidatorView(v.ValidatorId, v.Power)).ToList();
        return new StatusView(_chain.Genesis.ChainId, nodeId, Head.Height, PublicViews.Utc(Head.TimeMs), Head.TimeMs, Convert.ToHexStringLower(Head.HeaderHash), Convert.ToHexStringLower(stateRoot), validators);
    }

    public PageView<MethodologyView> Methodologies(string after, int rows) =>
        Page(StateKeys.MethodologyTable, after, rows, MethodologyRecord.Parser, m => PublicViews.Of(m));

    public PageView<ExpertView> Experts(string after, int rows) =>
        Page(StateKeys.ParticipantTable, after, rows, ParticipantRecord.Parser, p => p.Roles.Contains(Role.Expert) ? PublicViews.Expert(p) : null);

    public PageView<SubjectView> Subjects(SubjectKind kind, string after, int rows) =>
        Page(StateKeys.ProjectTable, after, rows, ProjectRecord.Parser, p => p.Kind == kind ? Subject(p) : null);

    public PageView<BatchView> Batches(string after, int rows) =>
        Page(StateKeys.BatchTable, after, rows, BatchRecord.Parser, b => PublicViews.Of(b));

    public PageView<CancellationView> Cancellations(string after, int rows) =>
        Page(StateKeys.CancellationTable, after, rows, CancellationRecord.Parser, c => PublicViews.Of(c, Party));

    public SubjectView? Subject(string id) => Limits.IsValidId(id) && _view.GetProject(id) is { } p ? Subject(p) : null;

    public BatchView? Batch(string id) => Limits.IsValidId(id, Limits.BatchIdLengthMax) && _view.GetBatch(id) is { } b ? PublicViews.Of(b) : null;

    public CancellationView? Cancellation(string id) => Limits.IsValidId(id) && _view.GetCancellation(id) is { } c ? PublicViews.Of(c, Party) : null;

    /// <summary>The committed transaction with this id (64 hex digits), shown without its body's fields.</summary>
    public TransactionView? Transaction(string hex)
    {
        if (!IsHexId(hex) || _snapshot.FindTransaction(Convert.FromHexString(hex)) is not { } location)
        {
            return null;
        }

        var block = _snapshot.GetBlock(location.Height)!;
        var envelope = block.Transactions[location.Index];
        var receipt = _snapshot.GetReceipts(location.Height)![location.Index];
        var kind = TransactionBody.Parser.ParseFrom(envelope.Body).KindCase.ToString();
        var committed = receipt.Code == RejectionCode.Unspecified;
        return new TransactionView(hex.ToLowerInvariant(), location.Height, location.Index, kind, Party(envelope.Signer), committed, committed ? "" : ProtoNames.Of(receipt.Code), PublicViews.Utc(block.Header.TimeMs));
    }

    /// <summary>
    /// The certificate of an approved cancellation, assembled as `ledger cert get` assembles it, from this
    /// node's committed blocks; null when there is none to give. A custody cancellation's certificate carries
    /// the user's pseudonymous id, and a holder that may be a person is not named, so the portal serves neither (§28).
    /// </summary>
    public CancellationCertificate? Certificate(string id)
    {
        if (!Limits.IsValidId(id) || _view.GetCancellation(id) is not { } record || !PublicViews.IsCertificatePublic(record, Party(record.Holder))
            || !IsHexId(id) || _snapshot.FindTransaction(Convert.FromHexString(id)) is not { } request)
        {
            return null;
        }

        var requestBlock = Committed(request.Height);
        var approvalBlock = Committed(record.DecidedHeight);
        var approvalIndex = ApprovalIndex(approvalBlock, id);
        return approvalIndex < 0 ? null : CancellationCertificates.Build(_chain.Genesis.HashAlgorithm, record, requestBlock, request.Index, approvalBlock, approvalIndex);
    }

    /// <summary>Totals for the home page over at most rowsMax records of each table.</summary>
    public TotalsView Totals(int rowsMax)
    {
        ulong projects = 0, scenarios = 0, issued = 0, retired = 0, users = 0;
        var truncated = false;
        foreach (var p in Rows(StateKeys.ProjectTable, rowsMax, ProjectRecord.Parser, ref truncated))
        {
            if (p.Kind == SubjectKind.Scenario)
            {
                scenarios++;
            }
            else
            {
                projects++;
            }
        }

        foreach (var b in Rows(StateKeys.BatchTable, rowsMax, BatchRecord.Parser, ref truncated))
        {
            issued += b.IssuedGrams;
            retired += b.RetiredGrams;
        }

        foreach (var d in Rows(StateKeys.ScenarioDayTable, rowsMax, ScenarioDayRecord.Parser, ref truncated))
        {
            users += d.Users;
        }

        return new TotalsView(projects, scenarios, issued, retired, users, truncated);
    }

    /// <summary>Subjects in public notice now, at most rowsMax of them, from at most scanMax records.</summary>
    public IReadOnlyList<SubjectView> InNotice(int rowsMax, int scanMax)
    {
        var truncated = false;
        return Rows(StateKeys.ProjectTable, scanMax, ProjectRecord.Parser, ref truncated)
            .Where(p => p.Status == ProjectStatus.PublicNotice).Take(rowsMax).Select(Subject).ToList();
    }

    /// <summary>Trading statistics (§20, §27) as aggregates only: never a seller, buyer, bidder or redeemer (§28).</summary>
    public TradingView Trading(int rowsMax)
    {
        var truncated = false;
        var trades = Rows(StateKeys.TradeTable, rowsMax, TradeRecord.Parser, ref truncated).ToList();
        var prices = trades.Where(t => t.AmountGrams > 0).GroupBy(t => t.Currency, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var perTonne = g.Select(t => PerTonne(t.PriceMinorUnits, t.AmountGrams)).ToList();
            var grams = g.Aggregate(0UL, (sum, t) => sum + t.AmountGrams);
            var value = g.Aggregate(0UL, (sum, t) => sum + t.PriceMinorUnits);
            return new PriceStatistics(g.Key, (ulong)g.Count(), grams, value, PerTonne(value, grams), perTonne.Min(), perTonne.Max());
        }).ToList();
        var auctions = Rows(StateKeys.AuctionTable, rowsMax, AuctionRecord.Parser, ref truncated).ToList();
        var redemptions = Rows(StateKeys.RedemptionTable, rowsMax, RedemptionRecord.Parser, ref truncated).ToList();
        return new TradingView(
            (ulong)trades.Count,
            (ulong)trades.Count(t => t.Kind == TradeKind.Negotiated),
            (ulong)trades.Count(t => t.Kind == TradeKind.Auction),
            trades.Aggregate(0UL, (sum, t) => sum + t.AmountGrams),
            prices,
            (ulong)auctions.Count,
            (ulong)auctions.Count(a => a.Status == AuctionStatus.Settled),
            (ulong)redemptions.Count,
            redemptions.Aggregate(0UL, (sum, r) => sum + r.AmountGrams),
            truncated);
    }

    public static bool IsHexId(string text) => text.Length == 64 && text.All(Uri.IsHexDigit);

    private static ulong PerTonne(ulong minorUnits, ulong grams) =>
        grams == 0 ? 0 : (ulong)UInt128.Min(ulong.MaxValue, (UInt128)minorUnits * 1_000_000 / grams);

    private SubjectView Subject(ProjectRecord p)
    {
        NoticeView? notice = null;
        if (p.NoticeStartedHeight > 0)
        {
            var calendars = new StateCalendars(_view);
            var rules = _chain.Machine.Parameters.Rules;
            var start = Core.Projects.Lifecycle.NoticeStartDay(p);
            var last = Core.Projects.Lifecycle.NoticeLastDay(p, rules, calendars);
            notice = PublicViews.Notice(start, last, rules.NoticeWorkingDays, WorkingDays.ChinaDay(Head.TimeMs), calendars);
        }

        var answered = (uint)Enumerable.Range(1, (int)Math.Min(p.ObjectionsFiled, 1_000)).Count(n => _view.GetObjection(p.ProjectId, (uint)n)?.Answered == true);
        return PublicViews.Of(p, notice, answered);
    }

    private string Party(string participantId)
    {
        if (!_parties.TryGetValue(participantId, out var shown))
        {
            shown = PublicViews.PublicParty(Limits.IsValidId(participantId) ? _view.GetParticipant(participantId) : null, participantId);
            _parties[participantId] = shown;
        }

        return shown;
    }

    /// <summary>
    /// Rows of a table after the cursor, keeping those select maps to a view, until rows are kept or
    /// PortalLimits.PageScanRowsMax records are read; the next cursor is the last id read.
    /// </summary>
    private PageView<TView> Page<T, TView>(byte table, string after, int rows, MessageParser<T> parser, Func<T, TView?> select)
        where T : IMessage<T>
        where TView : class
    {
        var kept = new List<TView>(rows);
        byte[]? cursor = after.Length == 0 ? null : [table, .. System.Text.Encoding.UTF8.GetBytes(after)];
        var scanned = 0;
        var more = false;
        foreach (var entry in _snapshot.Scan([table], cursor, PortalLimits.PageScanRowsMax + 1))
        {
            if (kept.Count == rows || scanned == PortalLimits.PageScanRowsMax)
            {
                more = true;
                break;
            }

            scanned++;
            cursor = entry.Key;
            if (select(parser.ParseFrom(entry.Value)) is { } view)
            {
                kept.Add(view);
            }
        }

        var next = more && cursor is not null ? System.Text.Encoding.UTF8.GetString(cursor, 1, cursor.Length - 1) : null;
        return new PageView<TView>(kept, next, rows, Head.Height);
    }

    private IEnumerable<T> Rows<T>(byte table, int rowsMax, MessageParser<T> parser, ref bool truncated)
        where T : IMessage<T>
    {
        var entries = _snapshot.Scan([table], null, rowsMax + 1).ToList();
        truncated |= entries.Count > rowsMax;
        return entries.Take(rowsMax).Select(e => parser.ParseFrom(e.Value)).ToList();
    }

    private CancellationCertificates.CommittedBlock Committed(ulong height) =>
        new(_snapshot.GetBlock(height)!, _snapshot.GetReceipts(height)!, _snapshot.GetCertificate(height)!, ValidatorSchedules.At(_snapshot, height).Validators);

    private static int ApprovalIndex(CancellationCertificates.CommittedBlock block, string cancellationId)
    {
        for (var index = 0; index < block.Block.Transactions.Count; index++)
        {
            var body = TransactionBody.Parser.ParseFrom(block.Block.Transactions[index].Body);
            if (body.ApproveCancellation?.CancellationId == cancellationId && block.Receipts[index].Code == RejectionCode.Unspecified)
            {
                return index;
            }
        }

        return -1;
    }
}

namespace Ledger.Node.Portal;

/// <summary>The portal's bounds (docs/LIMITS.md): every page and stream it serves has a named maximum.</summary>
public static class PortalLimits
{
    /// <summary>Rows on one list page (?rows= asks for fewer); more come through the page's "next" link.</summary>
    public const int PageRowsMax = 100;

    public const int PageRowsDefault = 50;

    /// <summary>Records one list page reads while filtering (e.g. scenarios out of the shared project table).</summary>
    public const int PageScanRowsMax = 2_000;

    /// <summary>Records of each table the home totals and the trading statistics read; past it they say they are partial.</summary>
    public const int AggregateRowsMax = 20_000;

    /// <summary>Subjects in public notice listed on the home page.</summary>
    public const int HomeNoticeRowsMax = 20;

    /// <summary>Open /events streams (Server-Sent Events) per node; one more gets 503.</summary>
    public const int EventStreamsMax = 64;

    /// <summary>Characters of a search query or a cursor; longer gets 400.</summary>
    public const int QueryCharactersMax = 200;
}

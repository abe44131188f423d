namespace Ledger.Node.Portal;

/// <summary>
/// The home totals and trading statistics read whole tables (up to PortalLimits.AggregateRowsMax each), so
/// they are computed once per committed height and shared: every open page refreshes after each commit,
/// and a burst of them must cost one scan, not one each, beside consensus on the same machine.
/// </summary>
public sealed class PortalAggregates
{
    private readonly Lock _gate = new();
    private (ulong Height, TotalsView View)? _totals;
    private (ulong Height, TradingView View)? _trading;

    public TotalsView Totals(PortalReader reader)
    {
        lock (_gate)
        {
            if (_totals is not { } cached || cached.Height != reader.Head.Height)
            {
                cached = (reader.Head.Height, reader.Totals(PortalLimits.AggregateRowsMax));
                _totals = cached;
            }

            return cached.View;
        }
    }

    public TradingView Trading(PortalReader reader)
    {
        lock (_gate)
        {
            if (_trading is not { } cached || cached.Height != reader.Head.Height)
            {
                cached = (reader.Head.Height, reader.Trading(PortalLimits.AggregateRowsMax));
                _trading = cached;
            }

            return cached.View;
        }
    }
}

using System.Diagnostics.Metrics;

namespace Ledger.Integration.Tests.ClientLimits;

/// <summary>Meters for a NodeMetrics built outside a host.</summary>
public sealed class TestMeters : IMeterFactory
{
    public Meter Create(MeterOptions options) => new(options);

    public void Dispose()
    {
    }
}

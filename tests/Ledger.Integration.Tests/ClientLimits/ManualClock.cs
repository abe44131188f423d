namespace Ledger.Integration.Tests.ClientLimits;

/// <summary>A TimeProvider that moves only when told: limits are tested without sleeping.</summary>
public sealed class ManualClock : TimeProvider
{
    private long _ticks = TimeSpan.TicksPerDay;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero) + TimeSpan.FromTicks(GetTimestamp());

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>A TimeProvider whose timestamp advances by step at every reading (to spend a time budget without sleeping); its wall time stands at now.</summary>
public sealed class SteppingClock(TimeSpan step, DateTimeOffset now) : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Add(ref _ticks, step.Ticks);

    public override DateTimeOffset GetUtcNow() => now;
}

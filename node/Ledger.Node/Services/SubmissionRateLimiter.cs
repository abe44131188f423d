using Ledger.Node.Options;
using Microsoft.Extensions.Options;

namespace Ledger.Node.Services;

/// <summary>
/// A token bucket per client connection for Submit and SubmitAndWait (D29): each connection may
/// make SubmissionBurstPerConnection calls at once and SubmissionsPerSecondPerConnection on average.
/// A refused call gets RATE_LIMITED. Time comes from the injected TimeProvider.
/// </summary>
public sealed class SubmissionRateLimiter
{
    /// <summary>Buckets kept at once. A full bucket is the same as none, so those are forgotten first.</summary>
    public const int ConnectionsTrackedMax = 10_000;

    private readonly TimeProvider _clock;
    private readonly double _perSecond;
    private readonly double _burst;
    private readonly Dictionary<string, Bucket> _buckets = [];
    private readonly Lock _gate = new();

    public SubmissionRateLimiter(TimeProvider clock, IOptions<NodeOptions> options)
    {
        _clock = clock;
        _perSecond = options.Value.SubmissionsPerSecondPerConnection;
        _burst = options.Value.SubmissionBurstPerConnection;
    }

    /// <summary>Connections with a bucket now (for tests of the bound).</summary>
    public int Tracked
    {
        get
        {
            lock (_gate)
            {
                return _buckets.Count;
            }
        }
    }

    /// <summary>Takes one token from the connection's bucket; false when it is empty.</summary>
    public bool TryAcquire(string connection)
    {
        var now = _clock.GetTimestamp();
        lock (_gate)
        {
            if (!_buckets.TryGetValue(connection, out var bucket))
            {
                MakeRoom(now);
                _buckets[connection] = bucket = new Bucket { Tokens = _burst, Timestamp = now };
            }

            Refill(bucket, now);
            if (bucket.Tokens < 1)
            {
                return false;
            }

            bucket.Tokens -= 1;
            return true;
        }
    }

    /// <summary>How long until the connection may submit again (zero when it may now).</summary>
    public TimeSpan RetryAfter(string connection)
    {
        lock (_gate)
        {
            return _buckets.TryGetValue(connection, out var bucket) && bucket.Tokens < 1
                ? TimeSpan.FromSeconds((1 - bucket.Tokens) / _perSecond)
                : TimeSpan.Zero;
        }
    }

    private void Refill(Bucket bucket, long now)
    {
        var elapsed = _clock.GetElapsedTime(bucket.Timestamp, now);
        bucket.Tokens = Math.Min(_burst, bucket.Tokens + (elapsed.TotalSeconds * _perSecond));
        bucket.Timestamp = now;
    }

    /// <summary>At the bound: forget every full bucket, then, if none was full, the one used longest ago.</summary>
    private void MakeRoom(long now)
    {
        if (_buckets.Count < ConnectionsTrackedMax)
        {
            return;
        }

        foreach (var (connection, bucket) in _buckets.ToList())
        {
            if (bucket.Tokens + (_clock.GetElapsedTime(bucket.Timestamp, now).TotalSeconds * _perSecond) >= _burst)
            {
                _buckets.Remove(connection);
            }
        }

        if (_buckets.Count >= ConnectionsTrackedMax)
        {
            _buckets.Remove(_buckets.MinBy(b => b.Value.Timestamp).Key);
        }
    }

    private sealed class Bucket
    {
        public double Tokens { get; set; }

        /// <summary>When the bucket was last refilled, which is when it was last used.</summary>
        public long Timestamp { get; set; }
    }
}

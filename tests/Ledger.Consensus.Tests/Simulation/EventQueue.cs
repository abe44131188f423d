namespace Ledger.Consensus.Tests.Simulation;

/// <summary>The discrete-event loop's queue: (time, sequence) orders every event, so equal times keep insertion order.</summary>
public sealed class EventQueue
{
    /// <summary>A bound on pending events: a run that exceeds it has a message storm, which is itself a bug.</summary>
    public const int EventsPendingMax = 1_000_000;

    private readonly PriorityQueue<Action, (long TimeMs, long Sequence)> _queue = new();
    private long _sequence;

    public long NowMs { get; private set; }

    public long Processed { get; private set; }

    public int Count => _queue.Count;

    public void At(long timeMs, Action action)
    {
        if (_queue.Count >= EventsPendingMax)
        {
            throw new SimulationFailure($"more than {EventsPendingMax} events pending at {NowMs} ms: a message storm");
        }

        _queue.Enqueue(action, (Math.Max(timeMs, NowMs), _sequence++));
    }

    public void After(long delayMs, Action action) => At(NowMs + delayMs, action);

    /// <summary>Runs the next event if it is due by untilMs; false when there is none.</summary>
    public bool Step(long untilMs)
    {
        if (!_queue.TryPeek(out var action, out var key) || key.TimeMs > untilMs)
        {
            return false;
        }

        _queue.Dequeue();
        NowMs = key.TimeMs;
        Processed++;
        action();
        return true;
    }
}

/// <summary>A broken invariant: the message names the rule, the node and the height.</summary>
public sealed class SimulationFailure(string message) : Exception(message);

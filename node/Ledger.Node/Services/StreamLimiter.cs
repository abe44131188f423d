using Ledger.Node.Options;
using Microsoft.Extensions.Options;

namespace Ledger.Node.Services;

/// <summary>
/// Counts the block streams open per client connection and per remote address (D29). Opening one
/// past StreamsPerConnectionMax or StreamsPerAddressMax is refused; closing the lease frees its place.
/// Entries exist only while a stream is open, so the counts are bounded by the open streams.
/// </summary>
public sealed class StreamLimiter(IOptions<NodeOptions> options)
{
    private readonly int _perConnectionMax = options.Value.StreamsPerConnectionMax;
    private readonly int _perAddressMax = options.Value.StreamsPerAddressMax;
    private readonly Dictionary<string, int> _byConnection = [];
    private readonly Dictionary<string, int> _byAddress = [];
    private readonly Lock _gate = new();

    /// <summary>A lease to dispose when the stream ends, or null and the reason when a limit is reached.</summary>
    public (IDisposable? Lease, string? Refusal) TryOpen(string connection, string address)
    {
        lock (_gate)
        {
            if (_byConnection.GetValueOrDefault(connection) >= _perConnectionMax)
            {
                return (null, $"this connection already has {_perConnectionMax} streams open, the most one connection may; close one first");
            }

            if (_byAddress.GetValueOrDefault(address) >= _perAddressMax)
            {
                return (null, $"address {address} already has {_perAddressMax} streams open, the most one address may; close one first");
            }

            _byConnection[connection] = _byConnection.GetValueOrDefault(connection) + 1;
            _byAddress[address] = _byAddress.GetValueOrDefault(address) + 1;
            return (new Lease(this, connection, address), null);
        }
    }

    /// <summary>Streams open now from the address.</summary>
    public int OpenFrom(string address)
    {
        lock (_gate)
        {
            return _byAddress.GetValueOrDefault(address);
        }
    }

    private void Close(string connection, string address)
    {
        lock (_gate)
        {
            Decrement(_byConnection, connection);
            Decrement(_byAddress, address);
        }
    }

    private static void Decrement(Dictionary<string, int> counts, string key)
    {
        var left = counts[key] - 1;
        if (left == 0)
        {
            counts.Remove(key);
        }
        else
        {
            counts[key] = left;
        }
    }

    private sealed class Lease(StreamLimiter limiter, string connection, string address) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                limiter.Close(connection, address);
            }
        }
    }
}

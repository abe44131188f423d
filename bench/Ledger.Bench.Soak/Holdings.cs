namespace Ledger.Bench.Soak;

/// <summary>
/// What the load believes each trading party holds of each batch, never more than the ledger holds:
/// grams are taken off before a transfer or cancellation is sent, given back only when it is
/// refused, and credited to the receiver only on an acknowledged commit. So the load's picks should
/// never meet InsufficientBalance; if they do, the summary shows it.
/// </summary>
public sealed class Holdings
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Party, string Batch), ulong> _grams = [];
    private readonly List<(string Party, string Batch)> _keys = [];

    public void Credit(string party, string batch, ulong grams)
    {
        lock (_lock)
        {
            if (_grams.TryGetValue((party, batch), out var held))
            {
                _grams[(party, batch)] = checked(held + grams);
            }
            else
            {
                _grams[(party, batch)] = grams;
                _keys.Add((party, batch));
            }
        }
    }

    /// <summary>Takes <paramref name="grams"/> off a random holding of at least that much; null when a few tries find none.</summary>
    public (string Party, string Batch)? Reserve(Random random, ulong grams)
    {
        lock (_lock)
        {
            for (var attempt = 0; attempt < 8 && _keys.Count > 0; attempt++)
            {
                var key = _keys[random.Next(_keys.Count)];
                if (_grams[key] >= grams)
                {
                    _grams[key] -= grams;
                    return key;
                }
            }

            return null;
        }
    }
}

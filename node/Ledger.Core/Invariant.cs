namespace Ledger.Core;

/// <summary>
/// Always-on assertions. A broken invariant is a bug in the ledger, never bad input: it stops
/// the node rather than let it write a wrong block.
/// </summary>
public static class Invariant
{
    public static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvariantViolationException(what);
        }
    }
}

public sealed class InvariantViolationException(string message) : Exception("Invariant violated: " + message);

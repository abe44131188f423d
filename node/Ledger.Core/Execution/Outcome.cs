using Ledger.Core.Protocol;

namespace Ledger.Core.Execution;

/// <summary>What a handler decided: committed with attributes, or a typed rejection with a message.</summary>
public readonly record struct Outcome(RejectionCode Code, string Message, IReadOnlyList<Protocol.Attribute> Attributes)
{
    public bool IsCommitted => Code == RejectionCode.Unspecified;

    public static Outcome Committed(params (string Key, string Value)[] attributes) =>
        new(RejectionCode.Unspecified, "", attributes.Select(a => new Protocol.Attribute { Key = a.Key, Value = a.Value }).ToArray());

    public static Outcome Reject(RejectionCode code, string message)
    {
        Invariant.Require(code != RejectionCode.Unspecified, "a rejection carries a code");
        return new(code, message, []);
    }
}

namespace Ledger.Core.Protocol;

// Whether a parsed message kept fields this ledger does not know, read from the generated code's own
// unknown-field set (the parser fills it with every field it did not recognise, and nothing else does).
// `Blocks` asks this for a whole block instead of encoding it and parsing it again strictly (D54): the
// same answer without a second copy of every block. Block, header, envelopes, their signatures, the last
// commit and its signatures are every message a block holds (a test checks the descriptors, so a new
// message field in any of them fails until it is walked here too).

public sealed partial class Block
{
    /// <summary>True when the block, or any message inside it, carries a field this ledger does not know.</summary>
    internal bool CarriesUnknownFields() =>
        _unknownFields is not null
        || (header_ is { } header && header.CarriesUnknownFields())
        || (lastCommit_ is { } commit && commit.CarriesUnknownFields())
        || transactions_.Any(static envelope => envelope.CarriesUnknownFields());
}

public sealed partial class BlockHeader
{
    internal bool CarriesUnknownFields() => _unknownFields is not null;
}

public sealed partial class Envelope
{
    /// <summary>True when the envelope or one of its signatures carries a field this ledger does not know.</summary>
    internal bool CarriesUnknownFields() => _unknownFields is not null || signatures_.Any(static s => s.CarriesUnknownFields());
}

public sealed partial class Signature
{
    internal bool CarriesUnknownFields() => _unknownFields is not null;
}

public sealed partial class CommitCertificate
{
    internal bool CarriesUnknownFields() => _unknownFields is not null || signatures_.Any(static s => s.CarriesUnknownFields());
}

public sealed partial class CommitSignature
{
    internal bool CarriesUnknownFields() => _unknownFields is not null;
}

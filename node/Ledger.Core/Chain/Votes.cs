using Ledger.Core.Crypto;

namespace Ledger.Core.Chain;

public enum VoteType : byte
{
    Prevote = 1,
    Precommit = 2,
}

/// <summary>What a validator signs when it votes (docs/PROTOCOL.md §6). A nil vote has an empty block hash.</summary>
public static class Votes
{
    public static byte[] SignBytes(string chainId, ulong height, uint round, VoteType type, ReadOnlySpan<byte> blockHash) =>
        new CanonicalWriter(96)
            .Bytes(DomainTags.Vote)
            .String(chainId)
            .UInt64(height)
            .UInt32(round)
            .Byte((byte)type)
            .Bytes(blockHash)
            .ToArray();
}

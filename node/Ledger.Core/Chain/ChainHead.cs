namespace Ledger.Core.Chain;

/// <summary>The last committed block as the next block sees it: height 0 with a zero hash before the first block.</summary>
public sealed record ChainHead(ulong Height, byte[] HeaderHash, long TimeMs)
{
    public static ChainHead Genesis(Protocol.Genesis genesis) => new(0, new byte[BlockHashing.HashBytes], genesis.GenesisTimeMs);
}

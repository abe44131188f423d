using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Core.Execution;

/// <summary>The consensus-critical parameters every node and the auditor take from genesis.</summary>
public sealed record ChainParameters(string ChainId, INetworkHash Hash)
{
    public static ChainParameters FromGenesis(Genesis genesis) =>
        new(genesis.ChainId, NetworkHashes.For(genesis.HashAlgorithm));
}

/// <summary>What the edge feeds the pure core for one block: its height and its time (Unix ms, from the header).</summary>
public readonly record struct BlockContext(ulong Height, long TimeMs);

/// <summary>The result of applying a block: the changes to commit, a receipt per transaction, and the state root after it.</summary>
public sealed record BlockExecution(State.WriteSet Changes, IReadOnlyList<Receipt> Receipts, byte[] StateRoot);

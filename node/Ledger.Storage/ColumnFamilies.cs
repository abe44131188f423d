namespace Ledger.Storage;

/// <summary>
/// The RocksDB column families of a node's data directory (DESIGN §8), named once. Each line says
/// what a key and a value are; the encodings live in <see cref="StorageKeys"/>.
/// </summary>
public static class ColumnFamilies
{
    /// <summary>height (u64 big-endian) → Block protobuf.</summary>
    public const string Blocks = "blocks";

    /// <summary>height (u64 big-endian) → the CommitCertificate that made that block final.</summary>
    public const string Certificates = "certificates";

    /// <summary>transaction id → height (u64 big-endian) ‖ index in the block (u32 big-endian).</summary>
    public const string Transactions = "transactions";

    /// <summary>height (u64 big-endian) → StoredReceipts protobuf, in transaction order.</summary>
    public const string Receipts = "receipts";

    /// <summary>state key → value: exactly the keys and values of Ledger.Core's WriteSets, nothing else.</summary>
    public const string State = "state";

    /// <summary>the head, the genesis document, the chain id and the storage format (<see cref="StorageKeys"/>).</summary>
    public const string Meta = "meta";

    /// <summary>opaque key → value for the consensus log and the signer's state (DESIGN §7 rules 1–2).</summary>
    public const string Consensus = "consensus";

    /// <summary>Every family this version opens; a data directory always has all of them.</summary>
    public static readonly IReadOnlyList<string> All = [Blocks, Certificates, Transactions, Receipts, State, Meta, Consensus];

    /// <summary>What `ledger verify` reads: blocks, their certificates, the stored state and the head (D50).</summary>
    public static readonly IReadOnlyList<string> Replayed = [Blocks, Certificates, State, Meta];
}

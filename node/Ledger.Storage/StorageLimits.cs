using Ledger.Core;
using Ledger.Core.Chain;

namespace Ledger.Storage;

/// <summary>
/// Bounds on what the store reads and writes. A value past its bound is refused on write (a bug
/// upstream) and reported as corruption on read (a broken disk), rather than allocated.
/// </summary>
public static class StorageLimits
{
    /// <summary>The most a header, a previous-block certificate and protobuf framing take besides the envelopes.</summary>
    public const int BlockOverheadBytesMax = 256 * 1024;

    /// <summary>Protobuf framing of one envelope inside a block.</summary>
    public const int EnvelopeFramingBytesMax = 16;

    /// <summary>A full block: every envelope at its largest. About 640 MiB; real blocks are far smaller.</summary>
    public const long BlockBytesMax =
        ((long)Blocks.TransactionsPerBlockMax * (Limits.EnvelopeBytesMax + EnvelopeFramingBytesMax)) + BlockOverheadBytesMax;

    /// <summary>A certificate holds at most one signature per validator.</summary>
    public const int CertificateBytesMax = 256 * 1024;

    /// <summary>One receipt: id, message and attributes are all short, bounded texts.</summary>
    public const int ReceiptBytesMax = 16 * 1024;

    public const long ReceiptsBytesMax = (long)Blocks.TransactionsPerBlockMax * ReceiptBytesMax;

    /// <summary>State keys are a table byte and at most a few bounded ids.</summary>
    public const int StateKeyBytesMax = 1024;

    /// <summary>The largest state record: a project with every issued period.</summary>
    public const int StateValueBytesMax = 16 * 1024 * 1024;

    public const int GenesisBytesMax = 16 * 1024 * 1024;

    public const int ConsensusKeyBytesMax = 1024;

    /// <summary>How often a read-only store catches up to find a block below its head before it reports it missing.</summary>
    public const int ReadOnlyCatchUpAttemptsMax = 5;

    /// <summary>
    /// RocksDB's block cache per open directory, shared by its column families (D43): data, index and filter
    /// blocks together. Index and filter blocks of level 0 are pinned in it and may push it a little past this.
    /// With <see cref="RowCacheBytesMax"/> it makes D43's 256 MiB.
    /// </summary>
    public const ulong BlockCacheBytesMax = 224UL * 1024 * 1024;

    /// <summary>RocksDB's row cache per open directory (D51): whole values of keys read from table files, kept apart from the block cache.</summary>
    public const ulong RowCacheBytesMax = 32UL * 1024 * 1024;

    /// <summary>
    /// The memtable size of the state and transaction-index families (D51; RocksDB's default, kept by the other
    /// families, is 64 MiB). At most two memtables a family are held, one filling and one being flushed.
    /// </summary>
    public const ulong ReadMemtableBytes = 16UL * 1024 * 1024;

    /// <summary>The memtable Bloom filter's size as a share of its memtable's (D51): 1.6 MiB for a 16 MiB memtable.</summary>
    public const double MemtableFilterShare = 0.1;

    /// <summary>A consensus record holds at most a proposal, i.e. a block.</summary>
    public const long ConsensusValueBytesMax = BlockBytesMax;
}

using System.ComponentModel.DataAnnotations;

namespace Ledger.Node.Options;

/// <summary>
/// One node's settings, bound from its node file (network-config/&lt;network&gt;/&lt;node&gt;.json, section "Node").
/// Relative paths are relative to the node file. Consensus-critical parameters live in genesis, never here.
/// </summary>
public sealed class NodeOptions
{
    public const string Section = "Node";

    /// <summary>This node's validator id, as named in genesis.</summary>
    [Required]
    public string NodeId { get; set; } = "";

    /// <summary>Where the client API listens, e.g. http://127.0.0.1:7101. Plaintext HTTP/2 on loopback until TLS arrives (issue 8).</summary>
    [Required]
    public string ListenUrl { get; set; } = "";

    /// <summary>The RocksDB directory.</summary>
    [Required]
    public string DataDirectory { get; set; } = "";

    /// <summary>The validator's PKCS#8 PEM private key.</summary>
    [Required]
    public string KeyFile { get; set; } = "";

    /// <summary>The genesis JSON file.</summary>
    [Required]
    public string GenesisFile { get; set; } = "";

    /// <summary>How long transactions may wait before a block is made.</summary>
    [Range(10, 60_000)]
    public int BlockIntervalMs { get; set; } = 200;

    /// <summary>A block is made at once when this many transactions wait.</summary>
    [Range(1, 10_000)]
    public int BlockTransactionsTarget { get; set; } = 2_000;

    [Range(1, 1_000_000)]
    public int MempoolTransactionsMax { get; set; } = 50_000;

    /// <summary>Largest gRPC message the node accepts or sends.</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int MessageBytesMax { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long SubmitAndWait waits for a commit when the client sets no deadline.</summary>
    [Range(100, 600_000)]
    public int SubmitAndWaitTimeoutMs { get; set; } = 30_000;
}

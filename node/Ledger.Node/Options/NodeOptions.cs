using System.ComponentModel.DataAnnotations;

namespace Ledger.Node.Options;

/// <summary>
/// One node's settings, bound from its node file (network-config/&lt;network&gt;/&lt;node&gt;.json, section "Node").
/// Relative paths are relative to the node file. Consensus-critical parameters live in genesis, never here.
/// </summary>
public sealed class NodeOptions : IValidatableObject
{
    public const string Section = "Node";

    /// <summary>This node's validator id, as named in genesis.</summary>
    [Required]
    public string NodeId { get; set; } = "";

    /// <summary>Where the client API and the peer service listen, e.g. https://127.0.0.1:7101 (http:// only with Tls:DevelopmentPlaintext).</summary>
    [Required]
    public string ListenUrl { get; set; } = "";

    /// <summary>
    /// Where Prometheus scrapes /metrics over HTTP/1.1, e.g. http://127.0.0.1:9101; empty for no metrics endpoint.
    /// A second listener in plain HTTP, apart from the client API (TLS, or HTTP/2 only in development plaintext).
    /// </summary>
    public string MetricsListenUrl { get; set; } = "";

    /// <summary>
    /// "text" (default): one line per event with a UTC timestamp. "json": one JSON object per line, with
    /// the message template's named values (Height, Round, Peer, ...) as fields, for a log collector.
    /// </summary>
    [RegularExpression("^(text|json)$", ErrorMessage = "LogFormat is \"text\" or \"json\"")]
    public string LogFormat { get; set; } = "text";

    /// <summary>
    /// Where the operator's Admin service (backups, D31) listens, e.g. http://127.0.0.1:9201; empty for none.
    /// Must be a loopback address: the node refuses to start otherwise.
    /// </summary>
    public string AdminListenUrl { get; set; } = "";

    /// <summary>
    /// An extra listener for the public portal over plain HTTP/1.1, e.g. http://127.0.0.1:8101; empty for none. Must be a
    /// loopback address. With TLS the portal is also on ListenUrl (D36); with the development plaintext flag the
    /// client API's port speaks HTTP/2 only, so browsers reach the portal here.
    /// </summary>
    public string PortalListenUrl { get; set; } = "";

    /// <summary>The RocksDB directory.</summary>
    [Required]
    public string DataDirectory { get; set; } = "";

    /// <summary>The validator's PKCS#8 PEM private key.</summary>
    [Required]
    public string KeyFile { get; set; } = "";

    /// <summary>
    /// Optional: the validator's next PKCS#8 PEM private key, installed before a ChangeValidators re-keys
    /// this validator. At each height the node signs with whichever of KeyFile and NextKeyFile the
    /// validator set of that height names (docs/NETWORK.md, "Rotating a validator key").
    /// </summary>
    public string NextKeyFile { get; set; } = "";

    /// <summary>The genesis JSON file.</summary>
    [Required]
    public string GenesisFile { get; set; } = "";

    /// <summary>How long transactions may wait before a block is made.</summary>
    [Range(10, 60_000)]
    public int BlockIntervalMs { get; set; } = 200;

    /// <summary>A block is made at once when this many transactions wait.</summary>
    [Range(1, 10_000)]
    public int BlockTransactionsTarget { get; set; } = 2_000;

    /// <summary>Transactions waiting in the mempool, all signers together (MEMPOOL_FULL past it).</summary>
    [Range(1, 1_000_000)]
    public int MempoolTransactionsMax { get; set; } = 50_000;

    /// <summary>Bytes of the envelopes waiting in the mempool, all signers together (MEMPOOL_FULL past it).</summary>
    [Range(64 * 1024, int.MaxValue)]
    public int MempoolBytesMax { get; set; } = 256 * 1024 * 1024;

    /// <summary>Transactions one signer (the envelope's primary signer) may have waiting (MEMPOOL_SIGNER_FULL past it).</summary>
    [Range(1, 1_000_000)]
    public int MempoolTransactionsPerSignerMax { get; set; } = 5_000;

    /// <summary>
    /// Waiting transactions checked again after each block, oldest first and going on where the last
    /// block's check stopped, so the work a commit adds does not grow with the backlog (D39).
    /// </summary>
    [Range(1, 1_000_000)]
    public int MempoolRecheckPerBlockMax { get; set; } = 500;

    /// <summary>How long the re-check after a block may take; at least one transaction is checked (D39).</summary>
    [Range(1, 60_000)]
    public int MempoolRecheckMsPerBlockMax { get; set; } = 50;

    /// <summary>The most transactions this node puts in a block it proposes; the core's own bound is Blocks.TransactionsPerBlockMax.</summary>
    [Range(1, 10_000)]
    public int BlockTransactionsMax { get; set; } = 10_000;

    /// <summary>Submit and SubmitAndWait calls one client connection may make per second, on average (RATE_LIMITED past it).</summary>
    [Range(1, 1_000_000)]
    public int SubmissionsPerSecondPerConnection { get; set; } = 1_000;

    /// <summary>Calls one client connection may make at once before the per-second rate applies (the token bucket's size).</summary>
    [Range(1, 1_000_000)]
    public int SubmissionBurstPerConnection { get; set; } = 2_000;

    /// <summary>Block streams open at once on one client connection (TOO_MANY_STREAMS past it).</summary>
    [Range(1, 10_000)]
    public int StreamsPerConnectionMax { get; set; } = 16;

    /// <summary>Block streams open at once from one remote IP address, over all its connections (TOO_MANY_STREAMS past it).</summary>
    [Range(1, 100_000)]
    public int StreamsPerAddressMax { get; set; } = 64;

    /// <summary>Largest gRPC message the node accepts or sends.</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int MessageBytesMax { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long SubmitAndWait waits for a commit when the client sets no deadline.</summary>
    [Range(100, 600_000)]
    public int SubmitAndWaitTimeoutMs { get; set; } = 30_000;

    /// <summary>Certificates, or the development plaintext flag (D28).</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>The other validators' nodes (all of them: the devnet is a full mesh).</summary>
    public List<PeerOptions> Peers { get; set; } = [];

    /// <summary>
    /// A BFT proposer stops adding transactions to its block after building it for this long (D39), so the
    /// proposal reaches and is executed by the others within their propose timeout; keep it well below TimeoutProposeMs.
    /// </summary>
    [Range(10, 60_000)]
    public int BlockBuildMsMax { get; set; } = 300;

    /// <summary>
    /// A BFT validator starts the next height no sooner than this after its last commit, unless BlockTransactionsTarget
    /// transactions wait or a peer already proposes or votes at it (D56). 0: at once, blocks back to back. A short wait
    /// fills blocks under a steady load: every block costs its votes, signatures, fsyncs and the mempool's re-check
    /// whatever its size. Each validator's own choice: no validity rule depends on it. Below TimeoutProposeMs (checked at
    /// start): a peer that starts the height at once would otherwise time the proposer out; keep it well below.
    /// </summary>
    [Range(0, 10_000)]
    public int BftBlockIntervalMs { get; set; }

    /// <summary>Tendermint's timeoutPropose(0); each round adds TimeoutDeltaMs (paper: timeouts grow per round).</summary>
    [Range(50, 60_000)]
    public int TimeoutProposeMs { get; set; } = 1_000;

    [Range(50, 60_000)]
    public int TimeoutPrevoteMs { get; set; } = 500;

    [Range(50, 60_000)]
    public int TimeoutPrecommitMs { get; set; } = 500;

    [Range(0, 60_000)]
    public int TimeoutDeltaMs { get; set; } = 250;

    /// <summary>With an empty mempool a validator waits this long before starting a height anyway (an empty heartbeat block).</summary>
    [Range(100, 3_600_000)]
    public int EmptyBlockIntervalMs { get; set; } = 60_000;

    /// <summary>Rules across options (the attributes check each option alone).</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BftBlockIntervalMs >= TimeoutProposeMs)
        {
            yield return new ValidationResult(
                $"Node:BftBlockIntervalMs ({BftBlockIntervalMs}) must be below Node:TimeoutProposeMs ({TimeoutProposeMs}): a validator that starts the height at once would time the waiting proposer out",
                [nameof(BftBlockIntervalMs)]);
        }
    }
}

public sealed class PeerOptions
{
    [Required]
    public string ValidatorId { get; set; } = "";

    [Required]
    public string Url { get; set; } = "";
}

using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Node.Chain;
using Ledger.Node.Options;
using Ledger.Storage;
using Microsoft.Extensions.Options;

namespace Ledger.Node.Backup;

/// <summary>
/// Makes a backup of the live data directory (D31): a RocksDB checkpoint in a temporary directory
/// beside the data directory (same file system, so table files are hard links), marked with the
/// restore guard and without signer state, streamed to the caller file by file, then deleted.
/// One backup at a time.
/// </summary>
public sealed class BackupMaker(NodeChain chain, TimeProvider clock, IOptions<NodeOptions> options, ILogger<BackupMaker> logger)
{
    /// <summary>Below the smallest MessageBytesMax a node file may set (64 KiB).</summary>
    public const int ChunkBytesMax = 48 * 1024;
    public const int FilesMax = 100_000;

    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    /// <summary>The manifest first, then every file's bytes in the manifest's order.</summary>
    public async IAsyncEnumerable<BackupChunk> StreamAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!await _oneAtATime.WaitAsync(0, cancellationToken))
        {
            throw new InvalidOperationException("a backup is already being made on this node");
        }

        var directory = TemporaryDirectory();
        try
        {
            RemoveStale();
            var manifest = MakeCheckpoint(directory);
            yield return new BackupChunk { Manifest = manifest };
            var buffer = new byte[ChunkBytesMax];
            foreach (var file in manifest.Files)
            {
                await using var stream = File.OpenRead(Path.Combine(directory, file.Path));
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    yield return new BackupChunk { Path = file.Path, Data = ByteString.CopyFrom(buffer, 0, read) };
                }
            }

            logger.LogInformation("Backup of height {Height} sent: {Files} files, {Bytes} bytes", manifest.Height, manifest.Files.Count, manifest.Files.Sum(f => (long)f.Bytes));
        }
        finally
        {
            try
            {
                // MakeCheckpoint removes what it made when it fails, so the directory may be gone already.
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
            finally
            {
                _oneAtATime.Release();
            }
        }
    }

    private string TemporaryDirectory()
    {
        var data = Path.GetFullPath(options.Value.DataDirectory).TrimEnd(Path.DirectorySeparatorChar);
        return Path.Combine(Path.GetDirectoryName(data)!, $"{StalePrefix(data)}{Guid.NewGuid():N}");
    }

    private static string StalePrefix(string data) => $".{Path.GetFileName(data)}-backup-";

    /// <summary>
    /// Removes checkpoints a backup left behind (the node stopped in the middle of one): their hard links
    /// would hold compacted table files on disk. Called with the one-at-a-time gate held, so none is in use.
    /// </summary>
    internal void RemoveStale()
    {
        var data = Path.GetFullPath(options.Value.DataDirectory).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(data)!;
        foreach (var stale in Directory.EnumerateDirectories(parent, StalePrefix(data) + "*"))
        {
            logger.LogWarning("Removing {Directory}, a checkpoint an interrupted backup left behind", stale);
            Directory.Delete(stale, recursive: true);
        }
    }

    private BackupManifest MakeCheckpoint(string directory)
    {
        try
        {
            chain.Store.Checkpoint(directory);
            var manifest = MarkAsBackup(directory);
            manifest.Files.AddRange(ListFiles(directory));
            return manifest;
        }
        catch
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }

            throw;
        }
    }

    /// <summary>Opens the checkpoint as a node would, sets the restore guard, removes signer state, and reads its head.</summary>
    private BackupManifest MarkAsBackup(string directory)
    {
        using var copy = RocksDbChainStore.Open(directory);
        var head = copy.Head ?? throw new InvalidOperationException("the checkpoint holds no genesis");
        RestoreGuard.Mark(copy, head.Height);
        var stateRoot = copy.State.Get(StateKeys.StateRoot) ?? throw new InvalidOperationException("the checkpoint holds no state root");
        return new BackupManifest
        {
            Height = head.Height,
            BlockHash = ByteString.CopyFrom(head.HeaderHash),
            StateRoot = ByteString.CopyFrom(stateRoot),
            GenesisHash = ByteString.CopyFrom(GenesisHash.Compute(chain.Genesis)),
            ChainId = chain.Genesis.ChainId,
            NodeId = options.Value.NodeId,
            CreatedMs = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        };
    }

    /// <summary>RocksDB's files, sorted, each with its SHA-256; its info logs (LOG*) are left out.</summary>
    private static IEnumerable<BackupFile> ListFiles(string directory)
    {
        var files = Directory.GetFiles(directory).Where(f => !Path.GetFileName(f).StartsWith("LOG", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (files.Count > FilesMax)
        {
            throw new InvalidOperationException($"the checkpoint has {files.Count} files, more than FilesMax {FilesMax}");
        }

        foreach (var path in files)
        {
            using var stream = File.OpenRead(path);
            yield return new BackupFile { Path = Path.GetFileName(path), Bytes = (ulong)stream.Length, Sha256 = ByteString.CopyFrom(SHA256.HashData(stream)) };
        }
    }
}

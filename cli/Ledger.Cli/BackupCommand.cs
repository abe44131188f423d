using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Node.Backup;
using Ledger.Storage;

namespace Ledger.Cli;

/// <summary>
/// `ledger backup --admin URL --out DIR`: a checkpoint of a running node's data directory (D31),
/// written to DIR as a data directory a node can start from, plus backup-manifest.json.
/// `ledger backup release --data DIR`: lets a restored sole validator sign again (see RestoreGuard).
/// Exit 0 on success, 1 when the node or the transfer failed, 2 for misuse (DIR not empty).
/// </summary>
public static class BackupCommand
{
    public const string ManifestFile = "backup-manifest.json";

    public static Command Create()
    {
        var admin = StatusCommand.NodeOption();
        admin.Description = "the node's admin URL (its AdminListenUrl, a loopback address), e.g. http://127.0.0.1:9201";
        var admins = new Option<Uri>("--admin") { Description = admin.Description, Required = true, CustomParser = admin.CustomParser };
        var output = new Option<DirectoryInfo>("--out") { Description = "an empty or new directory for the backup", Required = true };
        var command = new Command("backup", "copy a running node's chain, state and receipts into a directory a node can start from")
        {
            admins, output, ReleaseCommand(),
        };
        command.SetAction((result, cancellation) => ExecuteAsync(result.GetValue(admins)!, result.GetValue(output)!.FullName, result.InvocationConfiguration.Output, result.InvocationConfiguration.Error, cancellation));
        return command;
    }

    /// <summary>Writes the backup into directory (which must be empty or missing) and returns its manifest.</summary>
    public static async Task<BackupManifest> WriteAsync(Uri admin, string directory, CancellationToken cancellation)
    {
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new ArgumentException($"{directory} is not empty; a backup never overwrites anything");
        }

        var created = !Directory.Exists(directory);
        Directory.CreateDirectory(directory);
        try
        {
            var manifest = await ReceiveAsync(admin, directory, cancellation);
            await File.WriteAllTextAsync(Path.Combine(directory, ManifestFile), ManifestJson(manifest), cancellation);
            return manifest;
        }
        catch
        {
            // A partial backup must not pass for one: remove what this run wrote.
            foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
            {
                File.Delete(entry);
            }

            if (created)
            {
                Directory.Delete(directory);
            }

            throw;
        }
    }

    private static async Task<int> ExecuteAsync(Uri admin, string directory, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        try
        {
            var manifest = await WriteAsync(admin, directory, cancellation);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"backup of height {manifest.Height} (block {Convert.ToHexStringLower(manifest.BlockHash.Span)}, state root {Convert.ToHexStringLower(manifest.StateRoot.Span)}) written to {directory}: {manifest.Files.Count} files, {manifest.Files.Sum(f => (long)f.Bytes)} bytes"));
            return 0;
        }
        catch (ArgumentException e)
        {
            error.WriteLine(e.Message);
            return 2;
        }
        catch (Exception e) when (e is RpcException or IOException or InvalidDataException)
        {
            error.WriteLine(e is RpcException rpc ? $"{admin}: {rpc.Status.StatusCode}: {rpc.Status.Detail}" : e.Message);
            return 1;
        }
    }

    private static async Task<BackupManifest> ReceiveAsync(Uri admin, string directory, CancellationToken cancellation)
    {
        using var channel = GrpcChannel.ForAddress(admin);
        using var call = new Admin.AdminClient(channel).Backup(new BackupRequest(), cancellationToken: cancellation);
        BackupManifest? manifest = null;
        Dictionary<string, BackupFile> files = [];
        FileStream? open = null;
        try
        {
            await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellation))
            {
                if (manifest is null)
                {
                    manifest = chunk.Manifest ?? throw new InvalidDataException("the node's first message holds no manifest");
                    files = manifest.Files.ToDictionary(f => CheckName(f.Path), StringComparer.Ordinal);
                    continue;
                }

                if (open is null || Path.GetFileName(open.Name) != chunk.Path)
                {
                    await CloseAsync(open);
                    var file = files.GetValueOrDefault(chunk.Path) ?? throw new InvalidDataException($"the node sent {chunk.Path}, which its manifest does not list");
                    open = new FileStream(Path.Combine(directory, file.Path), FileMode.CreateNew, FileAccess.Write);
                }

                await open.WriteAsync(chunk.Data.Memory, cancellation);
            }
        }
        finally
        {
            await CloseAsync(open);
        }

        if (manifest is null)
        {
            throw new InvalidDataException("the node sent no manifest");
        }

        CheckFiles(directory, manifest);
        return manifest;
    }

    private static async Task CloseAsync(FileStream? file)
    {
        if (file is not null)
        {
            await file.FlushAsync();
            file.Flush(flushToDisk: true);
            await file.DisposeAsync();
        }
    }

    /// <summary>A plain file name: the node must not make this tool write outside the directory.</summary>
    private static string CheckName(string name) =>
        name.Length > 0 && name == Path.GetFileName(name) && name is not ("." or "..") && name != ManifestFile
            ? name
            : throw new InvalidDataException($"the node's manifest names a file '{name}' that is not a plain file name");

    /// <summary>Every file of the manifest arrived with its size and SHA-256.</summary>
    private static void CheckFiles(string directory, BackupManifest manifest)
    {
        foreach (var file in manifest.Files)
        {
            var path = Path.Combine(directory, file.Path);
            if (!File.Exists(path))
            {
                if (file.Bytes != 0)
                {
                    throw new InvalidDataException($"{file.Path} did not arrive");
                }

                File.WriteAllBytes(path, []);
            }

            using var stream = File.OpenRead(path);
            if ((ulong)stream.Length != file.Bytes || !SHA256.HashData(stream).AsSpan().SequenceEqual(file.Sha256.Span))
            {
                throw new InvalidDataException($"{file.Path} arrived with another size or SHA-256 than the manifest says");
            }
        }
    }

    private static string ManifestJson(BackupManifest manifest) => JsonSerializer.Serialize(
        new
        {
            height = manifest.Height,
            blockHash = Convert.ToHexStringLower(manifest.BlockHash.Span),
            stateRoot = Convert.ToHexStringLower(manifest.StateRoot.Span),
            genesisHash = GenesisHash.Format(manifest.GenesisHash.Span),
            chainId = manifest.ChainId,
            nodeId = manifest.NodeId,
            createdMs = manifest.CreatedMs,
            files = manifest.Files.Select(f => new { path = f.Path, bytes = f.Bytes, sha256 = Convert.ToHexStringLower(f.Sha256.Span) }),
        },
        new JsonSerializerOptions { WriteIndented = true });

    private static Command ReleaseCommand()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "the restored data directory (the node must be stopped)", Required = true };
        var command = new Command("release", "let a sole validator restored from a backup sign again (only if its lost directory never committed above the backup)") { data };
        command.SetAction(result =>
        {
            using var store = RocksDbChainStore.Open(result.GetValue(data)!.FullName);
            var height = RestoreGuard.BackupHeight(store);
            RestoreGuard.Release(store);
            result.InvocationConfiguration.Output.WriteLine(height is { } h
                ? string.Create(CultureInfo.InvariantCulture, $"released the restore guard of height {h}; the node signs from height {store.Head!.Height + 1}")
                : "no restore guard was set");
            return 0;
        });
        return command;
    }
}

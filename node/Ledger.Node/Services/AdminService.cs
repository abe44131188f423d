using Grpc.Core;
using Ledger.Core.Protocol;
using Ledger.Node.Backup;

namespace Ledger.Node.Services;

/// <summary>The operator's service on the loopback admin listener (D31): backups.</summary>
public sealed class AdminService(BackupMaker backups, AdminEndpoint endpoint) : Admin.AdminBase
{
    public override async Task Backup(BackupRequest request, IServerStreamWriter<BackupChunk> responseStream, ServerCallContext context)
    {
        endpoint.Require(context);
        await foreach (var chunk in Refusals(backups.StreamAsync(context.CancellationToken), context.CancellationToken))
        {
            await responseStream.WriteAsync(chunk, context.CancellationToken);
        }
    }

    /// <summary>A second backup at once, or a checkpoint that could not be made, reaches the caller as a status with the reason.</summary>
    private static async IAsyncEnumerable<BackupChunk> Refusals(IAsyncEnumerable<BackupChunk> chunks, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var enumerator = chunks.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await enumerator.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
            }

            yield return enumerator.Current;
        }
    }
}

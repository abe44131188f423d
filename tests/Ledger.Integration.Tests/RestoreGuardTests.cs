using System.CommandLine;
using Ledger.Cli;
using Ledger.Core.Protocol;
using Ledger.Node.Backup;
using Ledger.Storage;
using Ledger.Testing;

namespace Ledger.Integration.Tests;

/// <summary>
/// D31: a sole validator started on a restored backup refuses to sign (no peer can tell it what it
/// signed after the backup) and stops with the reason; after `ledger backup release --data DIR` it commits.
/// </summary>
public sealed class RestoreGuardTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ledger-restored-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Genesis _genesis;
    private readonly TestLedger _ledger = new();

    public RestoreGuardTests()
    {
        _genesis = _ledger.Genesis.Clone();
        _genesis.Validators.Clear();
        _genesis.Validators.Add(new Validator { ValidatorId = NodeProcess.ValidatorId, PublicKey = TestKeys.For(NodeProcess.ValidatorId).ToPublicKey(), Power = 1 });
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_restored_sole_validator_signs_only_after_the_operator_releases_the_guard()
    {
        var envelope = _ledger.Sign(TestLedger.Bureau, Bodies.FileMethodology("M-restored"));
        var exitCode = Environment.ExitCode;
        try
        {
            await using (var node = new InProcessNode(_directory, _genesis))
            {
                RestoreGuard.Mark(node.Store, node.Store.Head!.Height);
                Assert.Equal(RejectionCode.Unspecified, node.Mempool.Admit(envelope).Code);
                await node.Host.StartAsync(CancellationToken.None);
                await node.Lifetime.Stopped.WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Contains(node.Lines, l => l.Contains("was restored from a backup of height 0", StringComparison.Ordinal) && l.Contains("ledger backup release", StringComparison.Ordinal));
                Assert.Equal(0UL, node.Store.Head!.Height);
                await node.Host.StopAsync(CancellationToken.None);
            }

            Environment.ExitCode = exitCode;
            var output = new StringWriter();
            var parsed = new RootCommand { BackupCommand.Create() }.Parse(["backup", "release", "--data", _directory]);
            Assert.Equal(0, await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = new StringWriter() }));
            Assert.Contains("released the restore guard of height 0", output.ToString());

            await using (var node = new InProcessNode(_directory, _genesis))
            {
                Assert.Null(RestoreGuard.BackupHeight(node.Store));
                Assert.Equal(RejectionCode.Unspecified, node.Mempool.Admit(envelope).Code);
                await node.Host.StartAsync(CancellationToken.None);
                await node.Chain.NextCommit.WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(1UL, node.Store.Head!.Height);
                await node.Host.StopAsync(CancellationToken.None);
            }
        }
        finally
        {
            Environment.ExitCode = exitCode;
        }
    }
}

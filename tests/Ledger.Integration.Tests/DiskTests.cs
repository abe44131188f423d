using System.Diagnostics;
using Ledger.Cli;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;
using Xunit.Abstractions;

namespace Ledger.Integration.Tests;

/// <summary>
/// D31 on a real small disk: a solo node's data directory on an 8 MiB tmpfs. Filled up under load,
/// the node stops by itself (exit 74) with a "disk full: DIR" line, its directory verifies at the
/// last whole block, and it starts and commits again once space is freed. Started on the same disk
/// remounted read-only, it stops at once with a "read-only disk: DIR" line, and starts once the disk
/// is writable again. (A running node's disk cannot be remounted read-only under it: Linux refuses
/// while files are open for writing; that case is covered at the storage seam by StorageFaultTests.)
/// Needs root and mount; elsewhere the tests are skipped with the reason.
/// </summary>
public sealed class DiskTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StopWithin = TimeSpan.FromSeconds(120);

    [SkippableFact]
    public async Task A_full_disk_stops_the_node_cleanly_and_it_resumes_when_space_is_back()
    {
        await using var node = await NodeProcess.StartAsync(blockIntervalMs: 20);
        await using var disk = await SmallDisk.MoveUnder(node, output);
        var filler = Path.Combine(node.DataDirectory, "filler");
        disk.Fill(filler, leaveBytes: 768 * 1024);
        await node.StartAgainAsync();

        var submitted = await SubmitUntilExit(node);
        var exitCode = await node.WaitForExitAsync(StopWithin);
        output.WriteLine($"submitted {submitted}; exit {exitCode}");
        Assert.Equal(74, exitCode);
        Assert.Contains($"disk full: {Path.GetFullPath(node.DataDirectory)}", node.Log);
        output.WriteLine(node.Log.Split('\n').First(l => l.Contains("disk full: ", StringComparison.Ordinal)));
        Assert.DoesNotContain("Unhandled exception", node.Log);
        var stopped = await VerifyCommand.VerifyDataAsync(node.DataDirectory, node.Genesis);
        Assert.True(stopped.Verified, stopped.Problem);

        File.Delete(filler);
        await node.StartAgainAsync();
        await using var client = Participants.Client(node);
        var result = await client.SubmitAndWaitAsync(Transactions.FileMethodology("M-after-full", "After", MethodologyLevel.Local, "1", []), Participants.Bureau);
        Assert.True(result.IsCommitted);
        Assert.True((await client.GetStatusAsync()).Height > stopped.Heights);
        await node.StopAsync();
        var resumed = await VerifyCommand.VerifyDataAsync(node.DataDirectory, node.Genesis);
        Assert.True(resumed.Verified, resumed.Problem);
        output.WriteLine($"stopped at height {stopped.Heights}, resumed to {resumed.Heights}");
    }

    [SkippableFact]
    public async Task A_read_only_disk_stops_the_node_at_start_and_it_starts_once_writable()
    {
        await using var node = await NodeProcess.StartAsync(blockIntervalMs: 20);
        await using (var client = Participants.Client(node))
        {
            Assert.True((await client.SubmitAndWaitAsync(Transactions.FileMethodology("M-before-ro", "Before", MethodologyLevel.Local, "1", []), Participants.Bureau)).IsCommitted);
        }

        await using var disk = await SmallDisk.MoveUnder(node, output);
        disk.Remount("ro");
        await Assert.ThrowsAsync<InvalidOperationException>(node.StartAgainAsync);
        Assert.Equal(74, await node.WaitForExitAsync(StopWithin));
        Assert.Contains($"read-only disk: {Path.GetFullPath(node.DataDirectory)}", node.Log);
        output.WriteLine(node.Log.Split('\n').First(l => l.Contains("read-only disk: ", StringComparison.Ordinal)));
        Assert.DoesNotContain("Unhandled exception", node.Log);

        disk.Remount("rw");
        await node.StartAgainAsync();
        await using (var client = Participants.Client(node))
        {
            Assert.True((await client.SubmitAndWaitAsync(Transactions.FileMethodology("M-after-ro", "After", MethodologyLevel.Local, "1", []), Participants.Bureau)).IsCommitted);
        }

        await node.StopAsync();
        var outcome = await VerifyCommand.VerifyDataAsync(node.DataDirectory, node.Genesis);
        Assert.True(outcome.Verified, outcome.Problem);
    }

    /// <summary>Transactions from several clients until the node exits; returns how many were admitted.</summary>
    private static async Task<int> SubmitUntilExit(NodeProcess node)
    {
        var admitted = 0;
        var deadline = DateTime.UtcNow + StopWithin;
        await Parallel.ForEachAsync(Enumerable.Range(0, 4), async (worker, _) =>
        {
            await using var client = Participants.Client(node);
            for (var i = 0; DateTime.UtcNow < deadline; i++)
            {
                try
                {
                    // Long titles fill the disk sooner.
                    await client.SubmitAsync(Transactions.FileMethodology($"M-fill-{worker}-{i}", new string('x', 200), MethodologyLevel.Local, "1", []), Participants.Bureau);
                    Interlocked.Increment(ref admitted);
                }
                catch (Exception e) when (e is Ledger.Client.LedgerClientException or Grpc.Core.RpcException or HttpRequestException or IOException)
                {
                    return;
                }
            }
        });
        return admitted;
    }

    /// <summary>An 8 MiB tmpfs mounted on a stopped node's data directory, holding a copy of its data; unmounted on dispose.</summary>
    private sealed class SmallDisk : IAsyncDisposable
    {
        private readonly NodeProcess _node;
        private readonly string _saved;

        private SmallDisk(NodeProcess node, string saved)
        {
            _node = node;
            _saved = saved;
        }

        public static async Task<SmallDisk> MoveUnder(NodeProcess node, ITestOutputHelper output)
        {
            await node.StopAsync();
            var saved = node.DataDirectory + "-saved";
            Directory.Move(node.DataDirectory, saved);
            Directory.CreateDirectory(node.DataDirectory);
            var (mounted, reason) = Run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", node.DataDirectory);
            if (!mounted)
            {
                output.WriteLine($"skipped: cannot mount a tmpfs here ({reason})");
            }

            Skip.IfNot(mounted, $"cannot mount a tmpfs on {node.DataDirectory} (needs root and mount): {reason}");
            foreach (var file in Directory.GetFiles(saved))
            {
                File.Copy(file, Path.Combine(node.DataDirectory, Path.GetFileName(file)));
            }

            return new SmallDisk(node, saved);
        }

        /// <summary>Writes a file that leaves about leaveBytes free on the disk.</summary>
        public void Fill(string path, long leaveBytes)
        {
            var free = new DriveInfo(_node.DataDirectory).AvailableFreeSpace;
            var block = new byte[64 * 1024];
            using var file = File.Create(path);
            for (var written = 0L; written < free - leaveBytes; written += block.Length)
            {
                file.Write(block);
            }
        }

        public void Remount(string mode)
        {
            var (done, reason) = Run("mount", "-o", $"remount,{mode}", _node.DataDirectory);
            Assert.True(done, reason);
        }

        public async ValueTask DisposeAsync()
        {
            await _node.KillAsync();
            Run("umount", _node.DataDirectory);
            Directory.Delete(_saved, recursive: true);
        }

        private static (bool Done, string Reason) Run(string command, params string[] arguments)
        {
            try
            {
                var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
                foreach (var argument in arguments)
                {
                    start.ArgumentList.Add(argument);
                }

                using var process = Process.Start(start)!;
                var error = process.StandardError.ReadToEnd();
                process.WaitForExit();
                return (process.ExitCode == 0, error.Trim());
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                return (false, e.Message);
            }
        }
    }
}

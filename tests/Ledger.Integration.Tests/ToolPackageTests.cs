using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;

namespace Ledger.Integration.Tests;

/// <summary>The CLI packs as a dotnet tool, installs from the package, and runs as `ledger`.</summary>
public sealed class ToolPackageTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ledger-tool-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task The_cli_packs_installs_and_runs_as_a_dotnet_tool()
    {
        var repository = RepositoryRoot();
        var packages = Path.Combine(_root, "nupkg");
        var tools = Path.Combine(_root, "tools");

        // Release, without restoring again: the Debug build of this test run is not touched.
        await Run("dotnet", ["pack", Path.Combine(repository, "cli", "Ledger.Cli"), "--no-restore", "-c", "Release", "-o", packages]);
        var package = Assert.Single(Directory.GetFiles(packages, "Ordos.Ledger.Cli.*.nupkg"));
        await Run("dotnet", ["tool", "install", "Ordos.Ledger.Cli", "--tool-path", tools, "--add-source", packages]);

        var ledger = Path.Combine(tools, "ledger");
        var genesisFile = Path.Combine(repository, "network-config", "devnet", "genesis.json");
        var shown = JsonDocument.Parse(await Run(ledger, ["network", "show", "--genesis", genesisFile, "--json"])).RootElement;
        var genesis = JsonParser.Default.Parse<Genesis>(await File.ReadAllTextAsync(genesisFile));
        Assert.Equal(Convert.ToHexStringLower(GenesisHash.Compute(genesis)), shown.GetProperty("genesisHash").GetString());
        Assert.Contains(Path.GetFileNameWithoutExtension(package)["Ordos.Ledger.Cli.".Length..], await Run(ledger, ["--version"]), StringComparison.Ordinal);

        // The node the devnet command starts travels in the package.
        Assert.True(File.Exists(Directory.GetFiles(tools, "Ledger.Node.dll", SearchOption.AllDirectories).Single()));
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Ledger.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Ledger.sln not found above " + AppContext.BaseDirectory);
    }

    private static async Task<string> Run(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await errors}");
        return await output;
    }
}

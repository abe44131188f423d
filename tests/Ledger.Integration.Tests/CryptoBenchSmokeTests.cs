using Ledger.Cli;

namespace Ledger.Integration.Tests;

/// <summary>
/// bench/Ledger.Bench.Crypto starts and finishes: the verify-rate figures (for a fraction of a second),
/// and a small chain built without a node that `ledger verify --data` then verifies. No speed is asserted.
/// </summary>
public sealed class CryptoBenchSmokeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bench-crypto-").FullName;

    [Fact]
    public void The_verify_rates_run()
    {
        Assert.Equal(0, Ledger.Bench.Crypto.Program.Main(["--seconds", "0.05", "--keys", "1"]));
    }

    [Fact]
    public async Task A_built_chain_verifies()
    {
        var data = Path.Combine(_directory, "chain");
        Assert.Equal(0, Ledger.Bench.Crypto.Program.Main(["chain", data, "50", "7"]));
        var genesis = Google.Protobuf.JsonParser.Default.Parse<Ledger.Core.Protocol.Genesis>(File.ReadAllText(data + ".genesis.json"));

        var outcome = await VerifyCommand.VerifyDataAsync(data, genesis);

        Assert.True(outcome.Verified, outcome.Problem);
        Assert.Equal(8UL, outcome.Heights);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

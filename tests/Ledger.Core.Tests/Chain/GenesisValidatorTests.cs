using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Core.Tests.Chain;

public sealed class GenesisValidatorTests
{
    [Fact]
    public void The_test_genesis_is_valid()
    {
        Assert.Empty(GenesisValidator.Problems(new TestLedger().Genesis));
    }

    [Fact]
    public void Genesis_without_a_bureau_is_named_as_such()
    {
        var genesis = new TestLedger().Genesis.Clone();
        genesis.Participants.RemoveAt(0);
        Assert.Contains(GenesisValidator.Problems(genesis), p => p.Contains("BUREAU", StringComparison.Ordinal));
    }

    [Fact]
    public void Huge_total_power_is_a_named_problem_not_an_overflow()
    {
        var genesis = new TestLedger().Genesis.Clone();
        for (var i = 0; i < 20; i++)
        {
            genesis.Validators.Add(new Validator { ValidatorId = $"v-{i}", PublicKey = TestKeys.For($"v-{i}").ToPublicKey(), Power = ValidatorSet.TotalPowerMax });
        }

        Assert.Contains(GenesisValidator.Problems(genesis), p => p.Contains("total power", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_named()
    {
        var genesis = new TestLedger().Genesis.Clone();
        genesis.ChainId = "";
        genesis.HashAlgorithm = HashAlgorithm.Unspecified;
        genesis.Participants.Add(genesis.Participants[0].Clone());
        genesis.Participants[1].PublicKey = null;
        var problems = GenesisValidator.Problems(genesis);
        Assert.Contains(problems, p => p.Contains("chain_id", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("hash_algorithm", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("appears twice", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("no valid public key", StringComparison.Ordinal));
    }
}

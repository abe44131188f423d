using Ledger.Core.Chain;
using Ledger.Core.Execution;
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

    [Theory]
    [InlineData(4u, null, false, "notice_working_days below 5")]
    [InlineData(null, 0u, false, "review_opinions_required of 0")]
    [InlineData(61u, null, true, "notice_working_days must be at most 60")]
    [InlineData(null, 16u, true, "review_opinions_required must be at most 15")]
    public void Rules_below_the_measures_need_a_development_network(uint? noticeDays, uint? opinions, bool development, string problem)
    {
        var genesis = new TestLedger().Genesis.Clone();
        genesis.Rules = new GenesisRules { DevelopmentRules = development };
        if (noticeDays is { } days)
        {
            genesis.Rules.NoticeWorkingDays = days;
        }

        if (opinions is { } count)
        {
            genesis.Rules.ReviewOpinionsRequired = count;
        }

        Assert.Contains(GenesisValidator.Problems(genesis), p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void The_measures_rules_and_the_development_rules_are_valid()
    {
        var measures = new TestLedger(rules: TestLedger.MeasuresRules).Genesis;
        Assert.Empty(GenesisValidator.Problems(measures));
        Assert.Equal(new LedgerRules(5, 3, false), ChainParameters.FromGenesis(measures).Rules);
        Assert.Equal(new LedgerRules(0, 1, true), ChainParameters.FromGenesis(new TestLedger().Genesis).Rules);
        var noRules = measures.Clone();
        noRules.Rules = null;
        Assert.Equal(LedgerRules.Measures, ChainParameters.FromGenesis(noRules).Rules);
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
        genesis.GenesisTimeMs = -1;
        var problems = GenesisValidator.Problems(genesis);
        Assert.Contains(problems, p => p.Contains("chain_id", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("hash_algorithm", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("appears twice", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("no valid public key", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("genesis_time_ms", StringComparison.Ordinal));
    }
}

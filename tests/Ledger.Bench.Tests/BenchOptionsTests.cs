namespace Ledger.Bench.Tests;

/// <summary>D56: the transfers command's --node option, node settings for every node of a run.</summary>
public sealed class BenchOptionsTests
{
    [Fact]
    public void Node_settings_are_name_integer_pairs_and_absent_means_none()
    {
        Assert.Empty(BenchOptions.Parse([]).NodeSettings("node"));
        var settings = BenchOptions.Parse(["--node", "BlockBuildMsMax=150, BlockTransactionsMax=2000"]).NodeSettings("node");
        Assert.Equal(new Dictionary<string, int> { ["BlockBuildMsMax"] = 150, ["BlockTransactionsMax"] = 2000 }, settings);
    }

    [Theory]
    [InlineData("BlockBuildMsMax")]
    [InlineData("BlockBuildMsMax=")]
    [InlineData("BlockBuildMsMax=fast")]
    [InlineData("BlockBuildMsMax=1.5")]
    [InlineData("=150")]
    [InlineData("Block.Build=150")]
    [InlineData("BlockBuildMsMax=150,,TimeoutProposeMs=900")]
    [InlineData("BlockBuildMsMax=150,BlockBuildMsMax=200")]
    public void A_malformed_node_setting_is_refused_with_its_text(string text)
    {
        var refused = Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--node", text]).NodeSettings("node"));
        Assert.Contains("--node", refused.Message, StringComparison.Ordinal);
    }
}

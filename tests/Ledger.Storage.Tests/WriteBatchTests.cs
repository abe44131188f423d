using Ledger.Core;
using RocksDbSharp;

namespace Ledger.Storage.Tests;

/// <summary>A commit's native write batch is freed on every path, also when an invariant fails half-way through filling it.</summary>
public sealed class WriteBatchTests
{
    [Fact]
    public void A_batch_whose_filling_breaks_an_invariant_is_freed_before_the_failure_goes_on()
    {
        WriteBatch? filled = null;

        var failure = Assert.Throws<InvariantViolationException>(() => RocksDbChainStore.Filled(batch =>
        {
            filled = batch;
            batch.Put([1], [2]);
            Invariant.Require(false, "a state key is 1..StateKeyBytesMax bytes");
        }));

        Assert.Contains("StateKeyBytesMax", failure.Message, StringComparison.Ordinal);
        Assert.NotNull(filled);
        Assert.Equal(IntPtr.Zero, filled!.Handle);
    }

    [Fact]
    public void A_batch_filled_without_failure_is_handed_on_open()
    {
        using var batch = RocksDbChainStore.Filled(batch => batch.Put([1], [2]));

        Assert.NotEqual(IntPtr.Zero, batch.Handle);
        Assert.Equal(1, batch.Count());
    }
}

using Ledger.Core.State;

namespace Ledger.Storage.Tests;

public static class StoreAssert
{
    /// <summary>Every entry of both, hex-encoded, in order: equal means equal byte for byte, in the same key order.</summary>
    public static void SameEntries(IEnumerable<KeyValuePair<byte[], byte[]>> expected, IEnumerable<KeyValuePair<byte[], byte[]>> actual) =>
        Assert.Equal(Hex(expected), Hex(actual));

    public static List<string> Hex(IEnumerable<KeyValuePair<byte[], byte[]>> entries) =>
        entries.Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value)).ToList();

    public static List<string> AllState(RocksDbChainStore store) => Hex(store.Scan([]));

    public static List<string> AllState(InMemoryState state) => Hex(state.Entries);
}

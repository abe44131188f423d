using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Core.Tests.Chain;

public sealed class MerkleTreeTests
{
    private static readonly INetworkHash Hash = NetworkHashes.For(HashAlgorithm.Sha256);

    [Fact]
    public void Empty_list_has_the_hash_of_nothing_as_root()
    {
        Assert.Equal(Hash.Hash([]), MerkleTree.Root(Hash, []));
    }

    [Fact]
    public void Duplicating_the_last_item_changes_the_root()
    {
        // The weakness of duplicate-last trees (CVE-2012-2459) does not exist here.
        byte[][] three = [[1], [2], [3]];
        byte[][] four = [[1], [2], [3], [3]];
        Assert.NotEqual(MerkleTree.Root(Hash, three), MerkleTree.Root(Hash, four));
    }

    [Property(MaxTest = 200)]
    public bool Every_item_proves_its_inclusion(NonEmptyArray<byte[]> items, int pick)
    {
        var list = items.Get.Select(i => i ?? []).ToList();
        var index = Math.Abs(pick % list.Count);
        var root = MerkleTree.Root(Hash, list);
        var path = MerkleTree.Path(Hash, list, index);
        return MerkleTree.RootFromPath(Hash, list[index], index, list.Count, path)!.AsSpan().SequenceEqual(root);
    }

    [Property(MaxTest = 200)]
    public bool A_proof_for_another_index_or_item_fails(NonEmptyArray<byte[]> items, int pick)
    {
        var list = items.Get.Select(i => i ?? []).ToList();
        var index = Math.Abs(pick % list.Count);
        var root = MerkleTree.Root(Hash, list);
        var path = MerkleTree.Path(Hash, list, index);
        var otherItem = list[index].Append((byte)0x5A).ToArray();
        var wrongItem = MerkleTree.RootFromPath(Hash, otherItem, index, list.Count, path);
        var wrongIndex = list.Count > 1 && !list.All(i => i.AsSpan().SequenceEqual(list[index]))
            ? MerkleTree.RootFromPath(Hash, list[index], (index + 1) % list.Count, list.Count, path)
            : null;
        return (wrongItem is null || !wrongItem.AsSpan().SequenceEqual(root))
            && (wrongIndex is null || !wrongIndex.AsSpan().SequenceEqual(root) || list[(index + 1) % list.Count].AsSpan().SequenceEqual(list[index]));
    }
}

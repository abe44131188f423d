using Ledger.Core.Crypto;

namespace Ledger.Core.Chain;

/// <summary>
/// The binary Merkle tree of RFC 6962 §2.1 over the network hash: leaf = H(0x00 ‖ item),
/// node = H(0x01 ‖ left ‖ right), split at the largest power of two below n. Unlike a tree that
/// duplicates the last node, two different lists never share a root.
/// </summary>
public static class MerkleTree
{
    private const byte LeafPrefix = 0x00;
    private const byte NodePrefix = 0x01;

    public static byte[] Root(INetworkHash hash, IReadOnlyList<byte[]> items) =>
        items.Count == 0 ? hash.Hash([]) : Subtree(hash, items, 0, items.Count);

    /// <summary>The audit path of item index: sibling hashes from the leaf up (RFC 6962 §2.1.1).</summary>
    public static IReadOnlyList<byte[]> Path(INetworkHash hash, IReadOnlyList<byte[]> items, int index)
    {
        Invariant.Require(index >= 0 && index < items.Count, "the proven item is in the list");
        var path = new List<byte[]>();
        CollectPath(hash, items, index, 0, items.Count, path);
        return path;
    }

    /// <summary>Recomputes the root from one item, its index, the list size and its audit path.</summary>
    public static byte[]? RootFromPath(INetworkHash hash, byte[] item, int index, int count, IReadOnlyList<byte[]> path)
    {
        if (index < 0 || index >= count)
        {
            return null;
        }

        var used = 0;
        var root = FoldPath(hash, Leaf(hash, item), index, 0, count, path, ref used);
        return root is not null && used == path.Count ? root : null;
    }

    public static byte[] Leaf(INetworkHash hash, ReadOnlySpan<byte> item) => hash.Hash([LeafPrefix], item);

    /// <summary>Nodes join two hashes: on the stack, unless a caller's path holds something longer.</summary>
    private const int NodeOnStackBytesMax = 256;

    private static byte[] Node(INetworkHash hash, byte[] left, byte[] right)
    {
        var length = 1 + left.Length + right.Length;
        var joined = length <= NodeOnStackBytesMax ? stackalloc byte[NodeOnStackBytesMax] : new byte[length];
        joined = joined[..length];
        joined[0] = NodePrefix;
        left.CopyTo(joined[1..]);
        right.CopyTo(joined[(1 + left.Length)..]);
        return hash.Hash(joined);
    }

    private static byte[] Subtree(INetworkHash hash, IReadOnlyList<byte[]> items, int start, int count)
    {
        if (count == 1)
        {
            return Leaf(hash, items[start]);
        }

        var split = SplitPoint(count);
        return Node(hash, Subtree(hash, items, start, split), Subtree(hash, items, start + split, count - split));
    }

    private static void CollectPath(INetworkHash hash, IReadOnlyList<byte[]> items, int index, int start, int count, List<byte[]> path)
    {
        if (count == 1)
        {
            return;
        }

        var split = SplitPoint(count);
        if (index < start + split)
        {
            CollectPath(hash, items, index, start, split, path);
            path.Add(Subtree(hash, items, start + split, count - split));
        }
        else
        {
            CollectPath(hash, items, index, start + split, count - split, path);
            path.Add(Subtree(hash, items, start, split));
        }
    }

    private static byte[]? FoldPath(INetworkHash hash, byte[] leaf, int index, int start, int count, IReadOnlyList<byte[]> path, ref int used)
    {
        if (count == 1)
        {
            return leaf;
        }

        var split = SplitPoint(count);
        var inLeft = index < start + split;
        var below = inLeft
            ? FoldPath(hash, leaf, index, start, split, path, ref used)
            : FoldPath(hash, leaf, index, start + split, count - split, path, ref used);
        if (below is null || used >= path.Count)
        {
            return null;
        }

        var sibling = path[used++];
        return inLeft ? Node(hash, below, sibling) : Node(hash, sibling, below);
    }

    /// <summary>The largest power of two strictly less than count.</summary>
    private static int SplitPoint(int count)
    {
        var split = 1;
        while (split * 2 < count)
        {
            split *= 2;
        }

        return split;
    }
}

namespace Quorum.Store.Native;

/// <content>The tree's invariants, checked by tests.</content>
internal sealed partial class SortedKeyMap<TValue>
{
    /// <summary>Checks the tree's invariants; for tests.</summary>
    /// <returns>The height of the tree (0 when empty).</returns>
    /// <exception cref="InvalidOperationException">An invariant does not hold.</exception>
    internal int Validate()
    {
        if (root is null)
            return Count == 0 && Bytes == 0 ? 0 : throw new InvalidOperationException("An empty tree has a count or bytes.");
        if (root is Branch { Count: < 2 })
            throw new InvalidOperationException("The root branch has fewer than two children.");

        var counted = 0L;
        var height = Check(root, null, null, isRoot: true, ref counted);
        if (Enumerate().Sum(static e => e.Item.DataLength) != Bytes)
            throw new InvalidOperationException("The byte count is wrong.");
        return counted == Count ? height : throw new InvalidOperationException("The count is wrong.");

        static int Check(Node node, byte[]? lower, byte[]? upper, bool isRoot, ref long counted)
        {
            if (node.Count > Capacity || node.Count < 1 || (!isRoot && node.Count < MinFill))
                throw new InvalidOperationException($"A node holds {node.Count} items.");

            if (node is Leaf leaf)
            {
                for (var i = 0; i < leaf.Count; i++)
                {
                    var key = leaf.Slots[i].Entry.Key;
                    if ((i > 0 && Compare(leaf.Slots[i - 1].Entry.Key, key) >= 0) || !Within(key, lower, upper))
                        throw new InvalidOperationException("Keys are out of order.");
                }

                for (var i = leaf.Count; i < Capacity; i++)
                {
                    if (!leaf.Slots[i].Entry.IsEmpty)
                        throw new InvalidOperationException("A free slot still holds an entry.");
                }

                counted += leaf.Count;
                return 1;
            }

            var branch = (Branch)node;
            if (!branch.IsIndexed())
                throw new InvalidOperationException("A branch's search index does not match its separators.");

            var height = -1;
            for (var i = 0; i < branch.Count; i++)
            {
                var low = i == 0 ? lower : branch.Keys[i];
                var high = i + 1 < branch.Count ? branch.Keys[i + 1] : upper;
                if (low is not null && (!Within(low, lower, upper) || (high is not null && Compare(low, high) >= 0)))
                    throw new InvalidOperationException("Separators are out of order.");

                var childHeight = Check(branch.Children[i]!, low, high, isRoot: false, ref counted);
                if (height >= 0 && childHeight != height)
                    throw new InvalidOperationException("Leaves are at different depths.");
                height = childHeight;
            }

            return height + 1;
        }

        static bool Within(ReadOnlySpan<byte> key, byte[]? lower, byte[]? upper)
            => (lower is null || Compare(key, lower) >= 0) && (upper is null || Compare(key, upper) < 0);
    }
}

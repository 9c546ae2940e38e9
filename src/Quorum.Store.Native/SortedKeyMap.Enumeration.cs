namespace Quorum.Store.Native;

/// <content>Ordered scans from any key.</content>
internal sealed partial class SortedKeyMap<TValue>
{
    /// <summary>Enumerates the entries in key order, starting at the first key not less than <paramref name="start"/>.</summary>
    /// <param name="start">Where to start; empty starts at the first key.</param>
    /// <returns>The entries, lazily.</returns>
    public IEnumerable<Entry> EnumerateFrom(byte[] start)
    {
        ArgumentNullException.ThrowIfNull(start);
        if (root is null)
            yield break;

        // The path holds each branch above the current leaf and which of its children we are in.
        var path = new Stack<(Branch Branch, int Index)>();
        var node = root;
        while (node is Branch branch)
        {
            var index = branch.ChildIndex(start);
            path.Push((branch, index));
            node = branch.Children[index]!;
        }

        var leaf = (Leaf)node;
        var position = leaf.LowerBound(start, out _);
        while (true)
        {
            for (; position < leaf.Count; position++)
            {
                var slot = leaf.Slots[position];
                yield return new(slot.Entry, slot.Value);
            }

            Node? next = null;
            while (next is null && path.TryPop(out var frame))
            {
                if (frame.Index + 1 < frame.Branch.Count)
                {
                    path.Push((frame.Branch, frame.Index + 1));
                    next = frame.Branch.Children[frame.Index + 1]!;
                }
            }

            if (next is null)
                yield break;

            while (next is Branch branch)
            {
                path.Push((branch, 0));
                next = branch.Children[0]!;
            }

            leaf = (Leaf)next;
            position = 0;
        }
    }

    /// <summary>Enumerates all entries in key order.</summary>
    /// <returns>The entries, lazily.</returns>
    public IEnumerable<Entry> Enumerate() => EnumerateFrom([]);


    /// <summary>One entry of the map, as enumerated; its key and payload are valid only while the entry is (see <see cref="EntryReclaimer"/>).</summary>
    /// <param name="Item">The key with its payload.</param>
    /// <param name="Value">The value.</param>
    public readonly record struct Entry(KeyWithPayload Item, TValue Value)
    {
        /// <summary>Gets the key.</summary>
        public ReadOnlySpan<byte> Key => Item.Key;

        /// <summary>Gets the key's payload (empty when it has none).</summary>
        public ReadOnlySpan<byte> Payload => Item.Payload;
    }
}

namespace Quorum.Store.Native;

/// <content>Tree nodes, and the leaves that hold the entries.</content>
internal sealed partial class SortedKeyMap<TValue>
{
    /// <summary>A leaf slot: an entry and its value.</summary>
    /// <param name="Entry">The key with its payload.</param>
    /// <param name="Value">The value.</param>
    internal readonly record struct Slot(KeyWithPayload Entry, TValue Value);

    /// <summary>A tree node; mutable only while it belongs to the builder that created or copied it.</summary>
    /// <param name="owner">The builder's token, or <see langword="null"/> for a node nobody may change.</param>
    internal abstract class Node(object? owner)
    {
        /// <summary>Gets the token of the builder that may change this node.</summary>
        public object? Owner { get; } = owner;

        /// <summary>Gets or sets how many entries (leaf) or children (branch) the node has.</summary>
        public int Count { get; set; }

        /// <summary>Copies the node for a builder.</summary>
        /// <param name="newOwner">The builder's token.</param>
        /// <returns>The copy.</returns>
        public abstract Node CopyFor(object newOwner);
    }

    /// <summary>A leaf: entries in key order.</summary>
    /// <param name="owner">The builder's token, or <see langword="null"/>.</param>
    internal sealed class Leaf(object? owner) : Node(owner)
    {
        /// <summary>Gets the slots; those at and after <see cref="Node.Count"/> are empty.</summary>
        public Slot[] Slots { get; } = new Slot[Capacity];

        /// <inheritdoc/>
        public override Node CopyFor(object newOwner)
        {
            var copy = new Leaf(newOwner) { Count = Count };
            Array.Copy(Slots, copy.Slots, Count);
            return copy;
        }

        /// <summary>Finds where a key is, or where it would go.</summary>
        /// <param name="key">The key.</param>
        /// <param name="found">Receives whether the key is there.</param>
        /// <returns>The position of the first entry not less than the key.</returns>
        public int LowerBound(ReadOnlySpan<byte> key, out bool found)
        {
            int low = 0, high = Count - 1;
            while (low <= high)
            {
                var middle = (low + high) >>> 1;
                var order = Compare(Slots[middle].Entry.Key, key);
                if (order == 0)
                {
                    found = true;
                    return middle;
                }

                if (order < 0)
                    low = middle + 1;
                else
                    high = middle - 1;
            }

            found = false;
            return low;
        }

        /// <summary>Inserts a slot; there must be room.</summary>
        /// <param name="position">Where.</param>
        /// <param name="slot">The slot.</param>
        public void Insert(int position, Slot slot)
        {
            Array.Copy(Slots, position, Slots, position + 1, Count - position);
            Slots[position] = slot;
            Count++;
        }

        /// <summary>Inserts slots at the front; there must be room.</summary>
        /// <param name="slots">The slots.</param>
        public void InsertFront(ReadOnlySpan<Slot> slots)
        {
            Array.Copy(Slots, 0, Slots, slots.Length, Count);
            slots.CopyTo(Slots);
            Count += slots.Length;
        }

        /// <summary>Removes a slot.</summary>
        /// <param name="position">Where.</param>
        public void RemoveAt(int position)
        {
            Array.Copy(Slots, position + 1, Slots, position, Count - position - 1);
            Slots[--Count] = default;
        }

        /// <summary>Removes slots from the front.</summary>
        /// <param name="howMany">How many.</param>
        public void RemoveFront(int howMany)
        {
            Array.Copy(Slots, howMany, Slots, 0, Count - howMany);
            Array.Clear(Slots, Count - howMany, howMany);
            Count -= howMany;
        }

        /// <summary>Moves the entries after the first <paramref name="keep"/> into a new leaf.</summary>
        /// <param name="newOwner">The builder's token for the new leaf.</param>
        /// <param name="keep">How many entries this leaf keeps.</param>
        /// <returns>The new leaf.</returns>
        public Leaf Split(object newOwner, int keep)
        {
            var right = new Leaf(newOwner) { Count = Count - keep };
            Array.Copy(Slots, keep, right.Slots, 0, right.Count);
            Array.Clear(Slots, keep, right.Count);
            Count = keep;
            return right;
        }
    }
}

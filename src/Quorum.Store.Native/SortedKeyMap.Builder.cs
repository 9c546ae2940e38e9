namespace Quorum.Store.Native;

/// <content>The builder: many updates, one new map.</content>
internal sealed partial class SortedKeyMap<TValue>
{
    /// <summary>
    /// Applies many updates and yields one new map. Nodes the builder creates belong to it and are
    /// changed in place by later updates until it next hands out a map; every other node is copied
    /// before it changes, so maps already handed out never change. Not thread-safe.
    /// </summary>
    public sealed class Builder
    {
        private readonly EntryReclaimer? reclaimer;
        private Node? root;
        private long count;
        private long bytes;
        private object owner = new();

        internal Builder(Node? root, long count, long bytes, EntryReclaimer? reclaimer)
        {
            this.root = root;
            this.count = count;
            this.bytes = bytes;
            this.reclaimer = reclaimer;
        }

        /// <summary>Sets a key with no payload.</summary>
        /// <param name="key">The key; it is copied.</param>
        /// <param name="value">The value.</param>
        public void Set(byte[] key, TValue value)
        {
            ArgumentNullException.ThrowIfNull(key);
            Set(KeyWithPayload.Create(key, []), value);
        }

        /// <summary>Sets a key and its payload.</summary>
        /// <param name="entry">The key and its payload; the map owns the block from here on.</param>
        /// <param name="value">The value.</param>
        public void Set(KeyWithPayload entry, TValue value)
        {
            if (entry.IsEmpty)
                throw new ArgumentException("The entry has no block.", nameof(entry));
            if (root is null)
            {
                var leaf = new Leaf(owner);
                leaf.Insert(0, new Slot(entry, value));
                root = leaf;
                count = 1;
                bytes = entry.DataLength;
                return;
            }

            var added = false;
            var mine = Own(root);
            var right = Insert(mine, new Slot(entry, value), ref added, out var separator);
            if (right is not null)
            {
                // The root split: the tree grows a level.
                var newRoot = new Branch(owner) { Count = 2 };
                newRoot.Children[0] = mine;
                newRoot.Children[1] = right;
                newRoot.Keys[1] = separator;
                newRoot.Reindex();
                mine = newRoot;
            }

            root = mine;
            bytes += entry.DataLength;
            if (added)
                count++;
        }

        /// <summary>Looks a key up in the map as the builder has it now.</summary>
        /// <param name="key">The key.</param>
        /// <param name="value">The value, when the key is present.</param>
        /// <param name="payload">The key's payload, when the key is present.</param>
        /// <returns><see langword="true"/> when the key is present.</returns>
        public bool TryGetValue(ReadOnlySpan<byte> key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TValue value, out ReadOnlySpan<byte> payload)
            => TryFind(root, key, out value, out payload);

        /// <summary>Hands every entry of the map as the builder has it to the reclaimer: the whole state is being replaced.</summary>
        public void RetireAll()
        {
            if (reclaimer is null)
                return;
            foreach (var entry in new SortedKeyMap<TValue>(root, count, bytes).Enumerate())
                reclaimer.Retire(entry.Item);
        }

        /// <summary>Removes a key.</summary>
        /// <param name="key">The key.</param>
        /// <returns><see langword="true"/> when the key was present.</returns>
        public bool Remove(ReadOnlySpan<byte> key)
        {
            // Look first, so that removing an absent key copies nothing.
            if (Find(root, key) is not { } found)
                return false;

            bytes -= found.Entry.DataLength;

            var mine = Own(root!);
            Delete(mine, key);
            Node? newRoot = mine;
            while (newRoot is Branch { Count: 1 } only)
                newRoot = only.Children[0]!;
            if (newRoot is Leaf { Count: 0 })
                newRoot = null;

            root = newRoot;
            count--;
            return true;
        }

        /// <summary>Yields the map as it stands; later updates through this builder copy again.</summary>
        /// <returns>The map.</returns>
        public SortedKeyMap<TValue> ToImmutable()
        {
            owner = new object();
            return new SortedKeyMap<TValue>(root, count, bytes);
        }

        private Node Own(Node node) => ReferenceEquals(node.Owner, owner) ? node : node.CopyFor(owner);

        // Inserts into an owned node; returns the new right sibling (and its lowest key) when the node split.
        private Node? Insert(Node node, Slot slot, ref bool added, out byte[] separator)
        {
            separator = [];
            if (node is Leaf leaf)
            {
                var position = leaf.LowerBound(slot.Entry.Key, out var found);
                if (found)
                {
                    bytes -= leaf.Slots[position].Entry.DataLength;
                    reclaimer?.Retire(leaf.Slots[position].Entry);
                    leaf.Slots[position] = slot;
                    return null;
                }

                added = true;
                if (leaf.Count < Capacity)
                {
                    leaf.Insert(position, slot);
                    return null;
                }

                // A key going to the end of a full leaf is usually the next of an ascending run (a
                // loader, or keys named by time or sequence): leave the left leaf three quarters
                // full rather than half, as the run will not come back to it.
                var rightLeaf = leaf.Split(owner, position == Capacity ? Capacity - MinFill : Capacity / 2);
                if (position <= leaf.Count)
                    leaf.Insert(position, slot);
                else
                    rightLeaf.Insert(position - leaf.Count, slot);
                separator = rightLeaf.Slots[0].Entry.Key.ToArray();
                return rightLeaf;
            }

            var branch = (Branch)node;
            var index = branch.ChildIndex(slot.Entry.Key);
            var child = Own(branch.Children[index]!);
            branch.Children[index] = child;
            var newChild = Insert(child, slot, ref added, out var childSeparator);
            if (newChild is null)
                return null;

            if (branch.Count < Capacity)
            {
                branch.Insert(index + 1, childSeparator, newChild);
                return null;
            }

            var rightBranch = branch.Split(owner, out separator);
            if (index + 1 <= branch.Count)
                branch.Insert(index + 1, childSeparator, newChild);
            else
                rightBranch.Insert(index + 1 - branch.Count, childSeparator, newChild);
            return rightBranch;
        }

        // Deletes a key known to be present from an owned node.
        private void Delete(Node node, ReadOnlySpan<byte> key)
        {
            if (node is Leaf leaf)
            {
                var position = leaf.LowerBound(key, out _);
                reclaimer?.Retire(leaf.Slots[position].Entry);
                leaf.RemoveAt(position);
                return;
            }

            var branch = (Branch)node;
            var index = branch.ChildIndex(key);
            var child = Own(branch.Children[index]!);
            branch.Children[index] = child;
            Delete(child, key);
            if (child.Count < MinFill && branch.Count > 1)
                Rebalance(branch, index);
        }

        // Child `index` of an owned branch is under-full: merge it with a neighbour, or even the two out.
        private void Rebalance(Branch branch, int index)
        {
            var leftIndex = index > 0 ? index - 1 : index;
            var rightIndex = leftIndex + 1;
            var left = Own(branch.Children[leftIndex]!);
            branch.Children[leftIndex] = left;
            var right = branch.Children[rightIndex]!;

            if (left.Count + right.Count <= Capacity)
            {
                // The right node's items move into the left one; the right one leaves the tree as it is.
                if (left is Leaf leftLeaf)
                {
                    var rightLeaf = (Leaf)right;
                    Array.Copy(rightLeaf.Slots, 0, leftLeaf.Slots, leftLeaf.Count, rightLeaf.Count);
                    leftLeaf.Count += rightLeaf.Count;
                }
                else
                {
                    var (leftBranch, rightBranch) = ((Branch)left, (Branch)right);
                    var at = leftBranch.Count;
                    Array.Copy(rightBranch.Children, 0, leftBranch.Children, at, rightBranch.Count);
                    Array.Copy(rightBranch.Keys, 1, leftBranch.Keys, at + 1, rightBranch.Count - 1);
                    leftBranch.Keys[at] = branch.Keys[rightIndex];
                    leftBranch.Count += rightBranch.Count;
                    leftBranch.Reindex();
                }

                branch.RemoveAt(rightIndex);
                return;
            }

            right = Own(right);
            branch.Children[rightIndex] = right;
            var target = (left.Count + right.Count) / 2;
            if (left is Leaf l)
            {
                var r = (Leaf)right;
                if (l.Count < target)
                {
                    var moving = target - l.Count;
                    Array.Copy(r.Slots, 0, l.Slots, l.Count, moving);
                    l.Count += moving;
                    r.RemoveFront(moving);
                }
                else
                {
                    var moving = l.Count - target;
                    r.InsertFront(l.Slots.AsSpan(target, moving));
                    Array.Clear(l.Slots, target, moving);
                    l.Count = target;
                }

                branch.Keys[rightIndex] = r.Slots[0].Entry.Key.ToArray();
            }
            else
            {
                branch.Keys[rightIndex] = Branch.Redistribute((Branch)left, (Branch)right, branch.Keys[rightIndex]!, target);
            }

            branch.Reindex();
        }
    }
}

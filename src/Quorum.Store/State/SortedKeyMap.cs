using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Quorum.Store.State;

/// <summary>
/// An immutable map from byte-string keys to values, ordered by the unsigned byte order of the keys.
/// Each key may carry a payload of bytes stored in the same native block as the key itself
/// (<see cref="KeyWithPayload"/>); a builder given an <see cref="EntryReclaimer"/> hands it every block it drops.
/// </summary>
/// <remarks>
/// <para>
/// A persistent B+tree: leaves hold up to <see cref="Capacity"/> entries side by side, branches up
/// to <see cref="Capacity"/> children. Every update returns a new map that shares all untouched nodes
/// with the old one (path copying). That is what lets readers, and a snapshot being written in the
/// background, keep a consistent version of the whole store while the state machine goes on applying
/// writes, without locks. Many updates at once go through a <see cref="Builder"/>, which copies each
/// node at most once until it next hands out a version.
/// </para>
/// <para>
/// Wide nodes rather than a binary tree because of what a million keys cost: a binary node per key
/// is 64 bytes and twenty levels of pointer chasing, each level a cache miss for the node and another
/// for its key, and a million objects for the garbage collector to mark. A leaf slot is 16 bytes
/// (the entry's block and the value), a lookup walks four or five nodes, and the collector sees one
/// object per few dozen keys (the entries are not its to see).
/// </para>
/// <para>
/// Lookups and updates cost O(log n); an ordered scan from any key starts in O(log n), so listing a
/// prefix never walks the keys before it.
/// </para>
/// </remarks>
/// <typeparam name="TValue">The type of the values.</typeparam>
internal sealed class SortedKeyMap<TValue>
{
    /// <summary>The most entries a leaf holds, and the most children a branch has.</summary>
    internal const int Capacity = 32;

    // A node other than the root with fewer than this is merged with or refilled from a sibling.
    private const int MinFill = Capacity / 4;

    // How full a bulk-built node is: room to grow before the first splits.
    private const int BulkFill = Capacity * 3 / 4;

    private readonly Node? root;

    private SortedKeyMap(Node? root, long count)
    {
        this.root = root;
        Count = count;
    }

    /// <summary>Gets the empty map.</summary>
    public static SortedKeyMap<TValue> Empty { get; } = new(null, 0);

    /// <summary>Gets the number of keys in the map.</summary>
    public long Count { get; }

    /// <summary>Builds a map from keys already sorted, with no duplicates and no payloads, in O(n).</summary>
    /// <remarks>The entries' blocks are never freed: for tests and small maps that live as long as the process.</remarks>
    /// <param name="keys">The keys, in strictly ascending order.</param>
    /// <param name="values">The values, one per key.</param>
    /// <returns>The map.</returns>
    /// <exception cref="ArgumentException">The keys are not strictly ascending.</exception>
    public static SortedKeyMap<TValue> FromSorted(IReadOnlyList<byte[]> keys, IReadOnlyList<TValue> values)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return FromSorted(keys.Select(static k => KeyWithPayload.Create(k, [])).ToList(), values);
    }

    /// <summary>Builds a map from entries already sorted by key, with no duplicates, in O(n).</summary>
    /// <param name="entries">The keys with their payloads, in strictly ascending order of key; the map keeps the blocks.</param>
    /// <param name="values">The values, one per key.</param>
    /// <returns>The map.</returns>
    /// <exception cref="ArgumentException">The keys are not strictly ascending.</exception>
    public static SortedKeyMap<TValue> FromSorted(IReadOnlyList<KeyWithPayload> entries, IReadOnlyList<TValue> values)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(values);
        if (entries.Count != values.Count)
            throw new ArgumentException("There must be one value per key.", nameof(values));

        for (var i = 1; i < entries.Count; i++)
        {
            if (Compare(entries[i - 1].Key, entries[i].Key) >= 0)
                throw new ArgumentException("Keys must be in strictly ascending order.", nameof(entries));
        }

        if (entries.Count == 0)
            return Empty;

        // Leaves first, then each level of branches over the one below, every node about
        // BulkFill full and none much emptier than the others.
        var total = entries.Count;
        var level = new List<Node>();
        var lowKeys = new List<byte[]>();
        var leafCount = (total + BulkFill - 1) / BulkFill;
        for (var i = 0; i < leafCount; i++)
        {
            var start = (int)((long)i * total / leafCount);
            var end = (int)((long)(i + 1) * total / leafCount);
            var leaf = new Leaf(owner: null);
            for (var j = start; j < end; j++)
                leaf.Slots[j - start] = new Slot(entries[j], values[j]);
            leaf.Count = end - start;
            level.Add(leaf);
            lowKeys.Add(entries[start].Key.ToArray());
        }

        while (level.Count > 1)
        {
            var below = level;
            var belowLows = lowKeys;
            level = [];
            lowKeys = [];
            var branchCount = (below.Count + BulkFill - 1) / BulkFill;
            for (var i = 0; i < branchCount; i++)
            {
                var start = (int)((long)i * below.Count / branchCount);
                var end = (int)((long)(i + 1) * below.Count / branchCount);
                var branch = new Branch(owner: null);
                for (var j = start; j < end; j++)
                {
                    branch.Children[j - start] = below[j];
                    if (j > start)
                        branch.Keys[j - start] = belowLows[j];
                }

                branch.Count = end - start;
                branch.Reindex();
                level.Add(branch);
                lowKeys.Add(belowLows[start]);
            }
        }

        return new(level[0], total);
    }

    /// <summary>Compares two keys in unsigned byte order.</summary>
    /// <param name="x">The first key.</param>
    /// <param name="y">The second key.</param>
    /// <returns>Negative, zero or positive as <paramref name="x"/> sorts before, with or after <paramref name="y"/>.</returns>
    public static int Compare(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y) => x.SequenceCompareTo(y);

    /// <summary>Looks a key up.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value, when the key is present.</param>
    /// <returns><see langword="true"/> when the key is present.</returns>
    public bool TryGetValue(ReadOnlySpan<byte> key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TValue value)
        => TryGetValue(key, out value, out _);

    /// <summary>Looks a key up, with its payload.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value, when the key is present.</param>
    /// <param name="payload">The key's payload, when the key is present.</param>
    /// <returns><see langword="true"/> when the key is present.</returns>
    public bool TryGetValue(ReadOnlySpan<byte> key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TValue value, out ReadOnlySpan<byte> payload)
        => TryFind(root, key, out value, out payload);

    /// <summary>Returns a map in which <paramref name="key"/> has <paramref name="value"/> and no payload.</summary>
    /// <param name="key">The key; it is copied.</param>
    /// <param name="value">The value.</param>
    /// <returns>The new map.</returns>
    /// <remarks>Nothing this map or the new one drop is ever freed: for tests and small maps.</remarks>
    public SortedKeyMap<TValue> SetItem(byte[] key, TValue value)
    {
        var builder = ToBuilder();
        builder.Set(key, value);
        return builder.ToImmutable();
    }

    /// <summary>Returns a map without <paramref name="key"/>.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The new map, or this map when the key was absent.</returns>
    public SortedKeyMap<TValue> Remove(ReadOnlySpan<byte> key)
    {
        var builder = ToBuilder();
        return builder.Remove(key) ? builder.ToImmutable() : this;
    }

    /// <summary>Starts a batch of updates on top of this map, which itself never changes.</summary>
    /// <returns>The builder.</returns>
    public Builder ToBuilder() => new(root, Count, null);

    /// <summary>Starts a batch of updates on top of this map, handing every entry it drops to <paramref name="reclaimer"/>.</summary>
    /// <param name="reclaimer">Frees dropped entries once no reader can see them; <see langword="null"/> never frees them.</param>
    /// <returns>The builder.</returns>
    public Builder ToBuilder(EntryReclaimer? reclaimer) => new(root, Count, reclaimer);

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

    /// <summary>Checks the tree's invariants; for tests.</summary>
    /// <returns>The height of the tree (0 when empty).</returns>
    /// <exception cref="InvalidOperationException">An invariant does not hold.</exception>
    internal int Validate()
    {
        if (root is null)
            return Count == 0 ? 0 : throw new InvalidOperationException("An empty tree has a count.");
        if (root is Branch { Count: < 2 })
            throw new InvalidOperationException("The root branch has fewer than two children.");

        var counted = 0L;
        var height = Check(root, null, null, isRoot: true, ref counted);
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

    private static bool TryFind(Node? node, ReadOnlySpan<byte> key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TValue value, out ReadOnlySpan<byte> payload)
    {
        if (Find(node, key) is { } slot)
        {
            value = slot.Value;
            payload = slot.Entry.Payload;
            return true;
        }

        value = default;
        payload = default;
        return false;
    }

    private static Slot? Find(Node? node, ReadOnlySpan<byte> key)
    {
        if (node is null)
            return null;

        while (node is Branch branch)
            node = branch.Children[branch.ChildIndex(key)]!;

        var leaf = (Leaf)node;
        var position = leaf.LowerBound(key, out var found);
        return found ? leaf.Slots[position] : null;
    }

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
        private object owner = new();

        internal Builder(Node? root, long count, EntryReclaimer? reclaimer)
        {
            this.root = root;
            this.count = count;
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
            foreach (var entry in new SortedKeyMap<TValue>(root, count).Enumerate())
                reclaimer.Retire(entry.Item);
        }

        /// <summary>Removes a key.</summary>
        /// <param name="key">The key.</param>
        /// <returns><see langword="true"/> when the key was present.</returns>
        public bool Remove(ReadOnlySpan<byte> key)
        {
            // Look first, so that removing an absent key copies nothing.
            if (Find(root, key) is null)
                return false;

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
            return new SortedKeyMap<TValue>(root, count);
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

    /// <summary>A branch: children in key order, and the lowest key of each child but the first.</summary>
    /// <param name="owner">The builder's token, or <see langword="null"/>.</param>
    internal sealed class Branch(object? owner) : Node(owner)
    {
        /// <summary>Gets the children; those at and after <see cref="Node.Count"/> are empty.</summary>
        public Node?[] Children { get; } = new Node?[Capacity];

        private ulong[] searchIndex = [];

        /// <summary>Gets the separators: <c>Keys[i]</c> bounds child <c>i</c> from below; <c>Keys[0]</c> is unused.</summary>
        /// <remarks>Whoever changes them calls <see cref="Reindex"/>.</remarks>
        public byte[]?[] Keys { get; } = new byte[]?[Capacity];

        /// <summary>Evens out two neighbouring branches through the separator between them.</summary>
        /// <param name="left">The left branch (owned).</param>
        /// <param name="right">The right branch (owned).</param>
        /// <param name="separator">The separator between them in their parent.</param>
        /// <param name="leftCount">How many children the left one should keep.</param>
        /// <returns>The new separator.</returns>
        public static byte[] Redistribute(Branch left, Branch right, byte[] separator, int leftCount)
        {
            var total = left.Count + right.Count;
            var children = new Node?[total];
            var keys = new byte[]?[total];
            Array.Copy(left.Children, children, left.Count);
            Array.Copy(left.Keys, keys, left.Count);
            Array.Copy(right.Children, 0, children, left.Count, right.Count);
            Array.Copy(right.Keys, 0, keys, left.Count, right.Count);
            keys[left.Count] = separator;

            Array.Clear(left.Children);
            Array.Clear(left.Keys);
            Array.Clear(right.Children);
            Array.Clear(right.Keys);
            Array.Copy(children, left.Children, leftCount);
            Array.Copy(keys, left.Keys, leftCount);
            Array.Copy(children, leftCount, right.Children, 0, total - leftCount);
            Array.Copy(keys, leftCount, right.Keys, 0, total - leftCount);
            left.Count = leftCount;
            right.Count = total - leftCount;

            var newSeparator = right.Keys[0]!;
            right.Keys[0] = null;
            left.Keys[0] = null;
            left.Reindex();
            right.Reindex();
            return newSeparator;
        }

        /// <inheritdoc/>
        public override Node CopyFor(object newOwner)
        {
            var copy = new Branch(newOwner) { Count = Count, searchIndex = searchIndex };
            Array.Copy(Children, copy.Children, Count);
            Array.Copy(Keys, copy.Keys, Count);
            return copy;
        }

        /// <summary>Finds the child whose range holds a key.</summary>
        /// <param name="key">The key.</param>
        /// <returns>The child's index.</returns>
        public int ChildIndex(ReadOnlySpan<byte> key)
        {
            if (Count < 2)
                return 0;

            // A key that differs from the separators within the bytes they all share sorts before
            // or after every one of them.
            var index = searchIndex;
            var shared = (int)index[0];
            var head = key.Length >= shared ? key[..shared] : key;
            var order = head.SequenceCompareTo(MemoryMarshal.AsBytes(index.AsSpan(Count))[..shared]);
            if (order != 0)
                return order < 0 ? 0 : Count - 1;

            // The last child whose lower bound is not above the key, by the next eight bytes; only
            // a tie there needs the separator itself.
            var probe = EightBytesAfter(key, shared);
            int low = 1, high = Count - 1;
            while (low <= high)
            {
                var middle = (low + high) >>> 1;
                var bound = index[middle];
                if (bound < probe || (bound == probe && Compare(Keys[middle], key) <= 0))
                    low = middle + 1;
                else
                    high = middle - 1;
            }

            return low - 1;
        }

        /// <summary>Rebuilds the search index after the separators changed.</summary>
        /// <remarks>
        /// The index is what a lookup reads instead of the separators, which are arrays scattered
        /// over the heap (a likely cache miss each): one array holding how many leading bytes all
        /// separators share, each separator's next eight bytes as a big-endian number (so numbers
        /// order as the bytes do), and the shared bytes themselves. A new array every time, so a
        /// reader of a branch never sees one half written.
        /// </remarks>
        public void Reindex() => searchIndex = BuildIndex();

        /// <summary>Checks the search index against the separators; for tests.</summary>
        /// <returns><see langword="true"/> when the index is what <see cref="Reindex"/> would build.</returns>
        public bool IsIndexed() => searchIndex.AsSpan().SequenceEqual(BuildIndex());

        private ulong[] BuildIndex()
        {
            if (Count < 2)
                return [];

            var first = Keys[1]!;
            var shared = first.Length;
            for (var i = 2; i < Count; i++)
                shared = first.AsSpan(0, shared).CommonPrefixLength(Keys[i]);

            var index = new ulong[Count + ((shared + 7) / 8)];
            index[0] = (ulong)shared;
            for (var i = 1; i < Count; i++)
                index[i] = EightBytesAfter(Keys[i], shared);
            first.AsSpan(0, shared).CopyTo(MemoryMarshal.AsBytes(index.AsSpan(Count)));
            return index;
        }

        // The eight bytes of a key after its first `skip`, zero-padded, as a number that orders as they do.
        private static ulong EightBytesAfter(ReadOnlySpan<byte> key, int skip)
        {
            var rest = key[skip..];
            if (rest.Length >= sizeof(ulong))
                return BinaryPrimitives.ReadUInt64BigEndian(rest);

            Span<byte> padded = stackalloc byte[sizeof(ulong)];
            padded.Clear();
            rest.CopyTo(padded);
            return BinaryPrimitives.ReadUInt64BigEndian(padded);
        }

        /// <summary>Inserts a child and the separator below it; there must be room.</summary>
        /// <param name="index">The child's index (at least 1).</param>
        /// <param name="separator">The child's lowest key.</param>
        /// <param name="child">The child.</param>
        public void Insert(int index, byte[] separator, Node child)
        {
            Array.Copy(Children, index, Children, index + 1, Count - index);
            Array.Copy(Keys, index, Keys, index + 1, Count - index);
            Children[index] = child;
            Keys[index] = separator;
            Count++;
            Reindex();
        }

        /// <summary>Removes a child and its separator.</summary>
        /// <param name="index">The child's index (at least 1).</param>
        public void RemoveAt(int index)
        {
            Array.Copy(Children, index + 1, Children, index, Count - index - 1);
            Array.Copy(Keys, index + 1, Keys, index, Count - index - 1);
            Count--;
            Children[Count] = null;
            Keys[Count] = null;
            Reindex();
        }

        /// <summary>Moves the upper half into a new branch.</summary>
        /// <param name="newOwner">The builder's token for the new branch.</param>
        /// <param name="separator">Receives the new branch's lowest key, which moves up to the parent.</param>
        /// <returns>The new branch.</returns>
        public Branch Split(object newOwner, out byte[] separator)
        {
            var half = Count / 2;
            var right = new Branch(newOwner) { Count = Count - half };
            Array.Copy(Children, half, right.Children, 0, right.Count);
            Array.Copy(Keys, half, right.Keys, 0, right.Count);
            separator = right.Keys[0]!;
            right.Keys[0] = null;
            Array.Clear(Children, half, right.Count);
            Array.Clear(Keys, half, right.Count);
            Count = half;
            Reindex();
            right.Reindex();
            return right;
        }
    }
}

using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Quorum.Store.Native;

/// <content>Branches: children in key order, searched by an index of key prefixes.</content>
internal sealed partial class SortedKeyMap<TValue>
{
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

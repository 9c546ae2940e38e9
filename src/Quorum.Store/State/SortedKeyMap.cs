namespace Quorum.Store.State;

/// <summary>
/// An immutable map from byte-string keys to values, ordered by the unsigned byte order of the keys.
/// </summary>
/// <remarks>
/// Every update returns a new map that shares all untouched nodes with the old one (a persistent AVL
/// tree with path copying). That is what lets readers, and a snapshot being written in the background,
/// keep a consistent version of the whole store while the state machine goes on applying writes,
/// without locks. Lookups and updates cost O(log n); an ordered scan from any key starts in O(log n),
/// so listing a prefix never walks the keys before it.
/// </remarks>
/// <typeparam name="TValue">The type of the values.</typeparam>
internal sealed class SortedKeyMap<TValue>
    where TValue : class
{
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

    /// <summary>Builds a map from entries already sorted by key, with no duplicates, in O(n).</summary>
    /// <param name="keys">The keys, in strictly ascending order.</param>
    /// <param name="values">The values, one per key.</param>
    /// <returns>The map.</returns>
    /// <exception cref="ArgumentException">The keys are not strictly ascending.</exception>
    public static SortedKeyMap<TValue> FromSorted(IReadOnlyList<byte[]> keys, IReadOnlyList<TValue> values)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        if (keys.Count != values.Count)
            throw new ArgumentException("There must be one value per key.", nameof(values));

        for (var i = 1; i < keys.Count; i++)
        {
            if (Compare(keys[i - 1], keys[i]) >= 0)
                throw new ArgumentException("Keys must be in strictly ascending order.", nameof(keys));
        }

        return new(Build(keys, values, 0, keys.Count - 1), keys.Count);

        static Node? Build(IReadOnlyList<byte[]> keys, IReadOnlyList<TValue> values, int low, int high)
        {
            if (low > high)
                return null;

            var middle = low + ((high - low) / 2);
            var left = Build(keys, values, low, middle - 1);
            var right = Build(keys, values, middle + 1, high);
            return new Node(keys[middle], values[middle], left, right);
        }
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
    {
        for (var node = root; node is not null;)
        {
            var order = Compare(key, node.Key);
            if (order == 0)
            {
                value = node.Value;
                return true;
            }

            node = order < 0 ? node.Left : node.Right;
        }

        value = null;
        return false;
    }

    /// <summary>Returns a map in which <paramref name="key"/> has <paramref name="value"/>.</summary>
    /// <param name="key">The key; the map keeps the array, so the caller must not change it afterwards.</param>
    /// <param name="value">The value.</param>
    /// <returns>The new map.</returns>
    public SortedKeyMap<TValue> SetItem(byte[] key, TValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        var added = false;
        var newRoot = Set(root, key, value, ref added);
        return new(newRoot, added ? Count + 1 : Count);
    }

    /// <summary>Returns a map without <paramref name="key"/>.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The new map, or this map when the key was absent.</returns>
    public SortedKeyMap<TValue> Remove(ReadOnlySpan<byte> key)
    {
        var removed = false;
        var newRoot = Remove(root, key, ref removed);
        return removed ? new(newRoot, Count - 1) : this;
    }

    /// <summary>Enumerates the entries in key order, starting at the first key not less than <paramref name="start"/>.</summary>
    /// <param name="start">Where to start; empty starts at the first key.</param>
    /// <returns>The entries, lazily.</returns>
    public IEnumerable<KeyValuePair<byte[], TValue>> EnumerateFrom(byte[] start)
    {
        ArgumentNullException.ThrowIfNull(start);

        // The stack holds the ancestors still to be visited: each one is >= start and its left
        // subtree has already been dealt with by the descent.
        var stack = new Stack<Node>();
        for (var node = root; node is not null;)
        {
            if (Compare(node.Key, start) >= 0)
            {
                stack.Push(node);
                node = node.Left;
            }
            else
            {
                node = node.Right;
            }
        }

        while (stack.TryPop(out var current))
        {
            yield return new(current.Key, current.Value);
            for (var node = current.Right; node is not null; node = node.Left)
                stack.Push(node);
        }
    }

    /// <summary>Enumerates all entries in key order.</summary>
    /// <returns>The entries, lazily.</returns>
    public IEnumerable<KeyValuePair<byte[], TValue>> Enumerate() => EnumerateFrom([]);

    /// <summary>Checks the AVL invariants; for tests.</summary>
    /// <returns>The height of the tree.</returns>
    /// <exception cref="InvalidOperationException">An invariant does not hold.</exception>
    internal int Validate()
    {
        return Check(root, null, null);

        static int Check(Node? node, byte[]? lower, byte[]? upper)
        {
            if (node is null)
                return 0;
            if ((lower is not null && Compare(node.Key, lower) <= 0) || (upper is not null && Compare(node.Key, upper) >= 0))
                throw new InvalidOperationException("Keys are out of order.");

            var left = Check(node.Left, lower, node.Key);
            var right = Check(node.Right, node.Key, upper);
            if (Math.Abs(left - right) > 1)
                throw new InvalidOperationException("The tree is out of balance.");
            if (node.Height != Math.Max(left, right) + 1)
                throw new InvalidOperationException("A node's height is wrong.");
            return node.Height;
        }
    }

    private static Node Set(Node? node, byte[] key, TValue value, ref bool added)
    {
        if (node is null)
        {
            added = true;
            return new Node(key, value, null, null);
        }

        var order = Compare(key, node.Key);
        if (order < 0)
            return Balance(node.Key, node.Value, Set(node.Left, key, value, ref added), node.Right);
        if (order > 0)
            return Balance(node.Key, node.Value, node.Left, Set(node.Right, key, value, ref added));

        // Keep the existing key array: equal content, and one fewer object to keep alive.
        return new Node(node.Key, value, node.Left, node.Right);
    }

    private static Node? Remove(Node? node, ReadOnlySpan<byte> key, ref bool removed)
    {
        if (node is null)
            return null;

        var order = Compare(key, node.Key);
        if (order < 0)
        {
            var left = Remove(node.Left, key, ref removed);
            return removed ? Balance(node.Key, node.Value, left, node.Right) : node;
        }

        if (order > 0)
        {
            var right = Remove(node.Right, key, ref removed);
            return removed ? Balance(node.Key, node.Value, node.Left, right) : node;
        }

        removed = true;
        if (node.Left is null)
            return node.Right;
        if (node.Right is null)
            return node.Left;

        // Two children: the successor takes this node's place.
        var successor = node.Right;
        while (successor.Left is not null)
            successor = successor.Left;

        var ignored = false;
        var newRight = Remove(node.Right, successor.Key, ref ignored);
        return Balance(successor.Key, successor.Value, node.Left, newRight);
    }

    private static int HeightOf(Node? node) => node?.Height ?? 0;

    private static Node Balance(byte[] key, TValue value, Node? left, Node? right)
    {
        var difference = HeightOf(left) - HeightOf(right);
        if (difference > 1)
        {
            // Left-heavy; left is not null here.
            if (HeightOf(left!.Left) >= HeightOf(left.Right))
                return new Node(left.Key, left.Value, left.Left, new Node(key, value, left.Right, right));

            var pivot = left.Right!;
            return new Node(
                pivot.Key,
                pivot.Value,
                new Node(left.Key, left.Value, left.Left, pivot.Left),
                new Node(key, value, pivot.Right, right));
        }

        if (difference < -1)
        {
            if (HeightOf(right!.Right) >= HeightOf(right.Left))
                return new Node(right.Key, right.Value, new Node(key, value, left, right.Left), right.Right);

            var pivot = right.Left!;
            return new Node(
                pivot.Key,
                pivot.Value,
                new Node(key, value, left, pivot.Left),
                new Node(right.Key, right.Value, pivot.Right, right.Right));
        }

        return new Node(key, value, left, right);
    }

    private sealed class Node
    {
        public Node(byte[] key, TValue value, Node? left, Node? right)
        {
            Key = key;
            Value = value;
            Left = left;
            Right = right;
            Height = Math.Max(HeightOf(left), HeightOf(right)) + 1;
        }

        public byte[] Key { get; }

        public TValue Value { get; }

        public Node? Left { get; }

        public Node? Right { get; }

        public int Height { get; }
    }
}

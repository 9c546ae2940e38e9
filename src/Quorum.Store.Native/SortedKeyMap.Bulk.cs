namespace Quorum.Store.Native;

/// <content>Building a whole map from sorted input in O(n), as a snapshot is loaded.</content>
internal sealed partial class SortedKeyMap<TValue>
{
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

        return new(level[0], total, entries.Sum(static e => e.DataLength));
    }
}

namespace Quorum.Store.Native;

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
internal sealed partial class SortedKeyMap<TValue>
{
    /// <summary>The most entries a leaf holds, and the most children a branch has.</summary>
    internal const int Capacity = 32;

    // A node other than the root with fewer than this is merged with or refilled from a sibling.
    private const int MinFill = Capacity / 4;

    // How full a bulk-built node is: room to grow before the first splits.
    private const int BulkFill = Capacity * 3 / 4;

    private readonly Node? root;

    private SortedKeyMap(Node? root, long count, long bytes)
    {
        this.root = root;
        Count = count;
        Bytes = bytes;
    }

    /// <summary>Gets the empty map.</summary>
    public static SortedKeyMap<TValue> Empty { get; } = new(null, 0, 0);

    /// <summary>Gets the number of keys in the map.</summary>
    public long Count { get; }

    /// <summary>
    /// Gets the bytes of the keys and payloads in the map (not the blocks' headers, nor versions
    /// that only older maps hold): the same figure on every replica that holds the same entries.
    /// </summary>
    public long Bytes { get; }

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
    public Builder ToBuilder() => new(root, Count, Bytes, null);

    /// <summary>Starts a batch of updates on top of this map, handing every entry it drops to <paramref name="reclaimer"/>.</summary>
    /// <param name="reclaimer">Frees dropped entries once no reader can see them; <see langword="null"/> never frees them.</param>
    /// <returns>The builder.</returns>
    public Builder ToBuilder(EntryReclaimer? reclaimer) => new(root, Count, Bytes, reclaimer);

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
}

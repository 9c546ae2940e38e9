namespace Quorum.Store;

/// <summary>One page of an ordered listing.</summary>
/// <param name="Items">The keys, in byte order.</param>
/// <param name="More">Whether more keys match after the last one.</param>
/// <param name="Revision">The revision of the store the page was read at: every change up to it is reflected, none after it.</param>
public sealed record ListPage(IReadOnlyList<StoredKey> Items, bool More, long Revision);

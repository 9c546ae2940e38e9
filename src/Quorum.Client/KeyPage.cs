using System.Text.Json.Serialization;

namespace Quorum.Client;

/// <summary>A key in a listing.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
/// <param name="Revision">The revision that last changed it.</param>
public sealed record KeyItem(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] byte[] Value,
    [property: JsonPropertyName("revision")] long Revision);

/// <summary>One page of a listing.</summary>
/// <param name="Items">The keys, in byte order.</param>
/// <param name="More">Whether more keys follow: ask again with the last key as <c>after</c>.</param>
/// <param name="Revision">The store revision the page was read at.</param>
public sealed record KeyPage(
    [property: JsonPropertyName("items")] IReadOnlyList<KeyItem> Items,
    [property: JsonPropertyName("more")] bool More,
    [property: JsonPropertyName("revision")] long Revision);

using System.Text.Json.Serialization;

namespace Quorum.Client;

/// <summary>What happened to a key.</summary>
public enum WatchEventType
{
    /// <summary>The key was set.</summary>
    Put,

    /// <summary>The key was deleted (by a client, or when its TTL ran out).</summary>
    Delete,
}

/// <summary>One change a watch reports.</summary>
/// <param name="Type">Put or delete.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The new value of a put; <see langword="null"/> for a delete.</param>
/// <param name="Revision">The revision of the change.</param>
public sealed record WatchEvent(WatchEventType Type, string Key, byte[]? Value, long Revision);

/// <summary>The data of a watch event on the wire.</summary>
/// <param name="Type">put or delete.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The value, base64.</param>
/// <param name="Revision">The revision.</param>
internal sealed record WatchEventBody(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] byte[]? Value,
    [property: JsonPropertyName("revision")] long Revision);

/// <summary>The data of a watch's cutoff event.</summary>
/// <param name="Error">Why the server ended the watch.</param>
/// <param name="Revision">The revision to resume from.</param>
internal sealed record WatchCutOffBody(
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("revision")] long Revision);

/// <summary>The data of a watch's start event: the first revision it reports.</summary>
/// <param name="Revision">The revision.</param>
internal sealed record WatchStartBody([property: JsonPropertyName("revision")] long Revision);

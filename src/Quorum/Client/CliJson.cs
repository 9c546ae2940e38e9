using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Quorum.Client;

/// <summary>A key as <c>ls --json</c> prints it, one per line: the contract's listing item.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value (base64 in JSON).</param>
/// <param name="Revision">The revision that last changed it.</param>
internal sealed record KeyLine(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] byte[] Value,
    [property: JsonPropertyName("revision")] long Revision);

/// <summary>A change as <c>watch --json</c> prints it, one per line: the contract's event data.</summary>
/// <param name="Type"><c>put</c> or <c>delete</c>.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">A put's value (base64 in JSON); left out for a delete.</param>
/// <param name="Revision">The revision of the change.</param>
internal sealed record EventLine(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] byte[]? Value,
    [property: JsonPropertyName("revision")] long Revision);

/// <summary>The JSON the client verbs read and print, in the contract's shapes.</summary>
[JsonSerializable(typeof(KeyLine))]
[JsonSerializable(typeof(EventLine))]
internal sealed partial class CliJson : JsonSerializerContext
{
    /// <summary>
    /// Gets the context to print with: text stays readable (no escaping of quotes or non-ASCII;
    /// the output is never embedded in HTML).
    /// </summary>
    public static CliJson Output { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

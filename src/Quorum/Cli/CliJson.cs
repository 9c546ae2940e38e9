using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Quorum.Client;

namespace Quorum.Cli;

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

/// <summary>The JSON <c>ls --json</c>, <c>watch --json</c> and <c>status --json</c> print, in the contract's shapes (transactions use <see cref="Quorum.Contracts.WireJson"/>).</summary>
[JsonSerializable(typeof(KeyItem))]
[JsonSerializable(typeof(EventLine))]
[JsonSerializable(typeof(NodeStatus[]))]
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

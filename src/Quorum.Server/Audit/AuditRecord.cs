using System.Text.Json.Serialization;

namespace Quorum.Server.Audit;

/// <summary>One audited request: a write, an auth change or a membership change, and how it ended.</summary>
/// <param name="Time">When the answer was sent (UTC).</param>
/// <param name="Node">The node that took the request from its caller.</param>
/// <param name="User">The caller, or <c>anonymous</c>.</param>
/// <param name="Source">The caller's address and port.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Route">The path, with the query.</param>
/// <param name="Status">The status the caller got.</param>
/// <param name="Revision">The revision the change was applied at, when it was.</param>
internal sealed record AuditRecord(
    [property: JsonPropertyName("time")] DateTimeOffset Time,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("route")] string Route,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("revision")] long? Revision);

/// <summary>The audit record's JSON, one object per line.</summary>
[JsonSerializable(typeof(AuditRecord))]
internal sealed partial class AuditJsonContext : JsonSerializerContext;

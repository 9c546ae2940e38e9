using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Quorum.Contracts.Status;

namespace Quorum.Server.Http;

/// <summary>The body of every error: <c>{"error":"..."}</c>, and for 412 and 410 the revision the client needs.</summary>
/// <param name="Error">What went wrong.</param>
/// <param name="Revision">For 412 the key's current revision (0: absent); for 410 the oldest revision a watch can start from.</param>
internal sealed record ErrorResponse(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("revision"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Revision = null);

/// <summary>The answer of <c>GET /</c>.</summary>
/// <param name="Status">Always <c>ok</c>.</param>
/// <param name="Node">This node's ID.</param>
/// <param name="Leader">The leader's ID, or null.</param>
internal sealed record IdentityResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("leader")] string? Leader);

/// <summary>A plain success: <c>{"status":"success"}</c>.</summary>
/// <param name="Status">The status word.</param>
internal sealed record StatusResponse([property: JsonPropertyName("status")] string Status);

/// <summary>The body of <c>POST /raft/add</c>; the book-style server spells the fields <c>ID</c> and <c>Address</c>.</summary>
/// <param name="Id">The new member's ID.</param>
/// <param name="Address">Its Raft address.</param>
/// <param name="Http">Its HTTP base URL; optional, a Quorum addition.</param>
internal sealed record JoinRequest(
    [property: JsonPropertyName("ID")] string? Id,
    [property: JsonPropertyName("Address")] string? Address,
    [property: JsonPropertyName("Http")] string? Http);

/// <summary>The body of <c>POST /raft/remove</c>.</summary>
/// <param name="Id">The member to remove.</param>
internal sealed record RemoveRequest([property: JsonPropertyName("ID")] string? Id);

/// <summary>One member in <c>GET /raft/members</c>.</summary>
/// <param name="Id">Its ID.</param>
/// <param name="Address">Its Raft address.</param>
/// <param name="Http">Its HTTP base URL.</param>
/// <param name="Leader">Whether it leads.</param>
/// <param name="Voter">Whether it votes: false for a member being added that is still catching up with the log.</param>
internal sealed record MemberResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("http")] string Http,
    [property: JsonPropertyName("leader")] bool Leader,
    [property: JsonPropertyName("voter")] bool Voter);

/// <summary>The answer of <c>GET /status</c>.</summary>
/// <param name="Id">This node's ID.</param>
/// <param name="State">leader, follower or candidate.</param>
/// <param name="Term">The Raft term.</param>
/// <param name="Leader">The leader's ID, or null.</param>
/// <param name="CommitIndex">The highest committed index known.</param>
/// <param name="AppliedIndex">The highest applied index.</param>
/// <param name="LastSnapshotIndex">The newest snapshot's index.</param>
/// <param name="Members">The members.</param>
/// <param name="Replication">On the leader, each follower's replication; empty elsewhere.</param>
/// <param name="SnapshotBytes">The newest snapshot's size on disk.</param>
/// <param name="LogBytes">The write-ahead log's size on disk.</param>
/// <param name="Version">The program's version.</param>
internal sealed record StatusReport(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("term")] long Term,
    [property: JsonPropertyName("leader")] string? Leader,
    [property: JsonPropertyName("commitIndex")] long CommitIndex,
    [property: JsonPropertyName("appliedIndex")] long AppliedIndex,
    [property: JsonPropertyName("lastSnapshotIndex")] long LastSnapshotIndex,
    [property: JsonPropertyName("members")] IReadOnlyList<MemberResponse> Members,
    [property: JsonPropertyName("replication")] IReadOnlyList<FollowerView> Replication,
    [property: JsonPropertyName("snapshotBytes")] long SnapshotBytes,
    [property: JsonPropertyName("logBytes")] long LogBytes,
    [property: JsonPropertyName("version")] string Version);

/// <summary>The answer of the internal <c>GET /raft/read-index</c>.</summary>
/// <param name="Index">The leader's confirmed read index.</param>
internal sealed record ReadIndexResponse([property: JsonPropertyName("index")] long Index);

/// <summary>Source-generated JSON metadata for every body the API reads or writes.</summary>
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(IdentityResponse))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(JoinRequest))]
[JsonSerializable(typeof(RemoveRequest))]
[JsonSerializable(typeof(MemberResponse[]))]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(ReadIndexResponse))]
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
internal sealed partial class ApiJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Gets the context every body is read and written with. Relaxed escaping keeps quotes and
    /// non-ASCII text readable in error messages; the bodies are served as application/json, never
    /// embedded in HTML.
    /// </summary>
    public static ApiJsonContext Api { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNameCaseInsensitive = true,
    });
}

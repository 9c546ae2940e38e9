using System.Text.Json.Serialization;
using Quorum.Contracts.Status;

namespace Quorum.Client;

/// <summary>How up to date a read must be.</summary>
public enum Consistency
{
    /// <summary>Reflects every write completed before the read began (the default).</summary>
    Linearizable,

    /// <summary>Answers from the asked node's replica at once; may lag.</summary>
    Stale,
}

/// <summary>A value and the revision that wrote it.</summary>
/// <param name="Value">The value.</param>
/// <param name="Revision">The revision.</param>
public sealed record VersionedValue(byte[] Value, long Revision);

/// <summary>A cluster member.</summary>
/// <param name="Id">Its ID.</param>
/// <param name="Address">Its Raft address.</param>
/// <param name="Http">Its HTTP base URL.</param>
/// <param name="Leader">Whether it leads.</param>
/// <param name="Voter">Whether it votes: false for a member being added that is still catching up with the log (true when a server too old to say leaves it out).</param>
public sealed record Member(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("http")] string Http,
    [property: JsonPropertyName("leader")] bool Leader,
    [property: JsonPropertyName("voter")] bool Voter = true);

/// <summary>A node's view of itself and its cluster.</summary>
/// <param name="Id">The node's ID.</param>
/// <param name="State">leader, follower or candidate.</param>
/// <param name="Term">The Raft term.</param>
/// <param name="Leader">The leader's ID, or null.</param>
/// <param name="CommitIndex">The highest committed index known.</param>
/// <param name="AppliedIndex">The highest applied index.</param>
/// <param name="LastSnapshotIndex">The newest snapshot's index.</param>
/// <param name="Members">The members.</param>
public sealed record NodeStatus(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("term")] long Term,
    [property: JsonPropertyName("leader")] string? Leader,
    [property: JsonPropertyName("commitIndex")] long CommitIndex,
    [property: JsonPropertyName("appliedIndex")] long AppliedIndex,
    [property: JsonPropertyName("lastSnapshotIndex")] long LastSnapshotIndex,
    [property: JsonPropertyName("members")] IReadOnlyList<Member> Members)
{
    /// <summary>Gets, on the leader, each follower's replication as the leader sees it (match index, last contact); empty on other nodes and from older servers.</summary>
    [JsonPropertyName("replication")]
    public IReadOnlyList<FollowerView> Replication { get; init; } = [];

    /// <summary>Gets the size of the node's newest snapshot file in bytes (0: none yet).</summary>
    [JsonPropertyName("snapshotBytes")]
    public long SnapshotBytes { get; init; }

    /// <summary>Gets the size of the node's write-ahead log files in bytes.</summary>
    [JsonPropertyName("logBytes")]
    public long LogBytes { get; init; }

    /// <summary>Gets the node's program version (its informational version, such as <c>1.0.0+COMMIT</c>); empty from older servers.</summary>
    [JsonPropertyName("version")]
    public string Version { get; init; } = string.Empty;
}

/// <summary>The answer to a write.</summary>
/// <param name="Status">Always <c>success</c>.</param>
/// <param name="Revision">The write's revision.</param>
internal sealed record WriteAnswer(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("revision")] long Revision);

/// <summary>An error body.</summary>
/// <param name="Error">The message.</param>
/// <param name="Revision">For 412 the key's revision; for 410 the oldest revision a watch can start from.</param>
internal sealed record ErrorAnswer(
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("revision")] long? Revision);

/// <summary>The body of <c>POST /raft/add</c>.</summary>
/// <param name="Id">The new member's ID.</param>
/// <param name="Address">Its Raft address.</param>
/// <param name="Http">Its HTTP URL.</param>
internal sealed record AddMemberRequest(
    [property: JsonPropertyName("ID")] string Id,
    [property: JsonPropertyName("Address")] string Address,
    [property: JsonPropertyName("Http"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Http);

/// <summary>The body of <c>POST /raft/remove</c>.</summary>
/// <param name="Id">The member to remove.</param>
internal sealed record RemoveMemberRequest([property: JsonPropertyName("ID")] string Id);

/// <summary>Source-generated JSON metadata for the client's bodies.</summary>
[JsonSerializable(typeof(WriteAnswer))]
[JsonSerializable(typeof(ErrorAnswer))]
[JsonSerializable(typeof(Member[]))]
[JsonSerializable(typeof(NodeStatus))]
[JsonSerializable(typeof(AddMemberRequest))]
[JsonSerializable(typeof(RemoveMemberRequest))]
[JsonSerializable(typeof(KeyPage))]
[JsonSerializable(typeof(WatchEventBody))]
[JsonSerializable(typeof(WatchCutOffBody))]
[JsonSerializable(typeof(WatchStartBody))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;

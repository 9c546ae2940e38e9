using System.Text.Json.Serialization;

namespace Quorum.Contracts.Status;

/// <summary>
/// One follower's replication as the leader sees it: an item of <c>replication</c> in
/// <c>GET /status</c>, as the server writes it and the client reads it.
/// </summary>
/// <param name="Id">The follower's ID.</param>
/// <param name="MatchIndex">The highest log index the leader knows the follower holds; <see langword="null"/> when the server cannot tell.</param>
/// <param name="LastContact">When the follower last answered the leader's replication (heartbeats included); <see langword="null"/> if not since the leader started.</param>
/// <param name="SinceLastContactMs">Milliseconds from <paramref name="LastContact"/> to the answer, by the leader's clock.</param>
public sealed record FollowerView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("matchIndex")] long? MatchIndex,
    [property: JsonPropertyName("lastContact")] DateTimeOffset? LastContact,
    [property: JsonPropertyName("sinceLastContactMs")] long? SinceLastContactMs);

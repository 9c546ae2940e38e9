namespace Quorum.Store;

/// <summary>One follower's replication as the leader sees it (see <see cref="Raft.ReplicationObserver"/> for how it is known).</summary>
/// <param name="Id">The follower's ID, or its Raft address when the member table does not know it yet.</param>
/// <param name="MatchIndex">The highest log index the follower is known to hold, or <see langword="null"/> when it cannot be read.</param>
/// <param name="LastContact">When the follower last answered a replication request of this leader, or <see langword="null"/> if it has not since this node started.</param>
/// <param name="SinceLastContactMs">Milliseconds since <paramref name="LastContact"/>, when there was one.</param>
public sealed record FollowerReplication(string Id, long? MatchIndex, DateTimeOffset? LastContact, long? SinceLastContactMs);

namespace Quorum.Store;

/// <summary>A member of the cluster as this node sees it.</summary>
/// <param name="Id">The member's ID, or its Raft address when the member table does not know it yet.</param>
/// <param name="RaftAddress">Its Raft address.</param>
/// <param name="HttpAddress">The base URL of its HTTP API; empty when not yet known.</param>
/// <param name="IsLeader">Whether it is the leader this node knows of.</param>
public sealed record ClusterMember(string Id, string RaftAddress, string HttpAddress, bool IsLeader)
{
    /// <summary>Gets a value indicating that the member votes; a member being added does not until it has caught up with the log.</summary>
    public bool IsVoter { get; init; } = true;
}

/// <summary>A node's view of itself and its cluster.</summary>
/// <param name="Id">This node's ID.</param>
/// <param name="State"><c>leader</c>, <c>follower</c>, or <c>candidate</c> (no leader known).</param>
/// <param name="Term">The current Raft term.</param>
/// <param name="LeaderId">The leader's ID, or <see langword="null"/> when none is known.</param>
/// <param name="CommitIndex">The highest log index known to be committed.</param>
/// <param name="AppliedIndex">The highest log index applied to this node's state.</param>
/// <param name="LastSnapshotIndex">The index of the newest snapshot, or 0.</param>
/// <param name="Members">The voting members.</param>
/// <param name="Replication">On the leader, each follower's replication as it sees it; empty on other nodes.</param>
/// <param name="SnapshotBytes">The size of the newest snapshot file, or 0 when there is none.</param>
/// <param name="LogBytes">The size of the write-ahead log's files (their length: chunks are allocated ahead, so this is what the log reserves on disk).</param>
/// <param name="Version">The program's version: the informational version of this build.</param>
public sealed record StoreStatus(
    string Id,
    string State,
    long Term,
    string? LeaderId,
    long CommitIndex,
    long AppliedIndex,
    long LastSnapshotIndex,
    IReadOnlyList<ClusterMember> Members,
    IReadOnlyList<FollowerReplication> Replication,
    long SnapshotBytes,
    long LogBytes,
    string Version);

namespace Quorum.Store;

/// <summary>What <see cref="SingleNodeRecovery.RecoverAsync"/> did to a survivor's data directory.</summary>
/// <param name="NodeId">The surviving node's ID, now the only voter.</param>
/// <param name="RaftAddress">Its Raft address, as its data directory records it.</param>
/// <param name="Term">The Raft term of the appended entries: one above the survivor's, which the log is now at.</param>
/// <param name="CommitIndex">The last log index the survivor knew to be committed.</param>
/// <param name="LastIndexKept">The last log index the survivor held: every entry up to it is kept, the uncommitted ones above <paramref name="CommitIndex"/> included.</param>
/// <param name="ConfigurationIndex">The index of the entry recording the one-member configuration, appended after <paramref name="LastIndexKept"/>.</param>
/// <param name="PreviousVoters">The Raft addresses of the voters before recovery.</param>
/// <param name="DroppedMembers">The IDs of the other members whose records the appended entries remove from the member table.</param>
public sealed record RecoveryReport(
    string NodeId,
    string RaftAddress,
    long Term,
    long CommitIndex,
    long LastIndexKept,
    long ConfigurationIndex,
    IReadOnlyList<string> PreviousVoters,
    IReadOnlyList<string> DroppedMembers);

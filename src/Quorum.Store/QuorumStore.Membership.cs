namespace Quorum.Store;

/// <summary>Membership: adding and removing voting members, on the leader, through <see cref="Replication.ClusterMembership"/>.</summary>
public sealed partial class QuorumStore
{
    private static readonly TimeSpan MembershipPollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan StepDownDrain = TimeSpan.FromSeconds(1);

    // A follower that answered within this long counts as reachable for a membership change: six
    // heartbeat rounds at the default election timeout (heartbeats go out every half of it), and
    // never under a second, so one slow round does not make a live member look gone.
    private static TimeSpan ReachableWindow(StoreOptions options) => TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, options.ElectionTimeout.Ticks * 3));

    /// <summary>
    /// Adds a voting member, or updates the addresses of one; idempotent for the same ID and address.
    /// The new member is first brought up to date with the log (or a snapshot), then the new
    /// configuration is committed. Must be called on the leader.
    /// </summary>
    /// <param name="member">The member; an empty <see cref="MemberInfo.HttpAddress"/> keeps the one already known.</param>
    /// <param name="force">Make the change even if the new configuration would lack a majority the leader can reach now.</param>
    /// <param name="token">Cancels waiting.</param>
    /// <returns>A task that completes when the member is part of the committed configuration.</returns>
    /// <exception cref="ArgumentException">The ID or an address is malformed.</exception>
    /// <exception cref="MembershipException">The ID or the address already belongs to another member, another membership change is in progress, or (unless forced) the change would leave no reachable majority.</exception>
    /// <exception cref="UnavailableException">This node is not the leader, or the new member did not catch up in time.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The change was not confirmed in time.</exception>
    public Task AddMemberAsync(MemberInfo member, bool force = false, CancellationToken token = default) => membership.AddAsync(member, force, token);

    /// <summary>Removes a voting member; a node may remove itself. Must be called on the leader.</summary>
    /// <param name="id">The member's ID.</param>
    /// <param name="force">Make the change even if the new configuration would lack a majority the leader can reach now.</param>
    /// <param name="token">Cancels waiting.</param>
    /// <returns>A task that completes when the new configuration is committed.</returns>
    /// <exception cref="MembershipException">No member has this ID, another membership change is in progress, or (unless forced) the change would leave no reachable majority.</exception>
    /// <exception cref="UnavailableException">This node is not the leader.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The change was not confirmed in time.</exception>
    public Task RemoveMemberAsync(string id, bool force = false, CancellationToken token = default) => membership.RemoveAsync(id, force, token);

    /// <summary>Gets the voting members, and on the leader a member still catching up (<see cref="ClusterMember.IsVoter"/> false), with their addresses and which one leads.</summary>
    /// <returns>The members, ordered by ID.</returns>
    public IReadOnlyList<ClusterMember> GetMembers() => membership.List();

    /// <summary>Gets the member table's record of a member, whether or not it is a voter.</summary>
    /// <param name="id">The member's ID.</param>
    /// <returns>The record, or <see langword="null"/>.</returns>
    public MemberInfo? FindMember(string id) => membership.Find(id);

    /// <summary>
    /// Gets a value indicating that this node was started with an empty data directory to join a
    /// cluster and has not yet confirmed (<see cref="ConfirmMembershipAsync"/>) that it is a member.
    /// </summary>
    public bool NeedsJoin => directory.JoinPending;

    /// <summary>
    /// Confirms, for a node that asked to join, that it is a member of its cluster's latest
    /// configuration: it first catches up with everything the leader has committed (which includes
    /// the configuration entry that added it), because part-way through the log a node can see
    /// itself a member, or removed, in a configuration long replaced. Once confirmed, the node no
    /// longer <see cref="NeedsJoin"/>, and being left out of a later configuration means it was removed.
    /// </summary>
    /// <param name="token">Cancels waiting.</param>
    /// <returns><see langword="true"/> when this node is a member of the latest configuration; <see langword="false"/> when it must ask again.</returns>
    /// <exception cref="UnavailableException">No leader, or no quorum, confirmed how far the log goes.</exception>
    public async Task<bool> ConfirmMembershipAsync(CancellationToken token)
    {
        await CatchUpAsync(token);
        if (!IsMember)
            return false;

        directory.JoinPending = false;
        return true;
    }

    /// <summary>
    /// Waits until this node is a voting member: at once for a node that bootstrapped or restarted
    /// with its cluster's state, and for a node that joins, once it has confirmed that the leader
    /// committed it (<see cref="ConfirmMembershipAsync"/>).
    /// </summary>
    /// <param name="token">Cancels waiting.</param>
    /// <returns>A task that completes when <see cref="IsMember"/> is true and <see cref="NeedsJoin"/> false.</returns>
    public async Task WaitUntilMemberAsync(CancellationToken token)
    {
        // DotNext's member list has no awaitable change; a short poll costs nothing next to a join.
        using var timer = new PeriodicTimer(MembershipPollInterval);
        while (!IsMember || NeedsJoin)
            await timer.WaitForNextTickAsync(token);
    }

    /// <summary>
    /// Prepares a planned stop: new writes are refused (503, so clients retry elsewhere), writes
    /// already proposed are given up to a second to commit (resigning under them would leave their
    /// outcome unknown: 504), then a leader resigns, so the others elect a successor while this node
    /// drains its requests, and the node takes no part in elections from then on. Call it when a
    /// stop begins, before draining requests.
    /// </summary>
    /// <param name="token">Cancels the transitions.</param>
    /// <returns><see langword="true"/> when this node led and resigned.</returns>
    public async Task<bool> StepDownAsync(CancellationToken token)
    {
        proposer.Close();
        await proposer.WaitIdleAsync(StepDownDrain, token);
        return await Node.StepDownAsync(token);
    }
}

using System.Net;
using DotNext.Net.Cluster.Consensus.Raft;
using Microsoft.Extensions.Logging;
using Quorum.Store.Commands;
using Quorum.Store.Raft;
using DotNextNotLeaderException = DotNext.Net.Cluster.Consensus.Raft.NotLeaderException;

namespace Quorum.Store.Replication;

/// <summary>
/// Who the members are and how they change. Raft knows members by address; the replicated member
/// table (<see cref="SetMemberCommand"/>) adds each one's ID and HTTP address, so this node can name
/// the leader and send clients to it.
/// </summary>
/// <remarks>
/// Changes are made one at a time (a second one meanwhile is refused), and only when the new
/// configuration keeps a majority the leader can reach now (<see cref="ReachableMajority"/>),
/// unless forced. A member being added is listed as a non-voter while DotNext's warm-up rounds
/// bring it up to date, before the configuration that makes it a voter is proposed.
/// </remarks>
/// <param name="raft">The Raft node.</param>
/// <param name="proposer">Records member table changes in the log.</param>
/// <param name="replication">Which followers the leader has heard from lately.</param>
/// <param name="reachableWindow">How recently a follower must have answered to count as reachable.</param>
/// <param name="self">This node's ID and addresses.</param>
/// <param name="logger">The logger.</param>
internal sealed partial class ClusterMembership(RaftNodeHost raft, Proposer proposer, ReplicationObserver replication, TimeSpan reachableWindow, MemberInfo self, ILogger logger)
{
    private static readonly TimeSpan MembershipTimeout = TimeSpan.FromSeconds(60);

    private int changing;
    private volatile MemberInfo? catchingUp;

    private RaftNode Node => raft.Current;

    /// <summary>Gets the leader this node knows of, or <see langword="null"/>.</summary>
    public MemberInfo? Leader => Node.Cluster.Leader is { } leader ? Describe(leader.EndPoint) : null;

    /// <summary>Adds a voting member, or updates its addresses; see <see cref="QuorumStore.AddMemberAsync"/>.</summary>
    public async Task AddAsync(MemberInfo member, bool force, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (!StoreOptions.IsValidNodeId(member.Id))
            throw new ArgumentException($"Member ID '{member.Id}' is not valid: use 1 to 64 letters, digits, '-', '_' or '.'.", nameof(member));
        if (!NetworkAddress.TryParse(member.RaftAddress, out var endPoint))
            throw new ArgumentException($"Member address '{member.RaftAddress}' is not host:port.", nameof(member));
        if (member.HttpAddress.Length > 0 && !Uri.TryCreate(member.HttpAddress, UriKind.Absolute, out _))
            throw new ArgumentException($"Member HTTP address '{member.HttpAddress}' is not a URL.", nameof(member));

        var node = Node;
        _ = await node.AcquireLeadershipAsync(token);
        var raftAddress = NetworkAddress.Format(endPoint);
        using var change = BeginChange();
        var voters = await node.GetVotersAsync(token);
        var members = node.StateMachine.State.Members;
        foreach (var known in members.Values)
        {
            if (!voters.Contains(known.RaftAddress))
                continue;
            if (known.Id == member.Id && known.RaftAddress != raftAddress)
                throw new MembershipException($"Member ID '{member.Id}' already belongs to the member at {known.RaftAddress}. Remove it first, or choose another ID.");
            if (known.Id != member.Id && known.RaftAddress == raftAddress)
                throw new MembershipException($"Address {raftAddress} already belongs to member '{known.Id}'. Remove it first, or use another address.");
        }

        var existing = members.GetValueOrDefault(member.Id);
        var record = new MemberInfo(member.Id, raftAddress, member.HttpAddress.Length > 0 ? member.HttpAddress.TrimEnd('/') : existing?.HttpAddress ?? string.Empty);
        if (record != existing)
            await proposer.ProposeAsync(new SetMemberCommand(record), token);

        if (voters.Contains(raftAddress))
            return;

        if (!force && ReachableMajority.CheckAdd(voters, ReachableVoters(node), Name) is { } unsafeAdd)
            throw new MembershipException(unsafeAdd);

        catchingUp = record;
        try
        {
            await ChangeConfigurationAsync(t => node.Cluster.AddMemberAsync(endPoint, t), $"Adding member '{member.Id}' was not confirmed in time; check GET /raft/members, then retry if it is absent.", token);
        }
        finally
        {
            catchingUp = null;
        }

        if (!(await node.GetVotersAsync(token)).Contains(raftAddress))
            throw new UnavailableException($"Member '{member.Id}' at {raftAddress} did not catch up with the log in time. Check that it is running and reachable there, then retry.");

        LogMemberJoined(member.Id, raftAddress);
    }

    /// <summary>Removes a voting member; see <see cref="QuorumStore.RemoveMemberAsync"/>.</summary>
    public async Task RemoveAsync(string id, bool force, CancellationToken token)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var node = Node;
        _ = await node.AcquireLeadershipAsync(token);
        using var change = BeginChange();
        var voters = await node.GetVotersAsync(token);
        if (!node.StateMachine.State.Members.TryGetValue(id, out var member) || !voters.Contains(member.RaftAddress) || !NetworkAddress.TryParse(member.RaftAddress, out var endPoint))
            throw new MembershipException($"The cluster has no member with ID '{id}'. See GET /raft/members.", isUnknownMember: true);
        if (!force && ReachableMajority.CheckRemove(voters, ReachableVoters(node), member.RaftAddress, Name) is { } unsafeRemoval)
            throw new MembershipException(unsafeRemoval);

        await ChangeConfigurationAsync(t => node.Cluster.RemoveMemberAsync(endPoint, t), $"Removing member '{id}' was not confirmed in time; check GET /raft/members, then retry if it is still there.", token);

        LogMemberLeft(id);

        // The address record is only a directory entry, and a stale one for a non-member is
        // harmless (it is never listed, and its ID may be reused): the removal has succeeded even if
        // dropping the record fails, as it may when the leader has just removed itself.
        try
        {
            await proposer.ProposeAsync(new RemoveMemberCommand(id), token);
        }
        catch (Exception e) when (e is UnavailableException or WriteOutcomeUnknownException)
        {
            LogRecordKept(id, e.Message);
        }
    }

    /// <summary>Gets the voting members, and on the leader a member still catching up, with their addresses and which one leads, ordered by ID.</summary>
    public IReadOnlyList<ClusterMember> List()
    {
        var node = Node;
        var leader = node.Cluster.Leader?.EndPoint;
        var voters = node.Cluster.Members
            .Select(m =>
            {
                var info = Describe(m.EndPoint);
                return new ClusterMember(info.Id, info.RaftAddress, info.HttpAddress, leader is not null && m.EndPoint.Equals(leader));
            })
            .ToList();
        if (catchingUp is { } learner && !voters.Exists(v => v.RaftAddress == learner.RaftAddress))
            voters.Add(new ClusterMember(learner.Id, learner.RaftAddress, learner.HttpAddress, IsLeader: false) { IsVoter = false });

        return voters.OrderBy(static m => m.Id, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Gets the member table's record of a member, whether or not it is a voter.</summary>
    public MemberInfo? Find(string id) => Node.StateMachine.State.Members.GetValueOrDefault(id);

    // Runs a Raft configuration change within the membership timeout, its failures told in the API's terms.
    private static async Task ChangeConfigurationAsync(Func<CancellationToken, Task<bool>> change, string unconfirmed, CancellationToken token)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(MembershipTimeout);
        try
        {
            await change(timeout.Token);
        }
        catch (RaftCluster<RaftClusterMember>.ConcurrentMembershipModificationException)
        {
            throw ChangeInProgress();
        }
        catch (Exception e) when (e is DotNextNotLeaderException or OperationCanceledException && !token.IsCancellationRequested)
        {
            throw new WriteOutcomeUnknownException(unconfirmed, e);
        }
    }

    // Admits one change at a time on this leader; DotNext refuses a second configuration change only
    // once the first reaches it, after the member table has already been written.
    private ChangeSlot BeginChange()
    {
        if (Interlocked.Exchange(ref changing, 1) == 1)
            throw ChangeInProgress();
        return new ChangeSlot(this);
    }

    private static MembershipException ChangeInProgress()
        => new("Another membership change is in progress; make one change at a time. Retry when it completes (see GET /raft/members).");

    // The voters the leader can reach now: itself, and the followers that answered lately.
    private HashSet<string> ReachableVoters(RaftNode node)
        => new(replication.Reachable(reachableWindow), StringComparer.Ordinal) { NetworkAddress.Format(node.LocalAddress) };

    private string Name(string raftAddress) => Node.StateMachine.State.FindMemberByAddress(raftAddress)?.Id ?? raftAddress;

    private readonly struct ChangeSlot(ClusterMembership owner) : IDisposable
    {
        public void Dispose() => Volatile.Write(ref owner.changing, 0);
    }

    // Names a Raft member by the member table, or by its address when the table has no record of it.
    private MemberInfo Describe(EndPoint endPoint)
    {
        var address = NetworkAddress.Format(endPoint);
        if (address == self.RaftAddress)
            return self;

        return Node.StateMachine.State.FindMemberByAddress(address) ?? new MemberInfo(address, address, string.Empty);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Member {Id} at {Address} joined the cluster")]
    private partial void LogMemberJoined(string id, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Member {Id}'s address record was kept: {Reason}")]
    private partial void LogRecordKept(string id, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Member {Id} left the cluster")]
    private partial void LogMemberLeft(string id);
}

using Quorum.Store.Raft;
using DotNextNotLeaderException = DotNext.Net.Cluster.Consensus.Raft.NotLeaderException;

namespace Quorum.Store.Replication;

/// <summary>
/// What a linearizable read waits for: Raft's read index. The leader confirms its leadership with a
/// quorum round and reads its commit index; a follower asks the leader for that index (batched, see
/// <see cref="ReadIndexBatcher"/>). Either way the read is answered once this node has applied it.
/// </summary>
internal sealed class ReadBarrier
{
    private readonly RaftNodeHost raft;
    private readonly StoreOptions options;
    private readonly ClusterMembership membership;
    private readonly ILeaderClient? leaderClient;
    private readonly ReadIndexBatcher readIndexes;

    /// <summary>Initializes a new instance of the <see cref="ReadBarrier"/> class.</summary>
    /// <param name="raft">The Raft node.</param>
    /// <param name="options">The read timeout, and the test-only switch that skips the quorum round.</param>
    /// <param name="membership">Names the leader a follower asks.</param>
    /// <param name="leaderClient">How a follower asks; without it, linearizable reads work only on the leader.</param>
    public ReadBarrier(RaftNodeHost raft, StoreOptions options, ClusterMembership membership, ILeaderClient? leaderClient)
    {
        this.raft = raft;
        this.options = options;
        this.membership = membership;
        this.leaderClient = leaderClient;
        readIndexes = new ReadIndexBatcher(AskLeaderAsync);
    }

    /// <summary>Waits until this node's state holds every write completed before the call.</summary>
    /// <exception cref="UnavailableException">No leader, or no quorum, within the read timeout.</exception>
    public async ValueTask WaitUntilCurrentAsync(CancellationToken token)
    {
        var node = raft.Current;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(options.ReadTimeout);
        try
        {
            var index = !node.LeadershipToken.IsCancellationRequested || node.Cluster.Leader is { IsRemote: false }
                ? await ConfirmLeadershipAsync(node, options.SkipReadIndexQuorumRound, timeout.Token)
                : await readIndexes.GetAsync(options.ReadTimeout, timeout.Token);

            await node.Log.WaitForApplyAsync(index, timeout.Token);
        }
        catch (Exception e) when (RaftNode.IsFailure(e))
        {
            throw new UnavailableException("This node's Raft stack is restarting after an internal failure. Retry shortly.", e);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            throw new UnavailableException($"The read could not be confirmed with a quorum within {options.ReadTimeout.TotalSeconds:0.###}s: no leader, or no quorum. Retry, or read with consistency=stale.");
        }
    }

    /// <summary>On the leader: the read index, for a follower that asks; see <see cref="QuorumStore.ConfirmReadIndexAsync"/>.</summary>
    public async Task<long> ConfirmReadIndexAsync(CancellationToken token)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(options.ReadTimeout);
        try
        {
            return await ConfirmLeadershipAsync(raft.Current, options.SkipReadIndexQuorumRound, timeout.Token);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            throw new UnavailableException($"The leader could not confirm its leadership with a quorum within {options.ReadTimeout.TotalSeconds:0.###}s. Retry later.");
        }
    }

    private Task<long> AskLeaderAsync(CancellationToken token)
    {
        var leader = membership.Leader ?? throw new UnavailableException("No leader is known, and a linearizable read needs one. Retry, or read with consistency=stale.");
        if (leaderClient is null || leader.HttpAddress.Length == 0)
            throw new UnavailableException($"This node cannot reach the leader '{leader.Id}' to confirm the read. Retry, or read with consistency=stale.");

        return leaderClient.GetReadIndexAsync(leader, token);
    }

    private static async Task<long> ConfirmLeadershipAsync(RaftNode node, bool skipQuorumRound, CancellationToken token)
    {
        var leadership = await node.AcquireLeadershipAsync(token);

        // Raft's read index: every write completed before this read is committed, so once a quorum
        // round that began after this call confirms the leadership, and the commit index read here
        // is applied, the state is at least as new as any of them. The index is up to date because
        // the leadership is usable only once this term's first entry is committed.
        var index = node.Log.LastCommittedEntryIndex;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, leadership);
        try
        {
            if (!skipQuorumRound)
                await node.Cluster.ForceReplicationAsync(linked.Token);

            await node.Log.WaitForApplyAsync(index, linked.Token);
        }
        catch (Exception e) when (e is DotNextNotLeaderException || RaftNode.IsFailure(e) || (e is OperationCanceledException && leadership.IsCancellationRequested))
        {
            throw new UnavailableException("This node lost its leadership while confirming the read. Retry.", e);
        }

        return index;
    }
}

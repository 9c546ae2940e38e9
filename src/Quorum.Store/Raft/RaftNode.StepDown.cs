using Microsoft.Extensions.Logging;

namespace Quorum.Store.Raft;

/// <summary>Stepping down before a planned stop.</summary>
internal sealed partial class RaftNode
{
    /// <summary>
    /// Prepares this node for a planned stop: a leader resigns, so the others start electing a
    /// successor now instead of after this node has finished its requests and exited; then the node
    /// goes into DotNext's standby mode, so that it cannot win the election it has just caused (it
    /// still votes and takes entries while it drains).
    /// </summary>
    /// <remarks>
    /// DotNext 6.12 has no leadership transfer (Raft's TimeoutNow): the followers still wait out
    /// their election timeout after their last heartbeat, so a planned stop of the leader costs one
    /// election timeout rather than none. What resigning first saves is the time the leader spent
    /// draining requests and stopping while the followers still believed in it.
    /// </remarks>
    /// <param name="token">Cancels the transitions.</param>
    /// <returns><see langword="true"/> when this node led and resigned.</returns>
    public async Task<bool> StepDownAsync(CancellationToken token)
    {
        var resigned = false;
        if (!LeadershipToken.IsCancellationRequested)
        {
            var term = LeaderTerm;
            resigned = await ((DotNext.Net.Cluster.ICluster)Cluster).ResignAsync(token);
            if (resigned)
                LogResigned(term);
        }

        // Fails (false) when a transition is under way; the node is stopping anyway.
        _ = await Cluster.EnableStandbyModeAsync(token);
        return resigned;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resigned the leadership of term {Term} before stopping, so that the others elect a successor now")]
    private partial void LogResigned(long term);
}

namespace Quorum.Store;

/// <summary>
/// How a follower reaches the leader: for a read index, and to hand it the writes its own callers
/// sent. The store does not speak HTTP; the server layer supplies this, over the routes the nodes
/// already expose to each other.
/// </summary>
public interface ILeaderClient
{
    /// <summary>Asks the leader to confirm its leadership with a quorum and report its applied index.</summary>
    /// <param name="leader">The member this node believes is the leader.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>An index that covers every write completed before the call.</returns>
    /// <exception cref="UnavailableException">The leader could not be asked, or is no longer the leader.</exception>
    Task<long> GetReadIndexAsync(MemberInfo leader, CancellationToken token);

    /// <summary>Hands the leader a batch of forwarded writes and waits for its answers.</summary>
    /// <param name="leader">The member this node believes is the leader.</param>
    /// <param name="commands">The writes, encoded by the store; the client carries them as they are.</param>
    /// <param name="token">Cancels waiting; the writes may still be applied.</param>
    /// <returns>The leader's answers, encoded by its store.</returns>
    /// <exception cref="UnavailableException">The batch certainly never reached the leader's log (no connection, or refused before it was read).</exception>
    /// <remarks>Any other failure leaves the writes' fate unknown.</remarks>
    Task<byte[]> ProposeAsync(MemberInfo leader, byte[] commands, CancellationToken token);
}

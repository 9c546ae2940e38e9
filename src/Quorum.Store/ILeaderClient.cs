namespace Quorum.Store;

/// <summary>
/// How a follower asks the leader for a read index. The store does not speak HTTP; the server
/// layer supplies this, over the same API the nodes already expose.
/// </summary>
public interface ILeaderClient
{
    /// <summary>Asks the leader to confirm its leadership with a quorum and report its applied index.</summary>
    /// <param name="leader">The member this node believes is the leader.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>An index that covers every write completed before the call.</returns>
    /// <exception cref="UnavailableException">The leader could not be asked, or is no longer the leader.</exception>
    Task<long> GetReadIndexAsync(MemberInfo leader, CancellationToken token);
}

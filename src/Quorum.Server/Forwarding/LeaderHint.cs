using Quorum.Contracts;
using Quorum.Store;

namespace Quorum.Server.Forwarding;

/// <summary>
/// The <c>X-Quorum-Leader</c> header a follower adds to the answer of every write it passes on to the
/// leader: the leader's HTTP URL. A client that knows several members (<c>QuorumClient</c> given
/// several endpoints) sends its next requests there and skips the follower's hop; a plain HTTP
/// client may ignore it.
/// </summary>
internal static class LeaderHint
{
    /// <summary>Names the leader in the answer.</summary>
    /// <param name="context">The request being answered.</param>
    /// <param name="leader">The leader the request was forwarded to.</param>
    public static void Add(HttpContext context, MemberInfo leader)
        => context.Response.Headers[QuorumHeaders.Leader] = leader.HttpAddress;
}

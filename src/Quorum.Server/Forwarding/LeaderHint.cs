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
    /// <summary>The header's name.</summary>
    public const string Header = "X-Quorum-Leader";

    /// <summary>Names the leader in the answer, when it is known.</summary>
    /// <param name="context">The request being answered.</param>
    /// <param name="leader">The leader this node knows of.</param>
    public static void Add(HttpContext context, MemberInfo? leader)
    {
        if (leader is { HttpAddress.Length: > 0 })
            context.Response.Headers[Header] = leader.HttpAddress;
    }
}

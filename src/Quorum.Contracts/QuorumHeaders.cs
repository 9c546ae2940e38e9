namespace Quorum.Contracts;

/// <summary>Response headers that the server sets and the client reads.</summary>
public static class QuorumHeaders
{
    /// <summary>On the answer to a write a follower forwarded: the leader's HTTP URL, for a client that can send there directly.</summary>
    public const string Leader = "X-Quorum-Leader";
}

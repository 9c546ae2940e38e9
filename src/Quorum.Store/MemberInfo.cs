namespace Quorum.Store;

/// <summary>
/// What the cluster knows about one member: its ID and the addresses others use to reach it.
/// </summary>
/// <remarks>
/// The table of members is replicated through the Raft log like any key, so every node can tell
/// where the leader's HTTP API is and forward requests to it.
/// </remarks>
/// <param name="Id">The member's ID, chosen by its operator or generated once.</param>
/// <param name="RaftAddress">The <c>host:port</c> other members dial for Raft traffic; this is the member's identity in Raft.</param>
/// <param name="HttpAddress">The base URL of the member's HTTP API, such as <c>http://127.0.0.1:8080</c>; empty when not yet known.</param>
public sealed record MemberInfo(string Id, string RaftAddress, string HttpAddress);

namespace Quorum.Store.Auth;

/// <summary>Who a request was proved to come from: a user, or a member of the cluster.</summary>
/// <param name="Name">The user's name, or the member's node ID.</param>
/// <param name="IsNode">A member of the cluster, proved by a node token, rather than a user.</param>
public sealed record Identity(string Name, bool IsNode = false);

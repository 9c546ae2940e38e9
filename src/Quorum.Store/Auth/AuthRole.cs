namespace Quorum.Store.Auth;

/// <summary>A named set of permissions that users are granted.</summary>
/// <param name="Name">The role's name.</param>
/// <param name="Permissions">What the role may do.</param>
public sealed record AuthRole(string Name, IReadOnlyList<PrefixAccess> Permissions)
{
    /// <summary>The role that may do everything, whether or not it has been defined.</summary>
    public const string Root = "root";
}

namespace Quorum.Store.Auth;

/// <summary>A user as the API shows it: never a password or its hash.</summary>
/// <param name="Name">The user's name.</param>
/// <param name="Roles">The roles granted to the user.</param>
public sealed record AuthUser(string Name, IReadOnlyList<string> Roles)
{
    /// <summary>The user that may do everything, and must exist before auth is enabled.</summary>
    public const string Root = "root";
}

using System.Collections.Immutable;

namespace Quorum.Store.Auth;

/// <summary>A user as the replicated state keeps it.</summary>
/// <param name="Name">The user's name.</param>
/// <param name="Password">The hash of the user's password.</param>
/// <param name="Roles">The roles granted.</param>
/// <param name="Generation">The revision at which the password was last set: tokens name it, so a new password ends them.</param>
internal sealed record UserRecord(string Name, PasswordHash Password, ImmutableArray<string> Roles, long Generation)
{
    /// <summary>Gets the user as the API shows it.</summary>
    public AuthUser View => new(Name, Roles);
}

using Quorum.Store.Auth;

namespace Quorum.Store.Commands;

/// <summary>Adds a user or replaces one's roles, and its password when one is given.</summary>
/// <param name="Name">The user's name.</param>
/// <param name="Password">The new password's hash, made by the node that took the request; <see langword="null"/> keeps the old one.</param>
/// <param name="Roles">The roles the user holds from now on.</param>
internal sealed record PutUserCommand(string Name, PasswordHash? Password, IReadOnlyList<string> Roles) : Command;

/// <summary>Deletes a user; its tokens and cached credentials end with it.</summary>
/// <param name="Name">The user's name.</param>
internal sealed record DeleteUserCommand(string Name) : Command;

/// <summary>Adds a role or replaces its permissions.</summary>
/// <param name="Role">The role.</param>
internal sealed record PutRoleCommand(AuthRole Role) : Command;

/// <summary>Deletes a role; users that held it lose what it granted.</summary>
/// <param name="Name">The role's name.</param>
internal sealed record DeleteRoleCommand(string Name) : Command;

/// <summary>Turns auth on or off.</summary>
/// <param name="Enabled">On or off.</param>
/// <param name="TokenKey">A fresh key to sign tokens with, used only if the state has none yet.</param>
internal sealed record SetAuthEnabledCommand(bool Enabled, byte[]? TokenKey) : Command;

/// <summary>Why applying an auth command changed nothing; every replica decides the same at the same entry.</summary>
internal enum AuthRefusal : byte
{
    /// <summary>Applied.</summary>
    None,

    /// <summary>Auth cannot be enabled before user <c>root</c> exists.</summary>
    NoRootUser,

    /// <summary>User <c>root</c> cannot be deleted while auth is enabled.</summary>
    RootUserNeeded,

    /// <summary>No such user.</summary>
    UnknownUser,

    /// <summary>No such role.</summary>
    UnknownRole,

    /// <summary>A new user needs a password.</summary>
    PasswordNeeded,
}

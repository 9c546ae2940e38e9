using System.Text;
using Quorum.Store.Auth;

namespace Quorum.Store.Commands;

/// <summary>The checks of users, roles and permissions.</summary>
internal sealed partial class CommandFactory
{
    /// <summary>The most permissions one role may hold.</summary>
    public const int MaxPermissions = 256;

    /// <summary>The most roles one user may hold.</summary>
    public const int MaxRoles = 64;

    /// <summary>Builds a user's change.</summary>
    /// <param name="name">The user's name.</param>
    /// <param name="password">The new password's hash, or <see langword="null"/> to keep the old one.</param>
    /// <param name="roles">The roles the user holds from now on; each must exist (role <c>root</c> always does).</param>
    /// <param name="auth">The current users and roles.</param>
    /// <returns>The command.</returns>
    /// <exception cref="ArgumentException">A bad name, a new user without a password, or an unknown role.</exception>
    public static PutUserCommand PutUser(string name, PasswordHash? password, IReadOnlyList<string> roles, AuthState auth)
    {
        CheckUser(name, password is not null, roles, auth);
        return new PutUserCommand(name, password, [.. roles.Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>Checks a user's change before its password is hashed, which is slow.</summary>
    /// <param name="name">The user's name.</param>
    /// <param name="hasPassword">Whether a new password is given.</param>
    /// <param name="roles">The roles the user holds from now on.</param>
    /// <param name="auth">The current users and roles.</param>
    /// <exception cref="ArgumentException">A bad name, a new user without a password, or an unknown role.</exception>
    public static void CheckUser(string name, bool hasPassword, IReadOnlyList<string> roles, AuthState auth)
    {
        ValidateName(name, "user");
        ArgumentNullException.ThrowIfNull(roles);
        ArgumentNullException.ThrowIfNull(auth);
        if (!hasPassword && auth.FindUser(name) is null)
            throw new ArgumentException($"User '{name}' does not exist yet: give a \"password\".");
        if (roles.Count > MaxRoles)
            throw new ArgumentException($"A user may hold at most {MaxRoles} roles.");

        foreach (var role in roles)
        {
            ValidateName(role, "role");
            if (role != AuthRole.Root && !auth.Roles.ContainsKey(role))
                throw new ArgumentException($"Role '{role}' does not exist: create it with PUT /auth/roles/{role} first.");
        }
    }

    /// <summary>Builds a role's change.</summary>
    /// <param name="role">The role.</param>
    /// <returns>The command.</returns>
    /// <exception cref="ArgumentException">A bad name, prefix or access, or too many permissions.</exception>
    public static PutRoleCommand PutRole(AuthRole role)
    {
        ArgumentNullException.ThrowIfNull(role);
        ValidateName(role.Name, "role");
        if (role.Permissions.Count > MaxPermissions)
            throw new ArgumentException($"A role may hold at most {MaxPermissions} permissions.");

        foreach (var permission in role.Permissions)
        {
            if (Encoding.UTF8.GetByteCount(permission.Prefix) > MaxKeyBytes)
                throw new ArgumentException($"A permission's prefix may be at most {MaxKeyBytes} bytes.");
            if (permission.Access is not (Access.Read or Access.Write or Access.ReadWrite))
                throw new ArgumentException("A permission's access must be \"read\", \"write\" or \"readwrite\".");
        }

        return new PutRoleCommand(role);
    }

    /// <summary>Checks a user or role name: 1 to 64 ASCII letters, digits, '-', '_', '.' or '@'.</summary>
    /// <param name="name">The name.</param>
    /// <param name="what">"user" or "role", for the message.</param>
    /// <exception cref="ArgumentException">The name is not acceptable.</exception>
    public static void ValidateName(string? name, string what)
    {
        if (name is not { Length: >= 1 and <= 64 } || !name.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@'))
            throw new ArgumentException($"'{name}' is not a valid {what} name: use 1 to 64 letters, digits, '-', '_', '.' or '@'.");
    }
}

using System.Collections.Immutable;

namespace Quorum.Store.Auth;

/// <summary>
/// Users, roles, whether auth is on, and the key that signs tokens: part of the replicated state,
/// the same on every node, changed only through the log. Immutable.
/// </summary>
public sealed partial class AuthState
{
    internal AuthState(bool enabled, ImmutableSortedDictionary<string, UserRecord> users, ImmutableSortedDictionary<string, AuthRole> roles, byte[] tokenKey)
    {
        Enabled = enabled;
        UserRecords = users;
        Roles = roles;
        TokenKey = tokenKey;
    }

    /// <summary>Gets the state of a new cluster: auth off, nobody defined.</summary>
    public static AuthState Empty { get; } = new(false, ImmutableSortedDictionary.Create<string, UserRecord>(StringComparer.Ordinal), ImmutableSortedDictionary.Create<string, AuthRole>(StringComparer.Ordinal), []);

    /// <summary>Gets a value indicating whether requests must prove who sends them.</summary>
    public bool Enabled { get; }

    /// <summary>Gets the roles, by name.</summary>
    public ImmutableSortedDictionary<string, AuthRole> Roles { get; }

    /// <summary>Gets the users, as the API shows them, ordered by name.</summary>
    public IEnumerable<AuthUser> Users => UserRecords.Values.Select(static u => u.View);

    /// <summary>Gets the users as kept, with their password hashes.</summary>
    internal ImmutableSortedDictionary<string, UserRecord> UserRecords { get; }

    /// <summary>Gets the HMAC key that signs tokens; empty until auth is first enabled.</summary>
    internal byte[] TokenKey { get; }

    /// <summary>Finds a user.</summary>
    /// <param name="name">The user's name.</param>
    /// <returns>The user, or <see langword="null"/>.</returns>
    public AuthUser? FindUser(string name) => UserRecords.GetValueOrDefault(name)?.View;

    /// <summary>Tells whether someone may do everything: user <c>root</c>, a holder of role <c>root</c>, or a member of the cluster.</summary>
    /// <param name="identity">Who.</param>
    /// <returns><see langword="true"/> for root.</returns>
    public bool IsRoot(Identity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return identity.IsNode || identity.Name == AuthUser.Root
            || (UserRecords.TryGetValue(identity.Name, out var user) && user.Roles.Contains(AuthRole.Root));
    }

    /// <summary>Tells whether someone may read or write a key, or every key under a prefix.</summary>
    /// <param name="identity">Who.</param>
    /// <param name="keyOrPrefix">The key, or a listing's or watch's prefix.</param>
    /// <param name="access">What they want to do.</param>
    /// <returns><see langword="true"/> when one of their roles grants it.</returns>
    public bool Allows(Identity identity, ReadOnlySpan<byte> keyOrPrefix, Access access)
    {
        if (IsRoot(identity))
            return true;
        if (!UserRecords.TryGetValue(identity.Name, out var user))
            return false;

        foreach (var roleName in user.Roles)
        {
            if (Roles.TryGetValue(roleName, out var role))
            {
                foreach (var permission in role.Permissions)
                {
                    if (permission.Grants(keyOrPrefix, access))
                        return true;
                }
            }
        }

        return false;
    }

    /// <summary>Returns the state with a user added or replaced.</summary>
    internal AuthState WithUser(UserRecord user) => new(Enabled, UserRecords.SetItem(user.Name, user), Roles, TokenKey);

    /// <summary>Returns the state without a user.</summary>
    internal AuthState WithoutUser(string name) => new(Enabled, UserRecords.Remove(name), Roles, TokenKey);

    /// <summary>Returns the state with a role added or replaced.</summary>
    internal AuthState WithRole(AuthRole role) => new(Enabled, UserRecords, Roles.SetItem(role.Name, role), TokenKey);

    /// <summary>Returns the state without a role.</summary>
    internal AuthState WithoutRole(string name) => new(Enabled, UserRecords, Roles.Remove(name), TokenKey);

    /// <summary>Returns the state with auth on or off; a token key given is kept from then on.</summary>
    internal AuthState WithEnabled(bool enabled, byte[]? tokenKey) => new(enabled, UserRecords, Roles, TokenKey.Length == 0 && tokenKey is not null ? tokenKey : TokenKey);

    /// <summary>Rebuilds a state read from a snapshot.</summary>
    internal static AuthState Create(bool enabled, IEnumerable<UserRecord> users, IEnumerable<AuthRole> roles, byte[] tokenKey)
        => new(
            enabled,
            users.ToImmutableSortedDictionary(static u => u.Name, static u => u, StringComparer.Ordinal),
            roles.ToImmutableSortedDictionary(static r => r.Name, static r => r, StringComparer.Ordinal),
            tokenKey);
}

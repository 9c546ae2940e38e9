using System.Security.Cryptography;
using Quorum.Store.Auth;
using Quorum.Store.Commands;

namespace Quorum.Store;

/// <summary>
/// Users, roles and auth: changes go through the log like writes (on the leader), and every node
/// checks credentials and tokens against its own copy of the replicated state.
/// </summary>
public sealed partial class QuorumStore
{
    private readonly CredentialCache credentials = new();

    /// <summary>Gets users, roles and whether auth is on, as this node has applied them.</summary>
    public AuthState Auth => State.Auth;

    /// <summary>Checks a user's password, paying the slow hash only for credentials this node has not verified before.</summary>
    /// <param name="user">The user's name.</param>
    /// <param name="password">The password.</param>
    /// <returns>The user's identity, or <see langword="null"/> for an unknown user or a wrong password.</returns>
    public Identity? Authenticate(string user, string password) => credentials.Verify(Auth, user, password);

    /// <summary>
    /// Waits until this node has applied every write committed before the call (the barrier of a
    /// linearizable read). A follower may not yet have applied a user the leader just created, or
    /// whose token the leader just issued: credentials it does not recognise are checked again
    /// after this, so a refusal is decided on the cluster's current users, not on a lagging copy.
    /// </summary>
    /// <param name="token">Cancels waiting.</param>
    /// <returns>A task that completes when this node is current.</returns>
    /// <exception cref="UnavailableException">No leader, or no quorum, confirmed the barrier.</exception>
    public ValueTask CatchUpAsync(CancellationToken token = default) => readBarrier.WaitUntilCurrentAsync(token);

    /// <summary>Adds a user, or replaces its roles and (when given) its password. Must be called on the leader.</summary>
    /// <param name="name">The user's name.</param>
    /// <param name="password">The new password, or <see langword="null"/> to keep the old one.</param>
    /// <param name="roles">The roles the user holds from now on.</param>
    /// <param name="token">Cancels waiting; the change may still be applied.</param>
    /// <returns>The change's revision.</returns>
    /// <exception cref="ArgumentException">A bad name or password, a new user without a password, or an unknown role.</exception>
    /// <exception cref="UnavailableException">This node is not the leader.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The commit was not confirmed in time.</exception>
    public async Task<WriteResult> PutUserAsync(string name, string? password, IReadOnlyList<string> roles, CancellationToken token = default)
    {
        if (password is { Length: 0 })
            throw new ArgumentException("The password must not be empty.");

        // Checked before the slow hash, so a bad request costs nothing.
        CommandFactory.CheckUser(name, password is not null, roles, Auth);
        var hash = password is null ? null : await Task.Run(() => PasswordHash.Create(password), token);
        return Checked(await proposer.ProposeAsync(CommandFactory.PutUser(name, hash, roles, Auth), token), name);
    }

    /// <summary>Deletes a user. Must be called on the leader.</summary>
    /// <param name="name">The user's name.</param>
    /// <param name="token">Cancels waiting; the change may still be applied.</param>
    /// <returns>The change's revision.</returns>
    /// <exception cref="AuthException">No such user, or user <c>root</c> while auth is enabled.</exception>
    public async Task<WriteResult> DeleteUserAsync(string name, CancellationToken token = default)
    {
        CommandFactory.ValidateName(name, "user");
        if (Auth.FindUser(name) is null)
            throw new AuthException($"User '{name}' does not exist.", isUnknown: true);
        if (Auth.Enabled && name == AuthUser.Root)
            throw new AuthException("User 'root' cannot be deleted while auth is enabled: disable auth first.");

        return Checked(await proposer.ProposeAsync(new DeleteUserCommand(name), token), name);
    }

    /// <summary>Adds a role or replaces its permissions. Must be called on the leader.</summary>
    /// <param name="role">The role.</param>
    /// <param name="token">Cancels waiting; the change may still be applied.</param>
    /// <returns>The change's revision.</returns>
    /// <exception cref="ArgumentException">A bad name, prefix or access.</exception>
    public async Task<WriteResult> PutRoleAsync(AuthRole role, CancellationToken token = default)
        => Checked(await proposer.ProposeAsync(CommandFactory.PutRole(role), token), role?.Name ?? string.Empty);

    /// <summary>Deletes a role. Must be called on the leader.</summary>
    /// <param name="name">The role's name.</param>
    /// <param name="token">Cancels waiting; the change may still be applied.</param>
    /// <returns>The change's revision.</returns>
    /// <exception cref="AuthException">No such role.</exception>
    public async Task<WriteResult> DeleteRoleAsync(string name, CancellationToken token = default)
    {
        CommandFactory.ValidateName(name, "role");
        if (!Auth.Roles.ContainsKey(name))
            throw new AuthException($"Role '{name}' does not exist.", isUnknown: true);

        return Checked(await proposer.ProposeAsync(new DeleteRoleCommand(name), token), name);
    }

    /// <summary>Turns auth on or off. Must be called on the leader.</summary>
    /// <param name="enabled">On or off.</param>
    /// <param name="token">Cancels waiting; the change may still be applied.</param>
    /// <returns>The change's revision.</returns>
    /// <exception cref="AuthException">Auth is being turned on and user <c>root</c> does not exist.</exception>
    public async Task<WriteResult> SetAuthEnabledAsync(bool enabled, CancellationToken token = default)
    {
        if (enabled && Auth.FindUser(AuthUser.Root) is null)
            throw NoRootUser();

        // The first enabling carries the key every node signs and checks tokens with.
        var key = enabled && Auth.TokenKey.Length == 0 ? RandomNumberGenerator.GetBytes(32) : null;
        return Checked(await proposer.ProposeAsync(new SetAuthEnabledCommand(enabled, key), token), AuthUser.Root);
    }

    private static WriteResult Checked(CommandOutcome outcome, string name) => outcome.Refusal switch
    {
        AuthRefusal.None => new WriteResult(outcome.Revision),
        AuthRefusal.NoRootUser => throw NoRootUser(),
        AuthRefusal.RootUserNeeded => throw new AuthException("User 'root' cannot be deleted while auth is enabled: disable auth first."),
        AuthRefusal.UnknownUser => throw new AuthException($"User '{name}' does not exist.", isUnknown: true),
        AuthRefusal.UnknownRole => throw new AuthException($"Role '{name}' does not exist.", isUnknown: true),
        _ => throw new ArgumentException($"User '{name}' does not exist yet: give a \"password\"."),
    };

    private static AuthException NoRootUser() => new("Auth cannot be enabled before user 'root' exists: create it with PUT /auth/users/root first.");
}

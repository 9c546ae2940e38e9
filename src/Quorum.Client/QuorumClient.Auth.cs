using System.Net.Http.Json;
using Quorum.Contracts;
using Quorum.Contracts.Auth;

namespace Quorum.Client;

/// <summary>Users, roles, turning auth on and off, tokens and who-am-I (<c>/auth/*</c>).</summary>
public sealed partial class QuorumClient
{
    /// <summary>Adds a user, or replaces its roles and (when given) its password.</summary>
    /// <param name="name">The user's name.</param>
    /// <param name="password">The new password, or <see langword="null"/> to keep the old one.</param>
    /// <param name="roles">The roles the user holds from now on.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>A task that completes when the change is applied.</returns>
    public Task PutUserAsync(string name, string? password, IReadOnlyList<string> roles, CancellationToken token = default)
        => SendExpectingSuccessAsync(HttpMethod.Put, "auth/users/" + Escape(name), JsonContent.Create(new UserBody(password, roles), WireJson.Wire.UserBody), token);

    /// <summary>Lists the users.</summary>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The users and their roles.</returns>
    public async Task<IReadOnlyList<UserView>> GetUsersAsync(CancellationToken token = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "auth/users"), token);
        return await ReadAsync(response, WireJson.Wire.UserViewArray, token);
    }

    /// <summary>Gets a user.</summary>
    /// <param name="name">The user's name.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The user and its roles.</returns>
    public async Task<UserView> GetUserAsync(string name, CancellationToken token = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "auth/users/" + Escape(name)), token);
        return await ReadAsync(response, WireJson.Wire.UserView, token);
    }

    /// <summary>Deletes a user.</summary>
    /// <param name="name">The user's name.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>A task that completes when the change is applied.</returns>
    public Task DeleteUserAsync(string name, CancellationToken token = default)
        => SendExpectingSuccessAsync(HttpMethod.Delete, "auth/users/" + Escape(name), null, token);

    /// <summary>Adds a role or replaces its permissions.</summary>
    /// <param name="name">The role's name.</param>
    /// <param name="permissions">Its permissions from now on.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>A task that completes when the change is applied.</returns>
    public Task PutRoleAsync(string name, IReadOnlyList<PermissionBody> permissions, CancellationToken token = default)
        => SendExpectingSuccessAsync(HttpMethod.Put, "auth/roles/" + Escape(name), JsonContent.Create(new RoleBody(permissions), WireJson.Wire.RoleBody), token);

    /// <summary>Lists the roles.</summary>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The roles and their permissions.</returns>
    public async Task<IReadOnlyList<RoleView>> GetRolesAsync(CancellationToken token = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "auth/roles"), token);
        return await ReadAsync(response, WireJson.Wire.RoleViewArray, token);
    }

    /// <summary>Gets a role.</summary>
    /// <param name="name">The role's name.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The role and its permissions.</returns>
    public async Task<RoleView> GetRoleAsync(string name, CancellationToken token = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "auth/roles/" + Escape(name)), token);
        return await ReadAsync(response, WireJson.Wire.RoleView, token);
    }

    /// <summary>Deletes a role.</summary>
    /// <param name="name">The role's name.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>A task that completes when the change is applied.</returns>
    public Task DeleteRoleAsync(string name, CancellationToken token = default)
        => SendExpectingSuccessAsync(HttpMethod.Delete, "auth/roles/" + Escape(name), null, token);

    /// <summary>Turns auth on (user <c>root</c> must exist) or off.</summary>
    /// <param name="enabled">On or off.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>A task that completes when the change is applied.</returns>
    public Task SetAuthEnabledAsync(bool enabled, CancellationToken token = default)
        => SendExpectingSuccessAsync(HttpMethod.Post, enabled ? "auth/enable" : "auth/disable", null, token);

    /// <summary>Gets who the server takes this client for.</summary>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The user and its roles, or <c>anonymous</c>.</returns>
    public async Task<UserView> WhoAmIAsync(CancellationToken token = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "auth/whoami"), token);
        return await ReadAsync(response, WireJson.Wire.UserView, token);
    }

    /// <summary>Gets a bearer token for this client's user (it must have been given a user and password).</summary>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The token and how many seconds it is good for.</returns>
    public async Task<TokenAnswer> GetTokenAsync(CancellationToken token = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, "auth/token"), token);
        return await ReadAsync(response, WireJson.Wire.TokenAnswer, token);
    }

    private async Task SendExpectingSuccessAsync(HttpMethod method, string path, HttpContent? content, CancellationToken token)
    {
        // The content is read once per attempt, so it is buffered first.
        var body = content is null ? null : await content.ReadAsByteArrayAsync(token);
        var type = content?.Headers.ContentType;
        using var response = await SendAsync(
            () => new HttpRequestMessage(method, path) { Content = body is null ? null : new ByteArrayContent(body) { Headers = { ContentType = type } } },
            token);
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(response, token);
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Quorum.Contracts.Auth;

/// <summary>The body of <c>PUT /auth/users/{name}</c>.</summary>
/// <param name="Password">The new password; left out to keep the old one.</param>
/// <param name="Roles">The roles the user holds from now on.</param>
public sealed record UserBody(
    [property: JsonPropertyName("password")] string? Password,
    [property: JsonPropertyName("roles")] IReadOnlyList<string>? Roles)
{
    /// <summary>Gets or sets fields the contract does not have; a body with any is refused.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

/// <summary>A user as <c>GET /auth/users</c> and <c>GET /auth/whoami</c> show it: never a password or a hash.</summary>
/// <param name="Name">The user's name.</param>
/// <param name="Roles">The roles the user holds.</param>
public sealed record UserView(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("roles")] IReadOnlyList<string> Roles);

/// <summary>One permission of a role: <c>{"prefix":K,"access":"read"|"write"|"readwrite"}</c>.</summary>
/// <param name="Prefix">The key prefix it covers; empty covers every key.</param>
/// <param name="Access">"read", "write" or "readwrite".</param>
public sealed record PermissionBody(
    [property: JsonPropertyName("prefix")] string? Prefix,
    [property: JsonPropertyName("access")] string? Access);

/// <summary>The body of <c>PUT /auth/roles/{name}</c>.</summary>
/// <param name="Permissions">The role's permissions from now on.</param>
public sealed record RoleBody([property: JsonPropertyName("permissions")] IReadOnlyList<PermissionBody>? Permissions)
{
    /// <summary>Gets or sets fields the contract does not have; a body with any is refused.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

/// <summary>A role as <c>GET /auth/roles</c> shows it.</summary>
/// <param name="Name">The role's name.</param>
/// <param name="Permissions">What it may do.</param>
public sealed record RoleView(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("permissions")] IReadOnlyList<PermissionBody> Permissions);

/// <summary>The answer of <c>POST /auth/token</c>.</summary>
/// <param name="Token">The bearer token.</param>
/// <param name="ExpiresIn">Seconds until it expires.</param>
public sealed record TokenAnswer(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("expiresIn")] long ExpiresIn);

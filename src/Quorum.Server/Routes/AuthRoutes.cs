using Microsoft.AspNetCore.Http.HttpResults;
using Quorum.Contracts;
using Quorum.Contracts.Auth;
using Quorum.Server.Audit;
using Quorum.Server.Auth;
using Quorum.Server.Forwarding;
using Quorum.Server.Http;
using Quorum.Store;
using Quorum.Store.Auth;

namespace Quorum.Server.Routes;

/// <summary>Users, roles, turning auth on and off, tokens, and who-am-I: <c>/auth/*</c>.</summary>
internal static class AuthRoutes
{
    /// <summary>How long a token from <c>POST /auth/token</c> is good for.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(15);

    /// <summary>Maps the auth routes.</summary>
    /// <param name="app">The route builder.</param>
    public static void MapAuthRoutes(this IEndpointRouteBuilder app)
    {
        app.MapPut("/auth/users/{name}", PutUserAsync).RequireLeader().RequireRoot();
        app.MapGet("/auth/users", ListUsers).RequireRoot();
        app.MapGet("/auth/users/{name}", GetUser).RequireRoot();
        app.MapDelete("/auth/users/{name}", DeleteUserAsync).RequireLeader().RequireRoot();
        app.MapPut("/auth/roles/{name}", PutRoleAsync).RequireLeader().RequireRoot();
        app.MapGet("/auth/roles", ListRoles).RequireRoot();
        app.MapGet("/auth/roles/{name}", GetRole).RequireRoot();
        app.MapDelete("/auth/roles/{name}", DeleteRoleAsync).RequireLeader().RequireRoot();
        app.MapPost("/auth/enable", EnableAsync).RequireLeader().RequireRoot();
        app.MapPost("/auth/disable", DisableAsync).RequireLeader().RequireRoot();
        app.MapPost("/auth/token", IssueToken);
        app.MapGet("/auth/whoami", WhoAmI);
    }

    private static async Task<IResult> PutUserAsync(HttpContext context, QuorumStore store, string name)
    {
        QueryParameters.RequireOnly(context.Request);
        var body = await RequestBody.ReadJsonAsync(context, WireJson.Wire.UserBody);
        RefuseUnknown(body.Unknown);
        AuditMiddleware.SetRevision(context, (await store.PutUserAsync(name, body.Password, body.Roles ?? [], context.RequestAborted)).Revision);
        return Success();
    }

    private static JsonHttpResult<UserView[]> ListUsers(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request);
        return TypedResults.Json(store.Auth.Users.Select(ToView).ToArray(), WireJson.Wire.UserViewArray);
    }

    private static IResult GetUser(HttpContext context, QuorumStore store, string name)
    {
        QueryParameters.RequireOnly(context.Request);
        return store.Auth.FindUser(name) is { } user
            ? TypedResults.Json(ToView(user), WireJson.Wire.UserView)
            : ApiResults.Error(StatusCodes.Status404NotFound, $"User '{name}' does not exist.");
    }

    private static async Task<IResult> DeleteUserAsync(HttpContext context, QuorumStore store, string name)
    {
        QueryParameters.RequireOnly(context.Request);
        AuditMiddleware.SetRevision(context, (await store.DeleteUserAsync(name, context.RequestAborted)).Revision);
        return Success();
    }

    private static async Task<IResult> PutRoleAsync(HttpContext context, QuorumStore store, string name)
    {
        QueryParameters.RequireOnly(context.Request);
        var body = await RequestBody.ReadJsonAsync(context, WireJson.Wire.RoleBody);
        RefuseUnknown(body.Unknown);
        var permissions = (body.Permissions ?? []).Select(static p => new PrefixAccess(
            p?.Prefix ?? throw ApiException.BadRequest("Each permission needs a \"prefix\" (\"\" for every key)."),
            p.Access switch
            {
                "read" => Access.Read,
                "write" => Access.Write,
                "readwrite" => Access.ReadWrite,
                _ => throw ApiException.BadRequest($"A permission's \"access\" must be \"read\", \"write\" or \"readwrite\", not '{p.Access}'."),
            })).ToArray();
        AuditMiddleware.SetRevision(context, (await store.PutRoleAsync(new AuthRole(name, permissions), context.RequestAborted)).Revision);
        return Success();
    }

    private static JsonHttpResult<RoleView[]> ListRoles(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request);
        return TypedResults.Json(store.Auth.Roles.Values.Select(ToView).ToArray(), WireJson.Wire.RoleViewArray);
    }

    private static IResult GetRole(HttpContext context, QuorumStore store, string name)
    {
        QueryParameters.RequireOnly(context.Request);
        return store.Auth.Roles.TryGetValue(name, out var role)
            ? TypedResults.Json(ToView(role), WireJson.Wire.RoleView)
            : ApiResults.Error(StatusCodes.Status404NotFound, $"Role '{name}' does not exist.");
    }

    private static async Task<IResult> DeleteRoleAsync(HttpContext context, QuorumStore store, string name)
    {
        QueryParameters.RequireOnly(context.Request);
        AuditMiddleware.SetRevision(context, (await store.DeleteRoleAsync(name, context.RequestAborted)).Revision);
        return Success();
    }

    private static async Task<IResult> EnableAsync(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request);
        AuditMiddleware.SetRevision(context, (await store.SetAuthEnabledAsync(true, context.RequestAborted)).Revision);
        return Success();
    }

    private static async Task<IResult> DisableAsync(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request);
        AuditMiddleware.SetRevision(context, (await store.SetAuthEnabledAsync(false, context.RequestAborted)).Revision);
        return Success();
    }

    private static JsonHttpResult<TokenAnswer> IssueToken(HttpContext context, QuorumStore store, TimeProvider time)
    {
        QueryParameters.RequireOnly(context.Request);
        if (!context.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            throw new ApiException(StatusCodes.Status400BadRequest, "POST /auth/token takes the user's credentials in Authorization: Basic base64(user:password).");

        var identity = Caller.Of(context) ?? throw new ApiException(StatusCodes.Status409Conflict, "Auth is off: requests need no token. Enable it with POST /auth/enable.");
        var token = store.Auth.IssueToken(identity, time.GetUtcNow() + TokenLifetime)
            ?? throw new ApiException(StatusCodes.Status409Conflict, "Auth has never been enabled on this cluster, so it has no key to sign tokens with. Enable it with POST /auth/enable.");
        return TypedResults.Json(new TokenAnswer(token, (long)TokenLifetime.TotalSeconds), WireJson.Wire.TokenAnswer);
    }

    private static JsonHttpResult<UserView> WhoAmI(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request);
        var identity = Caller.Of(context);
        var user = identity is { IsNode: false } ? store.Auth.FindUser(identity.Name) : null;
        return TypedResults.Json(new UserView(Caller.NameOf(context), user?.Roles ?? []), WireJson.Wire.UserView);
    }

    private static JsonHttpResult<StatusResponse> Success() => TypedResults.Json(new StatusResponse("success"), ApiJsonContext.Api.StatusResponse);

    private static UserView ToView(AuthUser user) => new(user.Name, user.Roles);

    private static RoleView ToView(AuthRole role)
        => new(role.Name, role.Permissions.Select(static p => new PermissionBody(p.Prefix, p.Access switch
        {
            Access.Read => "read",
            Access.Write => "write",
            _ => "readwrite",
        })).ToArray());

    private static void RefuseUnknown(Dictionary<string, System.Text.Json.JsonElement>? unknown)
    {
        if (unknown is { Count: > 0 })
            throw ApiException.BadRequest($"Unknown field \"{unknown.Keys.First()}\" in the body.");
    }
}

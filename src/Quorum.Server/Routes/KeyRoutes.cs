using Microsoft.Net.Http.Headers;
using Quorum.Server.Auth;
using Quorum.Server.Forwarding;
using Quorum.Server.Http;
using Quorum.Store;
using Quorum.Store.Auth;

namespace Quorum.Server.Routes;

/// <summary>The key routes: <c>POST|PUT|GET|DELETE /key/{key}</c>, with <c>If-Match</c>/<c>If-None-Match</c> preconditions and <c>?ttl=</c> leases on writes.</summary>
internal static class KeyRoutes
{
    /// <summary>Maps the key routes.</summary>
    /// <param name="app">The route builder.</param>
    public static void MapKeyRoutes(this IEndpointRouteBuilder app)
    {
        // The catch-all also matches "/key" and "/key/", so an empty key gets a clear 400, not a 404.
        app.MapMethods("/key/{**key}", [HttpMethods.Post, HttpMethods.Put], SetAsync).RequireLeader();
        app.MapGet("/key/{**key}", GetAsync);
        app.MapDelete("/key/{**key}", DeleteAsync).RequireLeader();
    }

    private static async Task<IResult> SetAsync(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request, "ttl");
        var ttl = QueryParameters.Ttl(context.Request);
        var key = KeyPath.Parse(context);
        KeyAccess.Require(context, store, key, Access.Write);
        var condition = ConditionalHeaders.Read(context.Request, allowCreateOnly: true);
        var value = await RequestBody.ReadAsync(context, store.Options.MaxValueBytes);
        var result = condition.Kind == PreconditionKind.None && ttl is null
            ? await store.SetAsync(key, value, context.RequestAborted)
            : await store.SetAsync(key, value, condition, ttl, context.RequestAborted);
        return new WriteAnswer(result.Revision);
    }

    private static async Task<IResult> GetAsync(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request, "consistency");
        var consistency = QueryParameters.Consistency(context.Request);
        var key = KeyPath.Parse(context);
        KeyAccess.Require(context, store, key, Access.Read);
        var stored = await store.GetAsync(key, consistency, context.RequestAborted);
        if (stored is null)
            return ApiResults.Error(StatusCodes.Status404NotFound, $"Key '{KeyPath.Display(key)}' not found.");

        context.Response.Headers[HeaderNames.ETag] = $"\"{stored.Revision}\"";
        return TypedResults.Bytes(stored.Value, "application/octet-stream");
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request);
        var key = KeyPath.Parse(context);
        KeyAccess.Require(context, store, key, Access.Write);
        var condition = ConditionalHeaders.Read(context.Request, allowCreateOnly: false);
        var result = await store.DeleteAsync(key, condition, context.RequestAborted);
        return new WriteAnswer(result.Revision);
    }
}

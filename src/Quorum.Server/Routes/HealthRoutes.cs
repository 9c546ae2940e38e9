using Quorum.Server.Http;
using Quorum.Store;

namespace Quorum.Server.Routes;

/// <summary>The cheap routes for load balancers and orchestrators: <c>/</c>, <c>/health</c>, <c>/ready</c>.</summary>
internal static class HealthRoutes
{
    /// <summary>Maps the health routes.</summary>
    /// <param name="app">The route builder.</param>
    public static void MapHealthRoutes(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (QuorumStore store) => TypedResults.Json(new IdentityResponse("ok", store.Self.Id, store.Leader?.Id), ApiJsonContext.Api.IdentityResponse)).AllowAnonymous();
        app.MapGet("/health", () => TypedResults.Json(new StatusResponse("ok"), ApiJsonContext.Api.StatusResponse)).AllowAnonymous();
        app.MapGet("/ready", Ready).AllowAnonymous();
    }

    private static IResult Ready(HttpContext context, QuorumStore store)
    {
        if (store.IsReady)
            return TypedResults.Json(new StatusResponse("ready"), ApiJsonContext.Api.StatusResponse);

        context.Response.Headers.RetryAfter = ApiResults.RetryAfterSeconds;
        return ApiResults.Error(
            StatusCodes.Status503ServiceUnavailable,
            store.Leader is null ? "Not ready: no leader is known." : "Not ready: still applying committed entries.");
    }
}

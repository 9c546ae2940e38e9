using Quorum.Server.Http;
using Quorum.Store;

namespace Quorum.Server.Auth;

/// <summary>Marks routes only root may use when auth is on: membership changes, users, roles, backups.</summary>
internal static class RootOnly
{
    /// <summary>With auth on, refuses the route with 403 to anyone but user <c>root</c>, a holder of role <c>root</c>, or a member of the cluster.</summary>
    /// <typeparam name="TBuilder">The endpoint builder.</typeparam>
    /// <param name="route">The route.</param>
    /// <returns>The route, for chaining.</returns>
    public static TBuilder RequireRoot<TBuilder>(this TBuilder route)
        where TBuilder : IEndpointConventionBuilder
        => route.AddEndpointFilter(static (context, next) =>
        {
            var http = context.HttpContext;
            var auth = http.RequestServices.GetRequiredService<QuorumStore>().Auth;
            if (auth.Enabled && (Caller.Of(http) is not { } identity || !auth.IsRoot(identity)))
                throw new ApiException(StatusCodes.Status403Forbidden, $"{http.Request.Method} {http.Request.Path} needs root: user '{Caller.NameOf(http)}' is not root and holds no role 'root'.");

            return next(context);
        });
}

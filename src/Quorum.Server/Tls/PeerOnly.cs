using Quorum.Server.Auth;
using Quorum.Server.Http;
using Quorum.Store;

namespace Quorum.Server.Tls;

/// <summary>Whether routes that only nodes use among themselves demand proof that the caller is a peer.</summary>
/// <param name="RequireCertificate">With peer TLS: the caller must have presented a certificate from the peer CA.</param>
internal sealed record PeerPolicy(bool RequireCertificate);

/// <summary>Marks routes that only nodes use among themselves, such as the leader's read index.</summary>
internal static class PeerOnly
{
    /// <summary>
    /// Refuses the route, with 403, to a caller that has not proved it is a peer: under peer TLS, by a
    /// certificate from the peer CA; otherwise, with auth on, by a node token signed with the cluster's key.
    /// With neither, the route is open, as every route is.
    /// </summary>
    /// <param name="route">The route.</param>
    /// <returns>The route, for chaining.</returns>
    public static RouteHandlerBuilder RequirePeer(this RouteHandlerBuilder route)
        => route.AddEndpointFilter(static (context, next) =>
        {
            var http = context.HttpContext;
            if (http.RequestServices.GetRequiredService<PeerPolicy>().RequireCertificate)
            {
                if (!NodeTls.IsPeerConnection(http))
                    throw new ApiException(StatusCodes.Status403Forbidden, $"{http.Request.Path} is for cluster members only: present a certificate from the peer CA.");
            }
            else if (http.RequestServices.GetRequiredService<QuorumStore>().Auth.Enabled && Caller.Of(http) is not { IsNode: true })
            {
                throw new ApiException(StatusCodes.Status403Forbidden, $"{http.Request.Path} is for cluster members only, and '{Caller.NameOf(http)}' is not one.");
            }

            return next(context);
        });
}

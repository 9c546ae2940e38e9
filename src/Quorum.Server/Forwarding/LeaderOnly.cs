namespace Quorum.Server.Forwarding;

/// <summary>
/// Endpoint metadata for a route that changes replicated state: on a follower,
/// <see cref="LeaderForwardingMiddleware"/> passes the request on to the leader. The route file says
/// so next to the route (<see cref="LeaderOnlyExtensions.RequireLeader{TBuilder}"/>), so a new route
/// cannot be forgotten by a list kept elsewhere.
/// </summary>
/// <param name="ForwardTimeout">
/// How long a follower waits for the leader's answer before it reports the outcome unknown (504);
/// <see langword="null"/> for the store's write timeout plus 5 s.
/// </param>
internal sealed record LeaderOnly(TimeSpan? ForwardTimeout);

/// <summary>Marks routes as <see cref="LeaderOnly"/>.</summary>
internal static class LeaderOnlyExtensions
{
    /// <summary>Marks the route as served by the leader only; followers forward it.</summary>
    /// <typeparam name="TBuilder">The endpoint builder.</typeparam>
    /// <param name="builder">The route.</param>
    /// <param name="forwardTimeout">How long a follower waits for the leader; <see langword="null"/> for the write timeout plus 5 s.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder RequireLeader<TBuilder>(this TBuilder builder, TimeSpan? forwardTimeout = null)
        where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(new LeaderOnly(forwardTimeout));
}

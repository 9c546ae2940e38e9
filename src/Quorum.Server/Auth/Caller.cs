using Quorum.Store.Auth;

namespace Quorum.Server.Auth;

/// <summary>Who sent the request, as <see cref="AuthenticationMiddleware"/> proved it; kept on the request's features.</summary>
/// <param name="Identity">The user or node, or <see langword="null"/> for an anonymous caller.</param>
internal sealed record Caller(Identity? Identity)
{
    /// <summary>The name audit records and messages use for a caller without credentials.</summary>
    public const string Anonymous = "anonymous";

    /// <summary>Gets the caller of a request.</summary>
    /// <param name="context">The request.</param>
    /// <returns>The identity, or <see langword="null"/> when anonymous.</returns>
    public static Identity? Of(HttpContext context) => context.Features.Get<Caller>()?.Identity;

    /// <summary>Gets the name of the caller of a request, or <see cref="Anonymous"/>.</summary>
    /// <param name="context">The request.</param>
    /// <returns>The name.</returns>
    public static string NameOf(HttpContext context) => Of(context) is { } identity ? (identity.IsNode ? "node:" + identity.Name : identity.Name) : Anonymous;
}

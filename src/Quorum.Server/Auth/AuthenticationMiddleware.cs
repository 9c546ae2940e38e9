using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Quorum.Server.Http;
using Quorum.Server.Tls;
using Quorum.Store;
using Quorum.Store.Auth;

namespace Quorum.Server.Auth;

/// <summary>
/// Proves who sent a request: <c>Authorization: Basic</c> (checked against the replicated users,
/// cached), <c>Authorization: Bearer</c> (a token any node signed), a client certificate's Common
/// Name, or a peer certificate (a member of the cluster). With auth on, a route not marked
/// <c>AllowAnonymous()</c> refuses a caller without valid credentials: 401 with
/// <c>WWW-Authenticate</c>, before anything is forwarded or changed. What the caller may do is
/// decided where the request is served (<see cref="RootOnly"/>, <see cref="KeyAccess"/>).
/// </summary>
/// <param name="next">The rest of the pipeline.</param>
/// <param name="store">The store, whose auth state is this node's copy of the replicated one.</param>
/// <param name="time">The clock tokens expire by.</param>
internal sealed class AuthenticationMiddleware(RequestDelegate next, QuorumStore store, TimeProvider time)
{
    /// <summary>The challenge a 401 carries, as the contract spells it.</summary>
    public const string Challenge = "Basic realm=\"quorum\"";

    /// <summary>Identifies the caller, or refuses the request.</summary>
    /// <param name="context">The request.</param>
    /// <returns>A task that completes when the response is written.</returns>
    public async Task InvokeAsync(HttpContext context)
    {
        var auth = store.Auth;
        var header = context.Request.Headers.Authorization.ToString();

        // Auth off and no credentials: the common case of a development node pays one header lookup.
        if (!auth.Enabled && header.Length == 0 && !NodeTls.IsPeerConnection(context))
        {
            await next(context);
            return;
        }

        var (identity, problem) = Identify(context, auth, header);
        if (problem is not null && !store.IsLeader && await CaughtUpAsync(context))
        {
            // Refused on a follower's copy of the users, which may lag the leader's by a moment
            // (a user just added, a token just issued for them): decide again on current state.
            auth = store.Auth;
            (identity, problem) = Identify(context, auth, header);
        }

        context.Features.Set(new Caller(identity));
        if (auth.Enabled && (identity is null || problem is not null) && context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is null)
        {
            context.Response.Headers.WWWAuthenticate = Challenge;
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, problem ?? "This request needs credentials: send Authorization: Basic (user:password) or Bearer (a token from POST /auth/token).");
            return;
        }

        await next(context);
    }

    // False when the barrier cannot be had (no leader or quorum): the first answer stands.
    private async Task<bool> CaughtUpAsync(HttpContext context)
    {
        try
        {
            await store.CatchUpAsync(context.RequestAborted);
            return true;
        }
        catch (UnavailableException)
        {
            return false;
        }
    }

    private (Identity? Identity, string? Problem) Identify(HttpContext context, AuthState auth, string header)
    {
        if (header.Length > 0)
        {
            if (!AuthenticationHeaderValue.TryParse(header, out var parsed) || parsed.Parameter is null)
                return (null, "The Authorization header is malformed: use Basic base64(user:password) or Bearer TOKEN.");

            if (parsed.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            {
                return auth.ValidateToken(parsed.Parameter, time.GetUtcNow()) is { } bearer
                    ? (bearer, null)
                    : (null, "The bearer token is invalid or has expired, or its user has been deleted or has a new password: get a new one from POST /auth/token.");
            }

            if (parsed.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            {
                var (user, password) = DecodeBasic(parsed.Parameter);
                return user is not null && store.Authenticate(user, password!) is { } basic
                    ? (basic, null)
                    : (null, "Wrong user name or password.");
            }

            return (null, $"The Authorization scheme '{parsed.Scheme}' is not supported: use Basic or Bearer.");
        }

        // A certificate from the peer CA proves a member of the cluster.
        if (NodeTls.IsPeerConnection(context))
            return (new Identity(context.Connection.ClientCertificate?.GetNameInfo(X509NameType.SimpleName, false) ?? "peer", IsNode: true), null);

        // A client certificate the handshake checked against the trusted CA names its user.
        if (context.Connection.ClientCertificate?.GetNameInfo(X509NameType.SimpleName, false) is { Length: > 0 } commonName)
        {
            return auth.FindUser(commonName) is not null
                ? (new Identity(commonName), null)
                : (null, $"The client certificate names user '{commonName}', who does not exist.");
        }

        return (null, null);
    }

    private static (string? User, string? Password) DecodeBasic(string parameter)
    {
        Span<byte> bytes = stackalloc byte[512];
        if (!Convert.TryFromBase64String(parameter, bytes, out var length))
            return (null, null);

        var text = Encoding.UTF8.GetString(bytes[..length]);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? (text[..colon], text[(colon + 1)..]) : (null, null);
    }
}

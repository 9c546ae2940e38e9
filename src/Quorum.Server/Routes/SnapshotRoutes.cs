using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Quorum.Server.Audit;
using Quorum.Server.Auth;
using Quorum.Server.Http;
using Quorum.Store;

namespace Quorum.Server.Routes;

/// <summary>
/// Backups: <c>GET /snapshot</c> streams a point-in-time copy of the whole replicated state, served
/// by the node asked, root only once auth is on. Its layout is <c>Snapshots/BackupFormat.cs</c> in the store.
/// </summary>
internal static class SnapshotRoutes
{
    /// <summary>The response header that gives the number of keys in the copy.</summary>
    public const string KeysHeader = "X-Quorum-Keys";

    /// <summary>Maps the snapshot route.</summary>
    /// <param name="app">The route builder.</param>
    public static void MapSnapshotRoutes(this IEndpointRouteBuilder app) => app.MapGet("/snapshot", SnapshotAsync).RequireRoot();

    private static async Task SnapshotAsync(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request);

        // Refusals (no quorum for the barrier) come before the first byte, so they get a status and a JSON body.
        using var copy = await store.CopyAsync(context.RequestAborted);
        var revision = copy.Revision.ToString(CultureInfo.InvariantCulture);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/octet-stream";
        response.Headers[AuditMiddleware.RevisionHeader] = revision;
        response.Headers[KeysHeader] = copy.KeyCount.ToString(CultureInfo.InvariantCulture);
        response.Headers.ContentDisposition = $"attachment; filename=\"quorum-{revision}.snapshot\"";
        response.Headers.CacheControl = "no-store";

        // The snapshot writer is synchronous (it fills and hashes large blocks by hand), so it gets
        // a thread of its own: blocked on a slow client, a pool thread would starve the pool (on
        // two cores writes stalled 0.5 s, the pool's injection delay). A failure half way aborts
        // the connection: the client's checksum check then refuses what it got.
        context.Features.Get<IHttpBodyControlFeature>()!.AllowSynchronousIO = true;
        await copy.WriteOnOwnThreadAsync(response.Body, context.RequestAborted);
    }
}

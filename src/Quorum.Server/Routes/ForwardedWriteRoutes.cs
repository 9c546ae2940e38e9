using Quorum.Server.Http;
using Quorum.Server.Tls;
using Quorum.Store;

namespace Quorum.Server.Routes;

/// <summary>
/// The leader's <c>POST /raft/propose</c>, peer-only: the key writes a follower took from its callers,
/// as commands in the store's binary form, many to a request (see <c>ProposalForwarder</c>).
/// </summary>
internal static class ForwardedWriteRoutes
{
    // A batch stops growing at 4 MiB, but always holds at least one write, which may be as large as a value may be.
    private const int BatchBytes = (4 * 1024 * 1024) + (64 * 1024);

    /// <summary>Maps the route.</summary>
    /// <param name="app">The route builder.</param>
    public static void MapForwardedWriteRoutes(this IEndpointRouteBuilder app)
        => app.MapPost("/raft/propose", ProposeAsync).RequirePeer();

    private static async Task ProposeAsync(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request);
        var body = await RequestBody.ReadAsync(context, BatchBytes + store.Options.MaxValueBytes);

        // From here on the writes are proposed: every failure is in the answers, never a status the
        // follower would read as "refused before proposing".
        var answers = await store.ProposeForwardedAsync(new(body), context.RequestAborted);
        try
        {
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/octet-stream";
            response.ContentLength = answers.Length;
            await response.Body.WriteAsync(answers, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The follower is gone, or this node is stopping: it reads a cut connection as "unknown".
            context.Abort();
        }
    }
}

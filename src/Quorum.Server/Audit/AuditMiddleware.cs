using Quorum.Server.Auth;
using Quorum.Server.Forwarding;
using Quorum.Store;

namespace Quorum.Server.Audit;

/// <summary>
/// Records every request to a route that changes replicated state (the routes marked
/// <see cref="LeaderOnly"/>: writes, transactions, auth changes, membership changes) on the node
/// that took it from its caller, with the status the caller got, refusals included. The first
/// middleware, so it sees the final status. A request another member forwarded was recorded there;
/// the leader skips it only when the forwarder proved it is a member, so a caller cannot hide a
/// request by adding the forwarding header itself.
/// </summary>
/// <param name="next">The rest of the pipeline.</param>
/// <param name="log">Where records go.</param>
/// <param name="store">The store: this node's ID, and the key node proofs are checked with.</param>
/// <param name="time">The clock records are stamped with.</param>
internal sealed class AuditMiddleware(RequestDelegate next, AuditLog log, QuorumStore store, TimeProvider time)
{
    /// <summary>The response header that carries a forwarded write's revision back to the node that recorded it.</summary>
    public const string RevisionHeader = "X-Quorum-Revision";

    private const string RevisionItem = "quorum.revision";

    /// <summary>Notes the revision a change was applied at, for its audit record; a forwarded request's answer carries it back in <see cref="RevisionHeader"/>.</summary>
    /// <param name="context">The request.</param>
    /// <param name="revision">The revision.</param>
    public static void SetRevision(HttpContext context, long revision)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Items[RevisionItem] = revision;
        if (context.Request.Headers.ContainsKey(NodeClient.ForwardedHeader))
            context.Response.Headers[RevisionHeader] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Serves the request, then records it if it is audited.</summary>
    /// <param name="context">The request.</param>
    /// <returns>A task that completes when the response is written and the record queued.</returns>
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        finally
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<LeaderOnly>() is not null && !ForwardedByMember(context))
                await log.WriteAsync(Record(context));
        }
    }

    private AuditRecord Record(HttpContext context)
    {
        long? revision = context.Items.TryGetValue(RevisionItem, out var local) && local is long value ? value
            : long.TryParse(context.Response.Headers[RevisionHeader].ToString(), out var forwarded) ? forwarded
            : null;
        var connection = context.Connection;
        return new AuditRecord(
            time.GetUtcNow(),
            store.Self.Id,
            Caller.NameOf(context),
            $"{connection.RemoteIpAddress}:{connection.RemotePort}",
            context.Request.Method,
            context.Request.Path + context.Request.QueryString,
            context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode,
            revision);
    }

    private bool ForwardedByMember(HttpContext context)
    {
        if (!context.Request.Headers.ContainsKey(NodeClient.ForwardedHeader))
            return false;
        if (Tls.NodeTls.IsPeerConnection(context))
            return true;

        var proof = context.Request.Headers[NodeClient.ForwardedProofHeader].ToString();
        return proof.StartsWith("Bearer ", StringComparison.Ordinal) && store.Auth.ValidateToken(proof[7..], time.GetUtcNow()) is { IsNode: true };
    }
}

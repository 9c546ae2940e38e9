using Microsoft.AspNetCore.Http.HttpResults;
using Quorum.Contracts.Status;
using Quorum.Server.Auth;
using Quorum.Server.Forwarding;
using Quorum.Server.Http;
using Quorum.Server.Tls;
using Quorum.Store;

namespace Quorum.Server.Routes;

/// <summary>The cluster routes: membership, status, and the leader's read index.</summary>
internal static class ClusterRoutes
{
    // The leader gives a membership change up to 60 s (ClusterMembership); a follower that forwards
    // one waits longer than that before it calls the outcome unknown.
    private static readonly TimeSpan MembershipForwardTimeout = TimeSpan.FromSeconds(75);

    /// <summary>Maps the cluster routes.</summary>
    /// <param name="app">The route builder.</param>
    public static void MapClusterRoutes(this IEndpointRouteBuilder app)
    {
        app.MapPost("/raft/add", AddAsync).RequireLeader(MembershipForwardTimeout).RequireRoot();
        app.MapPost("/raft/remove", RemoveAsync).RequireLeader(MembershipForwardTimeout).RequireRoot();
        app.MapGet("/raft/members", Members);
        app.MapGet("/raft/read-index", ReadIndexAsync).RequirePeer();
        app.MapGet("/status", Status);
    }

    private static async Task<IResult> AddAsync(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request, "force");
        var force = QueryParameters.Switch(context.Request, "force");
        var request = await RequestBody.ReadJsonAsync(context, ApiJsonContext.Api.JoinRequest);
        if (string.IsNullOrWhiteSpace(request.Id))
            throw ApiException.BadRequest("\"ID\" is required: the new member's node ID.");
        if (string.IsNullOrWhiteSpace(request.Address))
            throw ApiException.BadRequest("\"Address\" is required: the new member's Raft address, host:port.");

        await store.AddMemberAsync(new MemberInfo(request.Id, request.Address, request.Http ?? string.Empty), force, context.RequestAborted);
        return TypedResults.Json(new StatusResponse("success"), ApiJsonContext.Api.StatusResponse);
    }

    private static async Task<IResult> RemoveAsync(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request, "force");
        var force = QueryParameters.Switch(context.Request, "force");
        var request = await RequestBody.ReadJsonAsync(context, ApiJsonContext.Api.RemoveRequest);
        if (string.IsNullOrWhiteSpace(request.Id))
            throw ApiException.BadRequest("\"ID\" is required: the node ID of the member to remove.");

        await store.RemoveMemberAsync(request.Id, force, context.RequestAborted);
        return TypedResults.Json(new StatusResponse("success"), ApiJsonContext.Api.StatusResponse);
    }

    private static JsonHttpResult<MemberResponse[]> Members(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request);
        return TypedResults.Json(ToResponses(store.GetMembers()), ApiJsonContext.Api.MemberResponseArray);
    }

    private static async Task<IResult> ReadIndexAsync(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request);
        var index = await store.ConfirmReadIndexAsync(context.RequestAborted);
        return TypedResults.Json(new ReadIndexResponse(index), ApiJsonContext.Api.ReadIndexResponse);
    }

    private static JsonHttpResult<StatusReport> Status(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request);
        return TypedResults.Json(Report(store), ApiJsonContext.Api.StatusReport);
    }

    /// <summary>Gets this node's status as <c>GET /status</c> answers it.</summary>
    /// <param name="store">The store.</param>
    /// <returns>The report.</returns>
    internal static StatusReport Report(QuorumStore store)
    {
        var status = store.GetStatus();
        var report = new StatusReport(
            status.Id,
            status.State,
            status.Term,
            status.LeaderId,
            status.CommitIndex,
            status.AppliedIndex,
            status.LastSnapshotIndex,
            ToResponses(status.Members),
            status.Replication.Select(static f => new FollowerView(f.Id, f.MatchIndex, f.LastContact, f.SinceLastContactMs)).ToArray(),
            status.SnapshotBytes,
            status.LogBytes,
            status.Version);
        return report;
    }

    private static MemberResponse[] ToResponses(IEnumerable<ClusterMember> members)
        => members.Select(static m => new MemberResponse(m.Id, m.RaftAddress, m.HttpAddress, m.IsLeader, m.IsVoter)).ToArray();
}

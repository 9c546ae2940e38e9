using Microsoft.AspNetCore.Http.Features;
using Quorum.Server.Auth;
using Quorum.Server.Http;
using Quorum.Store;

namespace Quorum.Server.Forwarding;

/// <summary>
/// Passes requests for routes marked <see cref="LeaderOnly"/> (writes and membership changes) on to
/// the leader's HTTP API and relays its answer unchanged, so a client may talk to any node. Without a known leader it
/// answers 503 with <c>Retry-After</c>. A request another node already forwarded is never forwarded
/// again: during an election two nodes could otherwise bounce it between them.
/// </summary>
/// <param name="next">The rest of the pipeline, for requests this node serves itself.</param>
/// <param name="store">The local store, which knows the leader.</param>
/// <param name="client">The node-to-node HTTP client.</param>
/// <param name="time">The clock a forwarded caller's token expires by.</param>
internal sealed class LeaderForwardingMiddleware(RequestDelegate next, QuorumStore store, NodeClient client, TimeProvider time)
{
    // A forwarded request carries its caller as a token only the cluster can sign, good for this long:
    // the leader authorizes the caller, never the forwarding node, whatever credentials the caller used.
    private static readonly TimeSpan ForwardedCallerLifetime = TimeSpan.FromMinutes(2);

    private static readonly HashSet<string> HopByHopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "TE", "Trailer", "Host",
        "Proxy-Authenticate", "Proxy-Authorization",
    };

    /// <summary>Serves the request here or forwards it to the leader.</summary>
    /// <param name="context">The request.</param>
    /// <returns>A task that completes when the response is written.</returns>
    public async Task InvokeAsync(HttpContext context)
    {
        // Routing has already chosen the endpoint; its metadata says whether the leader must serve it.
        // A node that has just won an election serves too: the store waits until its leadership is usable.
        var leaderOnly = context.GetEndpoint()?.Metadata.GetMetadata<LeaderOnly>();
        if (leaderOnly is null || store.IsLeader || store.Leader?.Id == store.Self.Id)
        {
            await next(context);
            return;
        }

        if (context.Request.Headers.ContainsKey(NodeClient.ForwardedHeader))
        {
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "Leadership is changing: this node received a forwarded request but is not the leader. Retry shortly.");
            return;
        }

        var leader = store.Leader;
        if (leader is null)
        {
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "There is no leader at the moment (an election may be in progress, or a quorum is unreachable). Retry shortly.");
            return;
        }

        if (leader.HttpAddress.Length == 0)
        {
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, $"The leader '{leader.Id}' has not registered its HTTP address yet. Retry shortly.");
            return;
        }

        await ForwardAsync(context, leader, leaderOnly.ForwardTimeout ?? store.Options.WriteTimeout + TimeSpan.FromSeconds(5));
    }

    private async Task ForwardAsync(HttpContext context, MemberInfo leader, TimeSpan forwardTimeout)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path + context.Request.QueryString;
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), leader.HttpAddress + target);
        CopyRequest(context.Request, request);
        if (client.NodeAuthorization?.Invoke() is { } proof)
            request.Headers.TryAddWithoutValidation(NodeClient.ForwardedProofHeader, proof);
        if (store.Auth is { Enabled: true } auth && Caller.Of(context) is { } caller && auth.IssueToken(caller, time.GetUtcNow() + ForwardedCallerLifetime) is { } token)
        {
            request.Headers.Remove("Authorization");
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(forwardTimeout);

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, timeout.Token);
        }
        catch (HttpRequestException e) when (NodeClient.NeverSent(e))
        {
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, $"The leader '{leader.Id}' at {leader.HttpAddress} is unreachable ({e.Message}). Retry shortly.");
            return;
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !context.RequestAborted.IsCancellationRequested))
        {
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status504GatewayTimeout, $"The request was forwarded to the leader '{leader.Id}', which did not answer in time; its outcome is unknown.");
            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHopHeaders.Contains(name))
                    context.Response.Headers[name] = values.ToArray();
            }

            LeaderHint.Add(context, leader);
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    private static void CopyRequest(HttpRequest source, HttpRequestMessage destination)
    {
        var hasBody = source.ContentLength > 0 || source.Headers.TransferEncoding.Count > 0;
        if (hasBody)
            destination.Content = new StreamContent(source.Body);

        foreach (var (name, values) in source.Headers)
        {
            if (HopByHopHeaders.Contains(name) || name.Equals(NodeClient.ForwardedHeader, StringComparison.OrdinalIgnoreCase) || name.Equals(NodeClient.ForwardedProofHeader, StringComparison.OrdinalIgnoreCase))
                continue;

            if (!destination.Headers.TryAddWithoutValidation(name, values.ToArray()) && destination.Content is not null)
                destination.Content.Headers.TryAddWithoutValidation(name, values.ToArray());
        }
    }
}

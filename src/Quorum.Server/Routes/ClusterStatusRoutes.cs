using System.Text.Json;
using Quorum.Server.Forwarding;
using Quorum.Server.Http;
using Quorum.Store;

namespace Quorum.Server.Routes;

/// <summary>
/// <c>GET /cluster/status</c>: every member's <c>GET /status</c>, gathered by the node asked, so a
/// console or script reaching one node sees each member's own term and indexes. A member that does
/// not answer within a second is listed with the reason instead.
/// </summary>
internal static class ClusterStatusRoutes
{
    private static readonly TimeSpan MemberTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Maps the route.</summary>
    /// <param name="app">The route builder.</param>
    public static void MapClusterStatusRoutes(this IEndpointRouteBuilder app) => app.MapGet("/cluster/status", GatherAsync);

    private static async Task GatherAsync(HttpContext context, QuorumStore store, NodeClient client)
    {
        QueryParameters.RequireOnly(context.Request);
        var self = ClusterRoutes.Report(store);
        var answers = await Task.WhenAll(self.Members.Select(member => member.Id == self.Id
            ? Task.FromResult<(byte[]?, string?)>((JsonSerializer.SerializeToUtf8Bytes(self, ApiJsonContext.Api.StatusReport), null))
            : AskAsync(client, member.Http, context.RequestAborted)));

        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("node", self.Id);
        json.WriteStartArray("members");
        for (var i = 0; i < self.Members.Count; i++)
        {
            json.WriteStartObject();
            json.WriteString("id", self.Members[i].Id);
            json.WriteString("http", self.Members[i].Http);
            if (answers[i] is (byte[] status, _))
            {
                json.WritePropertyName("status");
                json.WriteRawValue(status, skipInputValidation: false);
            }
            else
            {
                json.WriteString("error", answers[i].Item2);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }

    private static async Task<(byte[]? Status, string? Error)> AskAsync(NodeClient client, string http, CancellationToken token)
    {
        if (string.IsNullOrEmpty(http))
            return (null, "Its HTTP address is not known yet.");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(MemberTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, http.TrimEnd('/') + "/status");
            using var response = await client.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
                return (null, $"HTTP {(int)response.StatusCode}: {await NodeClient.ReadErrorAsync(response, timeout.Token)}");

            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            using var check = JsonDocument.Parse(body);
            return (body, null);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return (null, $"No answer within {MemberTimeout.TotalSeconds:0} s.");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException)
        {
            return (null, e.Message);
        }
    }
}

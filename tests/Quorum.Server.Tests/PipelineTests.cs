using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Quorum.Server.Forwarding;

namespace Quorum.Server.Tests;

/// <summary>What the pipeline decides from the routes themselves: which go to the leader, and how a watch starts.</summary>
public sealed class PipelineTests(OneNodeServer node) : IClassFixture<OneNodeServer>
{
    [Fact]
    public void Exactly_the_routes_that_change_replicated_state_are_marked_for_the_leader()
    {
        var endpoints = node.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

        var leaderOnly = endpoints
            .Where(e => e.Metadata.GetMetadata<LeaderOnly>() is not null)
            .Select(e => $"{string.Join('|', e.Metadata.GetRequiredMetadata<HttpMethodMetadata>().HttpMethods)} {e.RoutePattern.RawText}")
            .Order(StringComparer.Ordinal);

        Assert.Equal(["DELETE /key/{**key}", "POST /raft/add", "POST /raft/remove", "POST /txn", "POST|PUT /key/{**key}"], leaderOnly);
        Assert.Equal(TimeSpan.FromSeconds(75), endpoints.Single(e => e.RoutePattern.RawText == "/raft/add").Metadata.GetRequiredMetadata<LeaderOnly>().ForwardTimeout);
    }

    [Fact]
    public async Task A_watch_starts_with_the_start_comment_and_the_start_event()
    {
        var put = await node.Http.PutAsync("/key/watched/a", new StringContent("v"));
        var revision = JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement.GetProperty("revision").GetInt64();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        using var response = await node.Http.GetAsync($"/watch?prefix=watched/&from={revision}", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var lines = new List<string>();
        while (lines.Count < 8 && await reader.ReadLineAsync(timeout.Token) is { } line)
            lines.Add(line);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            [
                $": watching from revision {revision}", string.Empty,
                "event: start", $"data: {{\"revision\":{revision}}}", string.Empty,
                $"id: {revision}", $"data: {{\"type\":\"put\",\"key\":\"watched/a\",\"value\":\"dg==\",\"revision\":{revision}}}", string.Empty,
            ],
            lines);
    }
}

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

        Assert.Equal(
            [
                "DELETE /auth/roles/{name}", "DELETE /auth/users/{name}", "DELETE /key/{**key}", "POST /auth/disable", "POST /auth/enable",
                "POST /raft/add", "POST /raft/remove", "POST /txn", "POST|PUT /key/{**key}", "PUT /auth/roles/{name}", "PUT /auth/users/{name}",
            ],
            leaderOnly);
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

    [Fact]
    public async Task The_client_gives_up_at_once_on_a_watch_older_than_the_history_and_says_where_to_start()
    {
        for (var i = 0; i <= OneNodeServer.WatchHistoryChanges; i++)
            await node.Http.PutAsync("/key/churn", new StringContent(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        using var client = new Quorum.Client.QuorumClient(node.Http.BaseAddress!);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<Quorum.Client.QuorumClientException>(async () =>
        {
            await foreach (var change in client.WatchAsync("churn", fromRevision: 1))
                Assert.Fail($"no change should come, got revision {change.Revision}");
        });

        Assert.Equal(System.Net.HttpStatusCode.Gone, refused.StatusCode);
        Assert.True(refused.Revision > 1, $"the oldest revision to start from, got {refused.Revision}");

        // Refused for good, not retried like an unreachable member (which would take 30 s).
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
    }
}

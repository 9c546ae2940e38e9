using System.Net;
using System.Text.Json;

namespace Quorum.Server.Tests;

/// <summary><c>GET /cluster/status</c> on one node: its own <c>/status</c>, under its ID, and the usual refusal of a query parameter.</summary>
public sealed class ClusterStatusRouteTests(OneNodeServer node) : IClassFixture<OneNodeServer>
{
    [Fact]
    public async Task Each_member_is_listed_with_its_own_status()
    {
        using var cluster = JsonDocument.Parse(await node.Http.GetStringAsync("/cluster/status"));
        using var own = JsonDocument.Parse(await node.Http.GetStringAsync("/status"));
        Assert.Equal("solo", cluster.RootElement.GetProperty("node").GetString());
        var member = Assert.Single(cluster.RootElement.GetProperty("members").EnumerateArray());
        Assert.Equal("solo", member.GetProperty("id").GetString());
        var status = member.GetProperty("status");
        Assert.Equal(own.RootElement.GetProperty("id").GetString(), status.GetProperty("id").GetString());
        Assert.Equal("leader", status.GetProperty("state").GetString());
        Assert.Equal(own.RootElement.GetProperty("term").GetInt64(), status.GetProperty("term").GetInt64());
        Assert.False(member.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task A_query_parameter_is_refused()
    {
        using var response = await node.Http.GetAsync("/cluster/status?all=1");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("all", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

using System.Reflection;
using System.Text.Json;
using Quorum.Store;

namespace Quorum.Server.Tests;

/// <summary><c>GET /status</c> on one node in process: the added fields beside the contract's ones.</summary>
public sealed class StatusRouteTests(OneNodeServer node) : IClassFixture<OneNodeServer>
{
    [Fact]
    public async Task Status_adds_replication_sizes_and_version_and_keeps_the_contract_fields()
    {
        using var put = await node.Http.PutAsync("/key/status-route", new StringContent("v"));
        put.EnsureSuccessStatusCode();

        var status = JsonDocument.Parse(await node.Http.GetStringAsync("/status")).RootElement;

        // The contract's fields, unchanged.
        Assert.Equal("solo", status.GetProperty("id").GetString());
        Assert.Equal("leader", status.GetProperty("state").GetString());
        Assert.True(status.GetProperty("commitIndex").GetInt64() >= 2);
        Assert.Equal(1, status.GetProperty("members").GetArrayLength());

        // A leader with no followers replicates to nobody; its log is on disk; the version is this build's.
        Assert.Equal(0, status.GetProperty("replication").GetArrayLength());
        Assert.True(status.GetProperty("logBytes").GetInt64() > 0);
        Assert.Equal(0, status.GetProperty("snapshotBytes").GetInt64()); // far fewer writes than a snapshot needs
        var version = typeof(QuorumStore).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(version, status.GetProperty("version").GetString());
    }
}

using System.Reflection;
using System.Text.Json;
using Quorum.Client;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>
/// <c>GET /status</c>'s replication, disk and version fields on a real 3-node cluster, and
/// <c>quorum status</c>, which prints them as a table.
/// </summary>
public sealed class StatusTests(ITestOutputHelper output)
{
    private const int Writes = 30;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Leader_status_shows_each_follower_caught_up_with_sizes_and_version()
    {
        // Snapshots every 10 entries, so the 30 writes leave one on every node.
        await using var cluster = await TestCluster.StartAsync(3, output, "--snapshot-interval", "10");
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        for (var i = 0; i < Writes; i++)
            await leader.Client.PutAsync($"status/{i}", "v");

        // The followers' match index reaches the commit index the leader had after the writes.
        var committed = (await leader.Client.GetStatusAsync()).CommitIndex;
        var status = await Eventually.GetAsync(
            async () =>
            {
                var s = await leader.Client.GetStatusAsync();
                return s.Replication.Count == 2 && s.Replication.All(f => f.MatchIndex >= committed) && s.SnapshotBytes > 0 ? s : null;
            },
            Timeout,
            $"both followers' match index to reach {committed}");
        output.WriteLine(await leader.Http.GetStringAsync("/status"));

        var followers = cluster.Nodes.Where(n => n != leader).Select(n => n.Id).Order().ToArray();
        Assert.Equal(followers, status.Replication.Select(f => f.Id));
        Assert.All(status.Replication, follower =>
        {
            // Never beyond the leader's own log.
            Assert.InRange(follower.MatchIndex!.Value, committed, status.CommitIndex + 1);

            // Heartbeats answered every few tens of milliseconds: the last one is recent.
            Assert.NotNull(follower.LastContact);
            Assert.InRange(follower.SinceLastContactMs!.Value, 0, 5_000);
            Assert.InRange(DateTimeOffset.UtcNow - follower.LastContact!.Value, TimeSpan.FromSeconds(-5), TimeSpan.FromSeconds(10));
        });

        Assert.True(status.LogBytes > 0, $"logBytes = {status.LogBytes}");
        Assert.True(status.SnapshotBytes > 0, $"snapshotBytes = {status.SnapshotBytes}");
        var version = typeof(QuorumClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(version, status.Version);

        // A follower reports its own disk and version, and no replication: only the leader replicates.
        var follower = await cluster.Node(followers[0]).Client.GetStatusAsync();
        Assert.Empty(follower.Replication);
        Assert.True(follower.LogBytes > 0, $"follower logBytes = {follower.LogBytes}");
        Assert.Equal(version, follower.Version);

        // The raw JSON spells the fields as docs/API.md does.
        var raw = JsonDocument.Parse(await leader.Http.GetStringAsync("/status")).RootElement;
        var first = raw.GetProperty("replication")[0];
        Assert.Equal(followers[0], first.GetProperty("id").GetString());
        Assert.True(first.GetProperty("matchIndex").GetInt64() >= committed);
        Assert.Equal(JsonValueKind.String, first.GetProperty("lastContact").ValueKind);
        Assert.Equal(JsonValueKind.Number, first.GetProperty("sinceLastContactMs").ValueKind);
        Assert.True(raw.GetProperty("snapshotBytes").GetInt64() > 0);
        Assert.True(raw.GetProperty("logBytes").GetInt64() > 0);
        Assert.Equal(version, raw.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Cli_status_prints_the_cluster_as_a_table()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        for (var i = 0; i < Writes; i++)
            await leader.Client.PutAsync($"status/{i}", "v");
        var (committed, term) = await leader.Client.GetStatusAsync() is var s ? (s.CommitIndex, s.Term) : default;
        var follower = cluster.Nodes.First(n => n != leader);

        // Asked through a follower, the table still has every member and the leader's view of them.
        var table = await Eventually.GetAsync(
            async () =>
            {
                var result = await QuorumCli.RunAsync(["status", "--endpoints", follower.HttpUrl]);
                Assert.Equal(0, result.ExitCode);
                var rows = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(static line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
                return rows.Skip(1).Where(r => r[1] == "follower").All(r => long.Parse(r[5], System.Globalization.CultureInfo.InvariantCulture) >= committed) ? result.Stdout : null;
            },
            Timeout,
            "the table to show both followers caught up");
        output.WriteLine(table);

        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["ID", "ROLE", "TERM", "COMMIT", "APPLIED", "MATCH", "LAG", "LAST", "CONTACT"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(cluster.Nodes.Select(n => n.Id).Order(), lines.Skip(1).Select(static l => l.Split(' ')[0]));
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var id = cells[0];
            Assert.Equal(id == leader.Id ? "leader" : "follower", cells[1]);
            Assert.Equal(term.ToString(System.Globalization.CultureInfo.InvariantCulture), cells[2]);
            Assert.True(long.Parse(cells[3], System.Globalization.CultureInfo.InvariantCulture) >= committed, line);
            Assert.True(long.Parse(cells[4], System.Globalization.CultureInfo.InvariantCulture) >= committed, line);
            if (id == leader.Id)
            {
                Assert.Equal(["-", "-", "-"], cells[5..]);
            }
            else
            {
                Assert.True(long.Parse(cells[5], System.Globalization.CultureInfo.InvariantCulture) >= committed, line);
                Assert.Equal("0", cells[6]);
                Assert.EndsWith("ms", cells[7], StringComparison.Ordinal);
                Assert.Equal("ago", cells[8]);
            }
        }

        // --json: each member's status, in member order.
        var json = await QuorumCli.RunAsync(["status", "--json", "--endpoints", follower.HttpUrl]);
        Assert.Equal(0, json.ExitCode);
        var statuses = JsonDocument.Parse(json.Stdout).RootElement;
        Assert.Equal(cluster.Nodes.Select(n => n.Id).Order(), statuses.EnumerateArray().Select(static s => s.GetProperty("id").GetString()));
        Assert.Equal(2, statuses.EnumerateArray().Single(s => s.GetProperty("id").GetString() == leader.Id).GetProperty("replication").GetArrayLength());
    }

    [Fact]
    public async Task Cli_status_sends_the_credentials_it_is_given()
    {
        // Three nodes: the CLI asks the other two itself, and must send them the credentials too.
        await using var cluster = await TestCluster.StartAsync(3, output);
        var node = cluster[0];
        await node.Client.PutUserAsync("root", "root-pw", []);
        await node.Client.SetAuthEnabledAsync(true);

        var refused = await QuorumCli.RunAsync(["status", "--endpoints", node.HttpUrl]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("401", refused.Stderr, StringComparison.Ordinal);
        Assert.Empty(refused.Stdout);

        var answered = await QuorumCli.RunAsync(["status", "--endpoints", node.HttpUrl, "--user", "root:root-pw"]);
        Assert.True(answered.ExitCode == 0, answered.ToString());
        var rows = answered.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(static l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        Assert.Equal(cluster.Nodes.Select(n => n.Id).Order(), rows.Select(static r => r[0]));
        Assert.Equal(["follower", "follower", "leader"], rows.Select(static r => r[1]).Order());
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using Quorum.Client;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>
/// Full disks, on real processes whose data directories are small filesystems of their own: a full
/// node refuses writes with 507 and changes nothing, a full follower stops taking entries without
/// holding up the majority, nothing acknowledged is lost, and freeing space is all it takes to
/// recover: no restart.
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // Small enough to fill at once, large enough for the log's first 4 MiB chunk and the reserve.
    private const int DiskMegabytes = 48;
    private static readonly string[] Reserve = ["--disk-reserve-bytes", "8MiB"];

    [MountFact]
    public async Task A_full_follower_stops_taking_entries_without_holding_up_the_leader_and_catches_up_once_freed()
    {
        SmallDisk? leaderDisk = null;
        SmallDisk? followerDisk = null;
        try
        {
            await using var cluster = await TestCluster.StartAsync(1, output, tls: null, async first => leaderDisk = await SmallDisk.MountAsync(first.DataDirectory, DiskMegabytes), Reserve);
            followerDisk = await SmallDisk.MountAsync(Path.Combine(Path.GetDirectoryName(cluster[0].DataDirectory)!, "n2"), DiskMegabytes);
            var (leader, full) = (cluster[0], await cluster.AddNodeAsync());
            var other = await cluster.AddNodeAsync();
            await cluster.WaitUntilConvergedAsync(Timeout);
            Assert.Equal(leader, await cluster.WaitForLeaderAsync(Timeout));
            await leader.Client.PutAsync("before", "1");

            followerDisk.Fill();
            Assert.Equal(0, followerDisk.FreeBytes);
            await WaitUntilSeenFullAsync(full);

            // The majority (leader and the other follower) has room: every write succeeds. The values
            // are large enough to need new pages of the log, which a full disk cannot give.
            var value = new string('v', 8 * 1024);
            for (var i = 0; i < 20; i++)
                Assert.True(await leader.Client.PutAsync($"while-full/{i}", value) > 0);

            Assert.True(full.IsRunning, $"the full follower exited:\n{full.Log}");
            Assert.Contains($"The disk of data directory {Path.GetFullPath(full.DataDirectory)} is full", full.Log);
            Assert.DoesNotContain("Failed to process request", full.Log);
            Assert.Equal("follower", (await full.Client.GetStatusAsync()).State);
            Assert.Null(await full.Client.GetStringAsync("while-full/19", Consistency.Stale));
            await Eventually.UntilAsync(async () => await other.Client.GetStringAsync("while-full/19", Consistency.Stale) == value, Timeout, "the follower with room to apply the writes");

            // Freeing the space is all the follower needs.
            followerDisk.Free();
            await Eventually.UntilAsync(async () => await full.Client.GetStringAsync("while-full/19", Consistency.Stale) == value, Timeout, "the freed follower to catch up");
            Assert.Contains("has room again", full.Log);

            // A full leader refuses writes, also those a follower forwards to it, and recovers the same way.
            leaderDisk!.Fill();
            await WaitUntilSeenFullAsync(leader);
            using (var refused = await other.Http.PutAsync("/key/on-full-leader", new StringContent("v")))
                await AssertInsufficientStorageAsync(refused, leader.DataDirectory);
            Assert.Null(await leader.Client.GetStringAsync("on-full-leader"));
            leaderDisk.Free();
            await Eventually.UntilAsync(async () => (await other.Http.PutAsync("/key/on-full-leader", new StringContent("v"))).IsSuccessStatusCode, TimeSpan.FromSeconds(10), "writes to succeed once the leader's disk is freed");
            Assert.True(cluster.Nodes.All(n => n.IsRunning), "a node exited");
        }
        finally
        {
            // After the cluster: a node's files must be closed before its disk goes.
            if (followerDisk is not null)
                await followerDisk.DisposeAsync();
            if (leaderDisk is not null)
                await leaderDisk.DisposeAsync();
        }
    }

    [MountFact]
    public async Task A_full_node_refuses_every_write_with_507_changes_nothing_keeps_its_log_and_takes_writes_once_space_is_freed()
    {
        SmallDisk? disk = null;
        try
        {
            await using var cluster = await TestCluster.StartAsync(1, output, tls: null, async first => disk = await SmallDisk.MountAsync(first.DataDirectory, DiskMegabytes), Reserve);
            var node = cluster[0];
            var acknowledged = new Dictionary<string, string>();
            for (var i = 0; i < 50; i++)
            {
                await node.Client.PutAsync($"kept/{i}", $"value {i}");
                acknowledged[$"kept/{i}"] = $"value {i}";
            }

            disk!.Fill();
            Assert.Equal(0, disk.FreeBytes);
            await WaitUntilSeenFullAsync(node);
            var revision = (await node.Client.ListAsync("kept/")).Revision;

            // Every kind of write is refused before it reaches the log: 507, never 200 or 500.
            using (var put = await node.Http.PutAsync("/key/refused", new StringContent("v")))
                await AssertInsufficientStorageAsync(put, node.DataDirectory);
            using (var delete = await node.Http.DeleteAsync("/key/kept/0"))
                await AssertInsufficientStorageAsync(delete, node.DataDirectory);
            using (var txn = await node.Http.PostAsync("/txn", new StringContent("""{"success":[{"put":{"key":"refused","value":"dg=="}}]}""", Encoding.UTF8, "application/json")))
                await AssertInsufficientStorageAsync(txn, node.DataDirectory);

            // Nothing changed, and reads work on the full node.
            var page = await node.Client.ListAsync("kept/");
            Assert.Equal(revision, page.Revision);
            Assert.Equal(acknowledged.Count, page.Items.Count);
            Assert.Null(await node.Client.GetStringAsync("refused"));
            Assert.Equal("value 0", await node.Client.GetStringAsync("kept/0"));
            Assert.True(node.IsRunning, $"the full node exited:\n{node.Log}");

            // Freed space is taken up without a restart.
            disk.Free();
            await Eventually.UntilAsync(async () => (await node.Http.PutAsync("/key/after", new StringContent("freed"))).IsSuccessStatusCode, TimeSpan.FromSeconds(10), "writes to succeed once space is freed");
            acknowledged["after"] = "freed";

            // The log is intact: after a restart every acknowledged write is there.
            Assert.Equal(0, await node.StopAsync(Timeout));
            node.Start(Reserve);
            await node.WaitUntilServingAsync(Timeout);
            foreach (var (key, value) in acknowledged)
                Assert.Equal(value, await node.Client.GetStringAsync(key));
        }
        finally
        {
            if (disk is not null)
                await disk.DisposeAsync();
        }
    }

    // The guard reads the free space at most every 0.1 s: a disk filled to the last byte in less
    // time than that, right before a write, is not seen in time (and the write that needs a new page
    // of the log kills the node). Reading the free-space gauge makes the node look again.
    private static Task WaitUntilSeenFullAsync(QuorumNode node)
        => Eventually.UntilAsync(
            async () =>
            {
                var metrics = await node.Http.GetStringAsync("/metrics");
                var line = metrics.Split('\n').Single(l => l.StartsWith("quorum_disk_data_dir_free_bytes ", StringComparison.Ordinal));
                return long.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) < 8 * 1024 * 1024;
            },
            Timeout,
            $"{node.Id} to see its disk full");

    private static async Task AssertInsufficientStorageAsync(HttpResponseMessage response, string dataDirectory)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.InsufficientStorage, $"expected 507, got {(int)response.StatusCode}: {body}");
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;
        Assert.Contains(Path.GetFullPath(dataDirectory), error);
        Assert.Contains("bytes free", error);
    }
}

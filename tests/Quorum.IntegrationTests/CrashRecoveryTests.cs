using Quorum.Client;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>
/// Crashes and damaged disks: a node either recovers to a state consistent with the cluster (and
/// catches up), or refuses to start with a clear message; it never serves data that was not
/// committed, and nothing committed on a majority is lost.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Killing_nodes_again_and_again_during_heavy_writes_loses_no_acknowledged_write()
    {
        await using var cluster = await TestCluster.StartAsync(3, output, "--snapshot-interval", "300");
        var load = WriteLoad.Start(cluster, "crash");
        var acknowledged = load.Acknowledged;
        try
        {
            var rounds = new Random(42);
            for (var round = 0; round < 8; round++)
            {
                await load.WaitForMoreAsync(150, Timeout, $"heavy writes before crash {round}");

                var victim = round % 3 == 2 ? await cluster.WaitForLeaderAsync(Timeout) : cluster.Nodes[rounds.Next(cluster.Nodes.Count)];
                victim.Kill();
                await load.WaitForMoreAsync(100, Timeout, $"writes to go on without {victim.Id}");
                victim.Start();
                await victim.WaitUntilServingAsync(Timeout);
            }
        }
        finally
        {
            await load.StopAsync();
            output.WriteLine($"{acknowledged.Count} writes acknowledged across 8 crashes; {load.Failures}");
        }

        load.Failures.AssertNoneUnexpected();
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var commit = (await leader.Client.GetStatusAsync()).CommitIndex;
        foreach (var node in cluster.Nodes)
            await Eventually.UntilAsync(async () => (await node.Client.GetStatusAsync()).AppliedIndex >= commit, Timeout, $"{node.Id} to catch up");

        await Parallel.ForEachAsync(acknowledged, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (pair, token) =>
        {
            foreach (var node in cluster.Nodes)
                Assert.Equal(pair.Value.Value, await node.Client.GetStringAsync(pair.Key, Consistency.Stale, token));
        });
    }

    [Theory]
    [InlineData("flip-a-byte-of-the-last-log-entry", "damaged")]
    [InlineData("truncate-the-log-tail", "damaged")]
    [InlineData("delete-the-last-log-page", "damaged")]
    [InlineData("delete-the-log-checkpoint", "'checkpoint' file is missing")]
    [InlineData("delete-the-term-and-vote", "'state' file is missing")]
    [InlineData("delete-the-cluster-configuration", "no cluster configuration")]
    [InlineData("flip-a-byte-of-the-snapshot", "damaged")]
    public async Task A_damaged_data_directory_is_refused_with_a_clear_message_and_can_be_rebuilt_from_the_cluster(string damage, string message)
    {
        // Snapshots are needed for the snapshot case only; elsewhere they would compact away the entries to damage.
        var snapshotInterval = damage.Contains("snapshot", StringComparison.Ordinal) ? "100" : "100000";
        await using var cluster = await TestCluster.StartAsync(3, output, "--snapshot-interval", snapshotInterval);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var victim = cluster.Nodes.First(n => n != leader);
        long last = 0;
        for (var i = 0; i < 300; i++)
            last = await leader.Client.PutAsync($"data/{i}", $"value-{i}");
        await Eventually.UntilAsync(
            async () => await victim.Client.GetStatusAsync() is { } s && s.AppliedIndex >= last && (snapshotInterval != "100" || s.LastSnapshotIndex > 0),
            Timeout,
            "the follower to have everything on disk");

        victim.Kill();
        Damage(victim.DataDirectory, damage);

        victim.Start("--snapshot-interval", snapshotInterval);
        Assert.Equal(1, await victim.WaitForExitAsync(Timeout));
        Assert.Contains(message, victim.Log);
        Assert.Contains("quorum: ", victim.Log);

        // What the message tells the operator to do: remove the data directory and let the node rejoin.
        Directory.Delete(victim.DataDirectory, recursive: true);
        victim.Start("--snapshot-interval", snapshotInterval, "--join", leader.HttpUrl);
        await victim.WaitUntilServingAsync(Timeout);
        var commit = (await leader.Client.GetStatusAsync()).CommitIndex;
        await Eventually.UntilAsync(async () => (await victim.Client.GetStatusAsync()).AppliedIndex >= commit, Timeout, "the rebuilt node to catch up");
        for (var i = 0; i < 300; i++)
            Assert.Equal($"value-{i}", await victim.Client.GetStringAsync($"data/{i}", Consistency.Stale));
        Assert.True(await victim.Client.PutWithRetryAsync("after-rebuild", "ok", Timeout) > last);
    }

    private static void Damage(string dataDirectory, string damage)
    {
        var wal = Path.Combine(dataDirectory, "wal");
        var dataPage = Directory.GetFiles(Path.Combine(wal, "data")).OrderBy(f => int.Parse(Path.GetFileName(f))).Last();
        var end = LastNonZeroByte(dataPage);
        switch (damage)
        {
            case "flip-a-byte-of-the-last-log-entry":
                FlipByte(dataPage, end - 4);
                break;
            case "truncate-the-log-tail":
                using (var file = new FileStream(dataPage, FileMode.Open))
                    file.SetLength(end - 20);
                break;
            case "delete-the-last-log-page":
                File.Delete(Directory.GetFiles(Path.Combine(wal, "metadata")).OrderBy(f => int.Parse(Path.GetFileName(f))).Last());
                break;
            case "delete-the-log-checkpoint":
                File.Delete(Path.Combine(wal, "checkpoint"));
                break;
            case "delete-the-term-and-vote":
                File.Delete(Path.Combine(wal, "state"));
                break;
            case "delete-the-cluster-configuration":
                File.Delete(Path.Combine(dataDirectory, "cluster.config"));
                break;
            case "flip-a-byte-of-the-snapshot":
                var snapshot = Directory.GetFiles(Path.Combine(dataDirectory, "snapshots"), "*.snap").Order().Last();
                FlipByte(snapshot, new FileInfo(snapshot).Length / 2);
                break;
            default:
                throw new ArgumentException(damage);
        }
    }

    private static long LastNonZeroByte(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var last = Array.FindLastIndex(bytes, b => b != 0);
        Assert.True(last > 100, $"{path} should hold entries");
        return last;
    }

    private static void FlipByte(string path, long position)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = position;
        var value = file.ReadByte();
        file.Position = position;
        file.WriteByte((byte)(value ^ 0x5A));
    }
}

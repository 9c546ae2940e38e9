using System.Collections.Concurrent;
using System.Text;
using Quorum.Client;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>
/// <c>quorum recover</c>: a cluster that lost two of its three members for good is brought back from
/// the one survivor, keeping every write the survivor had, and grows back to three nodes.
/// </summary>
public sealed class RecoveryTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TemporaryDirectory files = new("quorum-recover");

    // The leader lost with one follower (the survivor a follower), or both followers lost (the
    // survivor the leader). Snapshots every 200 entries in one case, none in the other: the joins'
    // configuration entries are then still in the log and replayed when the survivor starts.
    [Theory]
    [InlineData(true, "100000")]
    [InlineData(false, "200")]
    public async Task A_survivor_of_a_lost_majority_is_recovered_as_a_one_node_cluster_with_every_acknowledged_write_and_grows_back_to_three(bool loseLeader, string snapshotInterval)
    {
        await using var cluster = await TestCluster.StartAsync(3, output, "--snapshot-interval", snapshotInterval);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var survivor = loseLeader ? cluster.Nodes.First(n => n != leader) : leader;
        var lost = cluster.Nodes.Where(n => n != survivor).ToArray();

        var acks = new ConcurrentDictionary<string, (string Value, long Revision)>();
        var unknown = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = $"w{w}/{i:D6}";
                try
                {
                    var revision = await leader.Client.PutAsync(key, $"value-{w}-{i}");
                    acks[key] = ($"value-{w}-{i}", revision);
                }
                catch (Exception e) when (e is QuorumClientException or HttpRequestException or TaskCanceledException)
                {
                    unknown.Add(key); // outcome unknown: the nodes went away under it
                }
            }
        })).ToArray();

        await Eventually.UntilAsync(() => Task.FromResult(acks.Count >= 600), Timeout, "600 acknowledged writes");

        // The survivor has applied everything acknowledged so far; writers keep writing while the
        // other two are killed, so some writes are in flight at the loss.
        var acknowledgedBefore = acks.Values.Max(a => a.Revision);
        await Eventually.UntilAsync(async () => (await survivor.Client.GetStatusAsync()).AppliedIndex >= acknowledgedBefore, Timeout, "the survivor to apply every acknowledged write");
        foreach (var node in lost)
            node.Kill();
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        var atLoss = await survivor.Client.GetStatusAsync();
        output.WriteLine($"survivor {survivor.Id} at the loss: commit {atLoss.CommitIndex}, applied {atLoss.AppliedIndex}; {acks.Count} writes acknowledged (up to revision {acks.Values.Max(a => a.Revision)}), {unknown.Count} unknown");
        Assert.Equal(0, await survivor.StopAsync(Timeout));

        var recover = await QuorumCli.RunAsync(["recover", "--data-dir", survivor.DataDirectory]);
        output.WriteLine($"recover: {recover}");
        Assert.True(recover.ExitCode == 0, recover.ToString());
        Assert.Contains($"recovered node {survivor.Id} at {survivor.RaftAddress} as the only voter", recover.Stdout, StringComparison.Ordinal);
        Assert.Contains($"member records dropped: {string.Join(", ", lost.Select(n => n.Id).Order(StringComparer.Ordinal))}\n", recover.Stdout, StringComparison.Ordinal);
        Assert.Contains("last log index kept: ", recover.Stdout, StringComparison.Ordinal);

        survivor.Start("--snapshot-interval", snapshotInterval);
        await survivor.WaitUntilServingAsync(Timeout);
        Assert.Same(survivor, await cluster.WaitForLeaderAsync(Timeout));
        var members = await survivor.Client.GetMembersAsync();
        Assert.Equal([(survivor.Id, survivor.RaftAddress, true)], members.Select(m => (m.Id, m.Address, m.Leader)));
        Assert.Equal([survivor.Id], (await survivor.Client.GetStatusAsync()).Members.Select(m => m.Id));

        // Every write the survivor had applied at the loss is there, with its value and revision.
        var keys = await ReadAllAsync(survivor, Consistency.Linearizable);
        var kept = acks.Where(a => a.Value.Revision <= atLoss.AppliedIndex).ToArray();
        Assert.True(kept.Length >= 600, $"only {kept.Length} acknowledged writes were at or below the survivor's applied index {atLoss.AppliedIndex}");
        foreach (var (key, (value, revision)) in kept)
        {
            Assert.True(keys.TryGetValue(key, out var found), $"{key} (revision {revision}, acknowledged, applied on the survivor) is missing after recovery");
            Assert.Equal((value, revision), found);
        }

        var known = acks.Keys.Concat(unknown).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(keys.Keys, k => !known.Contains(k));
        output.WriteLine($"{keys.Count} keys after recovery; {kept.Length} acknowledged writes checked; {acks.Count - kept.Length} acknowledged above the survivor's applied index");

        var after = await survivor.Client.PutWithRetryAsync("after-recovery", "ok", Timeout);
        Assert.True(after > atLoss.AppliedIndex, $"the first write after recovery got revision {after}, not above {atLoss.AppliedIndex}");

        // Two fresh nodes join the recovered node as any node joins a cluster.
        var joined = new[] { await cluster.AddNodeAsync("--snapshot-interval", snapshotInterval), await cluster.AddNodeAsync("--snapshot-interval", snapshotInterval) };
        QuorumNode[] grown = [survivor, .. joined];
        await cluster.WaitUntilConvergedAsync(Timeout, grown);
        foreach (var node in grown)
        {
            var seen = await node.Client.GetMembersAsync();
            Assert.Equal(grown.Select(n => n.Id).Order(StringComparer.Ordinal), seen.Select(m => m.Id).Order(StringComparer.Ordinal));
        }

        var last = await survivor.Client.PutWithRetryAsync("after-join", "ok", Timeout);
        foreach (var node in joined)
        {
            await Eventually.UntilAsync(async () => (await node.Client.GetStatusAsync()).AppliedIndex >= last, Timeout, $"{node.Id} to catch up");
            Assert.Equal(await ReadAllAsync(survivor, Consistency.Stale), await ReadAllAsync(node, Consistency.Stale));
        }

        // The grown cluster survives the loss of the recovered node: the joiners hold a majority.
        survivor.Kill();
        var next = await cluster.WaitForLeaderAsync(Timeout, except: survivor);
        Assert.Equal("ok", await next.Client.GetStringAsync("after-join"));
        Assert.True(await next.Client.PutWithRetryAsync("after-survivor-lost", "ok", Timeout) > last);
    }

    [Fact]
    public async Task Recover_refuses_a_directory_in_use_an_empty_one_and_a_damaged_one_and_changes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(1, output, "--snapshot-interval", "100000");
        var node = cluster[0];
        for (var i = 0; i < 50; i++)
            await node.Client.PutWithRetryAsync($"k{i}", $"v{i}", Timeout);
        var configuration = Path.Combine(node.DataDirectory, "cluster.config");
        var before = await File.ReadAllBytesAsync(configuration);

        // In use: the node is running, so its data directory is locked.
        var inUse = await QuorumCli.RunAsync(["recover", "--data-dir", node.DataDirectory]);
        Assert.True(inUse.ExitCode == 1, inUse.ToString());
        Assert.Contains("in use by another Quorum process", inUse.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(configuration));
        Assert.True(await node.Client.PutAsync("still-serving", "yes") > 0);

        // Empty, or absent: nothing to recover, and nothing is created.
        var empty = Directory.CreateDirectory(Path.Combine(files.Path, "empty")).FullName;
        var absent = Path.Combine(files.Path, "absent");
        foreach (var directory in new[] { empty, absent })
        {
            var refused = await QuorumCli.RunAsync(["recover", "--data-dir", directory]);
            Assert.True(refused.ExitCode == 1, refused.ToString());
            Assert.Contains("nothing to recover", refused.Stderr, StringComparison.Ordinal);
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(empty));
        Assert.False(Directory.Exists(absent));

        // Damaged: a flipped byte in the last log entry; the log, the configuration and the node's data stay as they were.
        Assert.Equal(0, await node.StopAsync(Timeout));
        var dataPage = Directory.GetFiles(Path.Combine(node.DataDirectory, "wal", "data")).OrderBy(f => int.Parse(Path.GetFileName(f))).Last();
        var bytes = await File.ReadAllBytesAsync(dataPage);
        bytes[Array.FindLastIndex(bytes, b => b != 0) - 4] ^= 0x5A;
        await File.WriteAllBytesAsync(dataPage, bytes);
        var walBefore = Snapshot(Path.Combine(node.DataDirectory, "wal"));
        var damaged = await QuorumCli.RunAsync(["recover", "--data-dir", node.DataDirectory]);
        Assert.True(damaged.ExitCode == 1, damaged.ToString());
        Assert.Contains("damaged", damaged.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(configuration));
        Assert.Equal(walBefore, Snapshot(Path.Combine(node.DataDirectory, "wal")));

        // The verb needs --data-dir: a usage error, not a guess.
        Assert.Equal(2, (await QuorumCli.RunAsync(["recover"])).ExitCode);
    }

    public void Dispose() => files.Dispose();

    private static async Task<Dictionary<string, (string Value, long Revision)>> ReadAllAsync(QuorumNode node, Consistency consistency)
    {
        var keys = new Dictionary<string, (string, long)>(StringComparer.Ordinal);
        await foreach (var item in node.Client.ListAllAsync(consistency: consistency))
            keys.Add(item.Key, (Encoding.UTF8.GetString(item.Value), item.Revision));
        return keys;
    }

    // Every file's path and bytes, to tell that nothing was written.
    private static Dictionary<string, string> Snapshot(string directory)
        => Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .ToDictionary(f => f, f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))), StringComparer.Ordinal);
}

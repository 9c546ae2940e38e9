using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Quorum.Client;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

public sealed class ClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_write_to_a_follower_is_forwarded_and_read_back_on_every_node()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var follower = cluster.Nodes.First(n => n != leader);

        var revision = await follower.Client.PutAsync("forwarded", "through a follower");
        Assert.True(revision > 0);

        // Linearizable reads see the acknowledged write at once, on every node.
        foreach (var node in cluster.Nodes)
        {
            var stored = await node.Client.GetAsync("forwarded");
            Assert.NotNull(stored);
            Assert.Equal("through a follower", System.Text.Encoding.UTF8.GetString(stored.Value));
            Assert.Equal(revision, stored.Revision);
        }

        // Stale reads see it eventually.
        foreach (var node in cluster.Nodes)
        {
            await Eventually.UntilAsync(
                async () => await node.Client.GetStringAsync("forwarded", Consistency.Stale) == "through a follower",
                Timeout,
                $"a stale read on {node.Id} to see the write");
        }

        // Deletes and membership changes are forwarded as well.
        Assert.True(await follower.Client.DeleteAsync("forwarded") > revision);
        Assert.Null(await leader.Client.GetAsync("forwarded"));

        // A follower names the leader in the answer of every write it passes on (a key write and a
        // proxied transaction alike); the leader names nobody.
        using (var answer = await follower.Http.PutAsync("/key/hinted", new StringContent("v")))
            Assert.Equal(leader.HttpUrl, Assert.Single(answer.Headers.GetValues("X-Quorum-Leader")));
        using (var answer = await follower.Http.PostAsync("/txn", new StringContent("""{"success":[{"put":{"key":"hinted","value":"dg=="}}]}""")))
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal(leader.HttpUrl, Assert.Single(answer.Headers.GetValues("X-Quorum-Leader")));
        }

        using (var answer = await leader.Http.PutAsync("/key/hinted", new StringContent("v")))
            Assert.False(answer.Headers.Contains("X-Quorum-Leader"));

        // A client that knows the leader's URL follows the hint and sends its next requests there.
        using var client = new QuorumClient([new Uri(follower.HttpUrl), new Uri(leader.HttpUrl)]);
        Assert.Equal(follower.HttpUrl + "/", client.Endpoint.AbsoluteUri);
        await client.PutAsync("hinted", "by a client");
        Assert.Equal(leader.HttpUrl + "/", client.Endpoint.AbsoluteUri);
        Assert.Equal("by a client", await client.GetStringAsync("hinted"));
    }

    [Fact]
    public async Task Killing_the_leader_under_a_stream_of_writes_loses_no_acknowledged_write()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var oldLeader = await cluster.WaitForLeaderAsync(Timeout);
        var acknowledged = new ConcurrentDictionary<string, string>();
        var failures = new WriteFailures();
        using var stop = new CancellationTokenSource();

        async Task WriteAsync(int writer)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = $"w{writer}-{i}";
                var node = cluster.Nodes[(writer + i) % cluster.Nodes.Count];
                if (!node.IsRunning)
                    continue;
                try
                {
                    await node.Client.PutAsync(key, $"value of {key}");
                    acknowledged[key] = $"value of {key}";
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Not acknowledged: the outcome is unknown (504, timeout, lost connection) or
                    // nothing happened (503). Any other failure is recorded and fails the test below.
                    failures.Record(e, $"put {key} on {node.Id}");
                    await Task.Delay(20);
                }
            }
        }

        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() => WriteAsync(w))).ToArray();
        QuorumNode newLeader;
        try
        {
            await Eventually.UntilAsync(() => Task.FromResult(acknowledged.Count >= 200), Timeout, "200 writes before the crash");

            var killedAt = Stopwatch.StartNew();
            oldLeader.Kill();
            newLeader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(10), except: oldLeader);
            output.WriteLine($"failover to {newLeader.Id} in {killedAt.Elapsed.TotalMilliseconds:0} ms");
            var ackedAtFailover = acknowledged.Count;
            await Eventually.UntilAsync(() => Task.FromResult(acknowledged.Count >= ackedAtFailover + 200), Timeout, "200 writes after the failover");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            output.WriteLine($"{acknowledged.Count} writes acknowledged; {failures}");
        }

        failures.AssertNoneUnexpected();

        foreach (var (key, value) in acknowledged)
            Assert.Equal(value, await newLeader.Client.GetStringAsync(key));

        // The crashed node comes back with its data and catches up.
        oldLeader.Start();
        await oldLeader.WaitUntilServingAsync(Timeout);
        var last = await newLeader.Client.PutAsync("after-rejoin", "x");
        await Eventually.UntilAsync(async () => (await oldLeader.Client.GetStatusAsync()).AppliedIndex >= last, Timeout, "the restarted node to catch up");
        await Parallel.ForEachAsync(acknowledged, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (pair, token) =>
            Assert.Equal(pair.Value, await oldLeader.Client.GetStringAsync(pair.Key, Consistency.Stale, token)));
    }

    [Fact]
    public async Task The_whole_cluster_stopped_and_started_again_keeps_every_key()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var values = new Dictionary<string, string>();
        for (var i = 0; i < 150; i++)
        {
            values[$"persist-{i}"] = $"v{i}";
            await cluster.Nodes[i % 3].Client.PutAsync($"persist-{i}", $"v{i}");
        }

        foreach (var node in cluster.Nodes)
            Assert.Equal(0, await node.StopAsync(Timeout));

        // Started exactly as before, --join included: a node whose data knows its cluster ignores it.
        foreach (var node in cluster.Nodes)
            node.Start("--join", cluster[0].HttpUrl);
        foreach (var node in cluster.Nodes)
            await node.WaitUntilServingAsync(Timeout);
        await cluster.WaitUntilConvergedAsync(Timeout);

        foreach (var node in cluster.Nodes)
        {
            foreach (var (key, value) in values)
                Assert.Equal(value, await node.Client.GetStringAsync(key));
        }

        Assert.Equal(3, (await cluster[2].Client.GetMembersAsync()).Count);
    }

    [Fact]
    public async Task A_node_restarted_on_a_new_http_port_is_found_there_by_the_others()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var moved = cluster.Nodes.First(n => n != leader);
        Assert.Equal(0, await moved.StopAsync(Timeout));

        moved.MoveToNewHttpPort();
        moved.Start();
        await moved.WaitUntilServingAsync(Timeout);
        await Eventually.UntilAsync(
            async () => (await leader.Client.GetMembersAsync()).Single(m => m.Id == moved.Id).Http == moved.HttpUrl,
            Timeout,
            "the member table to hold the new HTTP address");

        Assert.True(await moved.Client.PutAsync("from-the-moved-node", "ok") > 0);
        Assert.Equal("ok", await leader.Client.GetStringAsync("from-the-moved-node"));
    }

    [Fact]
    public async Task A_removed_node_stops_receiving_writes()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var followers = cluster.Nodes.Where(n => n != leader).ToArray();
        var (removed, remaining) = (followers[0], followers[1]);
        await leader.Client.PutAsync("before-removal", "seen by all");
        await Eventually.UntilAsync(async () => await removed.Client.GetStringAsync("before-removal", Consistency.Stale) == "seen by all", Timeout, "the doomed node to have the first write");

        // Asked of the node being removed: the request is forwarded to the leader.
        await removed.Client.RemoveMemberAsync(removed.Id);

        var members = await leader.Client.GetMembersAsync();
        Assert.Equal([leader.Id, remaining.Id], members.Select(m => m.Id).Order());

        // The leader drops a removed member's replication at its next heartbeat round, so a write
        // right after the removal may still reach it; from then on, none does.
        var frozen = await Eventually.GetAsync<NodeStatus>(
            async () =>
            {
                var revision = await remaining.Client.PutAsync("after-removal", Guid.NewGuid().ToString());
                var status = await removed.Client.GetStatusAsync();
                return status.AppliedIndex < revision ? status : null;
            },
            Timeout,
            "writes to stop reaching the removed node");

        string? last = null;
        for (var i = 0; i < 5; i++)
        {
            last = $"write {i} after the removal";
            await remaining.Client.PutAsync("after-removal", last);
            Assert.Equal(last, await remaining.Client.GetStringAsync("after-removal"));
            Assert.Equal(frozen.AppliedIndex, (await removed.Client.GetStatusAsync()).AppliedIndex);
        }

        Assert.Equal(last, await leader.Client.GetStringAsync("after-removal"));
        Assert.NotEqual(last, await removed.Client.GetStringAsync("after-removal", Consistency.Stale));

        var error = await Assert.ThrowsAsync<QuorumClientException>(() => leader.Client.RemoveMemberAsync(removed.Id));
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task The_leader_can_remove_itself_and_the_others_elect_a_new_one()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var others = cluster.Nodes.Where(n => n != leader).ToArray();

        await others[0].Client.RemoveMemberAsync(leader.Id);

        var newLeader = await cluster.WaitForLeaderAsync(Timeout, except: leader);
        Assert.Contains(newLeader, others);
        Assert.Equal(others.Select(n => n.Id).Order(), (await newLeader.Client.GetMembersAsync()).Select(m => m.Id).Order());
        var revision = await others[1].Client.PutWithRetryAsync("after-leader-left", "ok", Timeout);
        Assert.Equal("ok", await others[0].Client.GetStringAsync("after-leader-left"));
        Assert.True((await leader.Client.GetStatusAsync()).AppliedIndex < revision);
        Assert.Contains("This node was removed from the cluster", leader.Log);
    }

    [Fact]
    public async Task A_write_that_cannot_reach_a_quorum_is_answered_504_then_writes_get_503_until_the_quorum_is_back()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var followers = cluster.Nodes.Where(n => n != leader).ToArray();
        foreach (var follower in followers)
            follower.Pause();

        try
        {
            using (var write = await leader.Http.PostAsync("/key/stranded", new StringContent("maybe")))
            {
                Assert.Equal(HttpStatusCode.GatewayTimeout, write.StatusCode);
                Assert.Contains("may or may not", await write.Content.ReadAsStringAsync());
            }

            await Eventually.UntilAsync(
                async () =>
                {
                    using var write = await leader.Http.PostAsync("/key/refused", new StringContent("no"));
                    return write.StatusCode == HttpStatusCode.ServiceUnavailable && write.Headers.RetryAfter is not null;
                },
                Timeout,
                "writes to be refused with 503 once the leader knows it has no quorum");
        }
        finally
        {
            foreach (var follower in followers)
                follower.Resume();
        }

        var revision = await leader.Client.PutWithRetryAsync("recovered", "yes", Timeout);
        Assert.True(revision > 0);
        Assert.Equal("yes", await followers[0].Client.GetStringAsync("recovered"));
    }

    [Fact]
    public async Task A_write_through_a_follower_is_answered_504_when_the_leader_hangs_and_503_when_it_is_gone()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var follower = cluster.Nodes.First(n => n != leader);
        Assert.True(await follower.Client.PutAsync("warm", "up") > 0);

        // A paused leader takes the forwarded write and never answers: its fate is unknown.
        leader.Pause();
        try
        {
            using var write = await follower.Http.PostAsync("/key/hung", new StringContent("maybe"));
            Assert.Equal(HttpStatusCode.GatewayTimeout, write.StatusCode);
            Assert.Contains("outcome is unknown", await write.Content.ReadAsStringAsync());
        }
        finally
        {
            leader.Resume();
        }

        // A dead leader, with the third node paused so nobody can take over: once the follower has
        // given the dead leader up, the write never leaves it, and it says so (503 with Retry-After).
        // (Before that, a write reaching the dead leader's closed connection may get 503 or 504: the
        // follower cannot tell a connection the leader closed before reading from one it closed after.)
        leader = await cluster.WaitForLeaderAsync(Timeout);
        var others = cluster.Nodes.Where(n => n != leader).ToArray();
        var (survivor, paused) = (others[0], others[1]);
        leader.Kill();
        paused.Pause();
        try
        {
            await Eventually.UntilAsync(async () => (await survivor.Client.GetStatusAsync()).Leader is null, Timeout, "the survivor to give the dead leader up");
            using var write = await survivor.Http.PostAsync("/key/refused", new StringContent("no"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, write.StatusCode);
            Assert.NotNull(write.Headers.RetryAfter);
        }
        finally
        {
            paused.Resume();
        }

        leader.Start();
        await cluster.WaitForLeaderAsync(Timeout);
        Assert.True(await survivor.Client.PutWithRetryAsync("after", "yes", Timeout) > 0);
        Assert.Null(await survivor.Client.GetAsync("refused"));
    }

    [Fact]
    public async Task A_fourth_node_joining_after_ten_thousand_writes_catches_up_by_snapshot_to_the_same_data()
    {
        // Concurrent writes share log entries (group commit): 10,000 writes from 32 writers take at least 313 entries.
        await using var cluster = await TestCluster.StartAsync(3, output, "--snapshot-interval", "100");
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        const int Count = 10_000;
        await Parallel.ForAsync(0, Count, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, token) =>
            await leader.Client.PutAsync($"bulk/{i:D5}", $"value-{i}", token));
        await leader.Client.DeleteAsync("bulk/00042");

        await Eventually.UntilAsync(async () => (await leader.Client.GetStatusAsync()).LastSnapshotIndex >= 100, Timeout, "the leader to take a snapshot");

        var joiner = await cluster.AddNodeAsync("--snapshot-interval", "100");
        await cluster.WaitUntilConvergedAsync(TimeSpan.FromSeconds(60));
        var target = (await leader.Client.GetStatusAsync()).CommitIndex;
        await Eventually.UntilAsync(async () => (await joiner.Client.GetStatusAsync()).AppliedIndex >= target, TimeSpan.FromSeconds(60), "the new node to catch up");
        Assert.Contains("Installed snapshot from the leader", joiner.Log);

        await Parallel.ForAsync(0, Count, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, token) =>
        {
            var value = await joiner.Client.GetStringAsync($"bulk/{i:D5}", Consistency.Stale, token);
            Assert.Equal(i == 42 ? null : $"value-{i}", value);
        });

        // And it takes part from now on.
        var revision = await joiner.Client.PutAsync("from-the-new-node", "ok");
        Assert.Equal("ok", await leader.Client.GetStringAsync("from-the-new-node"));
        Assert.True(revision > target);
    }
}

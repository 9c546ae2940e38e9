using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Quorum.Client;
using Quorum.Contracts.Transactions;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>Compare-and-set, watches and TTLs on a real 3-node cluster whose leader is killed mid-way.</summary>
public sealed class DataFeatureClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static QuorumClient ClientFor(TestCluster cluster, QuorumNode first)
        => new([.. new[] { first }.Concat(cluster.Nodes.Where(n => n != first)).Select(n => new Uri(n.HttpUrl))]);

    [Fact]
    public async Task Conditional_writes_transactions_and_listings_sent_to_a_follower_are_served_as_by_the_leader()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var follower = cluster.Nodes.First(n => n != leader).Client;

        var created = await follower.PutAsync("svc/a", Encoding.UTF8.GetBytes("1"), new PutOptions(CreateOnly: true));
        var refused = await Assert.ThrowsAsync<QuorumClientException>(() => follower.PutAsync("svc/a", Encoding.UTF8.GetBytes("2"), new PutOptions(CreateOnly: true)));
        Assert.Equal((true, created), (refused.IsPreconditionFailed, refused.Revision!.Value));

        var txn = await follower.TxnAsync(new TxnRequest(
            [TxnCompare.RevisionIs("svc/a", created)],
            [TxnOperation.Put("svc/b", Encoding.UTF8.GetBytes("2")), TxnOperation.Delete("svc/a"), TxnOperation.Get("svc/b")],
            []));
        Assert.True(txn.Succeeded);
        Assert.Equal("2", Encoding.UTF8.GetString(txn.Results[2].Value!));

        // A linearizable listing on a follower reflects the transaction it just acknowledged.
        var page = await follower.ListAsync("svc/");
        Assert.Equal(["svc/b"], page.Items.Select(i => i.Key));
        Assert.True(page.Revision >= txn.Revision);
        Assert.Equal(txn.Revision, (await leader.Client.GetAsync("svc/b"))!.Revision);
    }

    [Fact]
    public async Task Eight_clients_incrementing_one_counter_by_compare_and_set_200_times_each_end_at_exactly_1600_across_a_leader_kill()
    {
        const int Clients = 8;
        const int Increments = 200;
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var done = 0;
        var conflicts = 0;
        var failures = new WriteFailures();

        // The counter's value lists every increment's token, so an increment whose outcome was
        // unknown (504, a timeout, a dropped connection) can be settled by reading: it applied if
        // its token is there. A worker stops at an unexpected failure, which fails the test below.
        async Task IncrementAsync(int id)
        {
            using var client = ClientFor(cluster, cluster.Nodes[id % cluster.Nodes.Count]);
            for (var i = 0; i < Increments; i++)
            {
                var token = $"c{id}.{i};";
                while (true)
                {
                    if (await ReadAsync(client) is not { } current)
                        return;
                    if (current.Value.Contains(token, StringComparison.Ordinal))
                        break;

                    try
                    {
                        await client.PutAsync("counter", Encoding.UTF8.GetBytes(current.Value + token), new PutOptions(IfRevision: current.Revision));
                        break;
                    }
                    catch (QuorumClientException e) when (e.IsPreconditionFailed)
                    {
                        // Another increment came first: read again.
                        Interlocked.Increment(ref conflicts);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        // 503: nothing applied. 504, timeout, lost connection: settled on the next
                        // read, as the write was conditional on a revision the key has left, or has not.
                        if (!failures.Record(e, $"increment {token}"))
                            return;
                    }
                }

                Interlocked.Increment(ref done);
            }
        }

        async Task<(string Value, long Revision)?> ReadAsync(QuorumClient client)
        {
            while (true)
            {
                try
                {
                    var stored = await client.GetAsync("counter");
                    return stored is null ? (string.Empty, 0) : (Encoding.UTF8.GetString(stored.Value), stored.Revision);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    if (!failures.Record(e, "read counter"))
                        return null;
                    await Task.Delay(20);
                }
            }
        }

        var workers = Enumerable.Range(0, Clients).Select(id => Task.Run(() => IncrementAsync(id))).ToArray();
        try
        {
            await Eventually.UntilAsync(() => Task.FromResult(Volatile.Read(ref done) >= 400 || failures.Unexpected.Count > 0), Timeout, "400 increments before the crash");
            leader.Kill();
            await cluster.WaitForLeaderAsync(Timeout, except: leader);
            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(3));
        }
        finally
        {
            output.WriteLine($"{Volatile.Read(ref done)} increments done, {Volatile.Read(ref conflicts)} conflicts (412); {failures}");
        }

        failures.AssertNoneUnexpected();
        using var reader = ClientFor(cluster, cluster.Nodes.First(n => n != leader));
        var final = Encoding.UTF8.GetString((await reader.GetAsync("counter"))!.Value);
        var tokens = final.Split(';', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Clients * Increments, tokens.Length);
        Assert.Equal(Clients * Increments, tokens.Distinct().Count());
    }

    [Fact]
    public async Task A_watcher_on_the_leader_keeps_its_place_when_the_leader_is_killed_and_sees_every_acknowledged_write_once()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        using var watcher = ClientFor(cluster, leader);
        using var writer = ClientFor(cluster, cluster.Nodes.First(n => n != leader));
        var start = await writer.PutAsync("feed/start", "0");

        var seen = new ConcurrentQueue<WatchEvent>();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var watching = Task.Run(async () =>
        {
            await foreach (var change in watcher.WatchAsync("feed/", start, stop.Token))
            {
                seen.Enqueue(change);
                if (change.Key == "feed/end")
                    return;
            }
        });

        var acknowledged = new List<(string Key, long Revision)>();
        var failures = new WriteFailures();
        for (var i = 0; i < 300; i++)
        {
            if (i == 100)
            {
                await Eventually.UntilAsync(() => Task.FromResult(seen.Count > 50), Timeout, "the watcher to be streaming");
                leader.Kill();
            }

            var key = $"feed/{i:D3}";
            try
            {
                acknowledged.Add((key, await writer.PutAsync(key, key)));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Not acknowledged: 503 (nothing applied) or of unknown outcome (504, timeout, lost
                // connection); any other failure is recorded and fails the test.
                failures.Record(e, $"put {key}");
                output.WriteLine($"{key}: {e.Message}");
            }
        }

        output.WriteLine($"{acknowledged.Count} of 300 writes acknowledged; {failures}");
        failures.AssertNoneUnexpected();
        var end = await writer.PutAsync("feed/end", "1");
        await watching.WaitAsync(Timeout);

        var events = seen.ToList();
        Assert.Equal(start, events[0].Revision);
        Assert.Equal(end, events[^1].Revision);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Revision < p.Second.Revision), "revisions strictly increase: no repeats, in order");
        var byKey = events.ToDictionary(e => e.Key, e => e.Revision);
        foreach (var (key, revision) in acknowledged)
            Assert.Equal(revision, byKey[key]);
    }

    [Fact]
    public async Task A_leased_key_still_expires_after_the_leader_is_killed_neither_early_nor_much_late()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        using var client = ClientFor(cluster, cluster.Nodes.First(n => n != leader));
        var ttl = TimeSpan.FromSeconds(4);

        var sent = Stopwatch.StartNew();
        await client.PutAsync("lease/holder", Encoding.UTF8.GetBytes("a"), new PutOptions(Ttl: ttl));
        var acknowledged = sent.Elapsed;
        leader.Kill();
        await cluster.WaitForLeaderAsync(Timeout, except: leader);
        Assert.NotNull(await client.GetAsync("lease/holder"));
        var before = sent.Elapsed;
        Assert.True(before < ttl, $"the check before expiry ran late ({before.TotalMilliseconds:0} ms)");

        await Eventually.UntilAsync(async () => await client.GetAsync("lease/holder") is null, Timeout, "the key to expire");
        var gone = sent.Elapsed;
        output.WriteLine($"acknowledged after {acknowledged.TotalMilliseconds:0} ms; gone after {gone.TotalMilliseconds:0} ms (TTL {ttl.TotalMilliseconds:0} ms)");
        Assert.True(gone >= ttl, $"expired early, {gone.TotalMilliseconds:0} ms after it was written");

        // The bound is about an election timeout (300-600 ms here) plus a second; the rest is this host's scheduling.
        Assert.True(gone <= acknowledged + ttl + TimeSpan.FromSeconds(3), $"outlived its TTL by {(gone - acknowledged - ttl).TotalMilliseconds:0} ms");
    }
}

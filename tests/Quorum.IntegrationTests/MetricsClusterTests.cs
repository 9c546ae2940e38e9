using System.Net;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary><c>GET /metrics</c> on a real 3-node cluster: replication seen by the leader, flushes on followers, and a node cut off from its majority.</summary>
public sealed class MetricsClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Metrics_follow_replication_and_an_isolated_node_reports_no_leader()
    {
        const int Writes = 30;
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var followers = cluster.Nodes.Where(n => n != leader).ToArray();
        await cluster.WaitUntilConvergedAsync(Timeout);

        var before = new Dictionary<QuorumNode, IReadOnlyDictionary<string, PrometheusFamily>>();
        foreach (var node in cluster.Nodes)
            before[node] = await ScrapeAsync(node);

        for (var i = 0; i < Writes; i++)
            await leader.Client.PutAsync($"metrics/{i}", "value");

        var leaderAfter = await ScrapeAsync(leader);
        Assert.Equal(1, leaderAfter["quorum_server_is_leader"].Value());
        Assert.Equal(Writes, leaderAfter["quorum_server_proposals_committed_total"].Value() - before[leader]["quorum_server_proposals_committed_total"].Value());

        // The leader times its AppendEntries round trips to each follower, by member ID.
        var roundTrips = leaderAfter["quorum_network_peer_round_trip_time_seconds"];
        foreach (var follower in followers)
            Assert.True(roundTrips.HistogramCount(("peer", follower.Id)) >= Writes, $"too few round trips to {follower.Id} were timed");

        foreach (var follower in followers)
        {
            // Eventually: the follower applies the last entry a moment after the leader acknowledged it.
            await Eventually.UntilAsync(
                async () => (await ScrapeAsync(follower))["quorum_server_applied_index"].Value() >= leaderAfter["quorum_server_commit_index"].Value(),
                Timeout,
                $"{follower.Id} to apply every write");
            var after = await ScrapeAsync(follower);
            Assert.Equal(0, after["quorum_server_is_leader"].Value());
            Assert.Equal(1, after["quorum_server_has_leader"].Value());
            Assert.Equal(0, after["quorum_server_proposals_committed_total"].Value());

            // Each entry sent alone is flushed by the follower before it acknowledges.
            var flushes = after["quorum_disk_wal_fsync_duration_seconds"].HistogramCount() - before[follower]["quorum_disk_wal_fsync_duration_seconds"].HistogramCount();
            Assert.True(flushes >= Writes, $"{follower.Id} counted {flushes} flushes for {Writes} entries");
            Assert.Equal(Writes, after["quorum_store_keys"].Value() - before[follower]["quorum_store_keys"].Value());
        }

        // Cut the leader off from both followers: it must step down and say so.
        var changesBefore = leaderAfter["quorum_server_leader_changes_seen_total"].Value();
        foreach (var follower in followers)
            follower.Pause();
        try
        {
            using (var write = await leader.Http.PostAsync("/key/metrics-stranded", new StringContent("maybe")))
                Assert.Equal(HttpStatusCode.GatewayTimeout, write.StatusCode);
            await Eventually.UntilAsync(
                async () => (await ScrapeAsync(leader))["quorum_server_has_leader"].Value() == 0,
                Timeout,
                "the isolated node to report no leader");
            var isolated = await ScrapeAsync(leader);
            Assert.Equal(0, isolated["quorum_server_is_leader"].Value());
            Assert.True(isolated["quorum_server_proposals_failed_total"].Value() >= 1, "the write that timed out was not counted as failed");
        }
        finally
        {
            foreach (var follower in followers)
                follower.Resume();
        }

        await Eventually.UntilAsync(
            async () => (await ScrapeAsync(leader))["quorum_server_has_leader"].Value() == 1,
            Timeout,
            "the node to know a leader again");
        Assert.True((await ScrapeAsync(leader))["quorum_server_leader_changes_seen_total"].Value() > changesBefore, "the new leader was not counted as a leader change");
    }

    [Fact]
    public async Task With_an_otlp_endpoint_the_node_pushes_its_metrics_over_otlp_http()
    {
        var collectorPort = Ports.Next();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{collectorPort}/");
        collector.Start();

        using var data = new TemporaryDirectory("quorum-otlp");
        var httpPort = Ports.Next();
        await using var node = QuorumProgram.Start(
            ["serve", "--node-id", "otlp-node", "--data-dir", data.Path, "--http-port", httpPort.ToString(), "--raft-port", Ports.Next().ToString(), "--otlp-endpoint", $"http://127.0.0.1:{collectorPort}"],
            environment: new Dictionary<string, string> { ["OTEL_METRIC_EXPORT_INTERVAL"] = "200" });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        await Eventually.UntilAsync(async () => (await http.PutAsync("/key/otlp", new StringContent("pushed"))).IsSuccessStatusCode, Timeout, "the node to take a write");

        // An export is a protobuf ExportMetricsServiceRequest; its names and attribute values are plain UTF-8 in it.
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var request = await collector.GetContextAsync().WaitAsync(deadline - DateTime.UtcNow);
            using var body = new MemoryStream();
            await request.Request.InputStream.CopyToAsync(body);
            request.Response.StatusCode = 200;
            request.Response.ContentType = "application/x-protobuf";
            request.Response.Close();

            Assert.Equal("/v1/metrics", request.Request.Url?.AbsolutePath);
            Assert.Equal("application/x-protobuf", request.Request.ContentType);
            var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
            Assert.Contains("otlp-node", text, StringComparison.Ordinal);
            if (text.Contains("quorum.server.proposals_committed", StringComparison.Ordinal) && text.Contains("quorum.http.request_duration", StringComparison.Ordinal))
                break;
        }
    }

    [Fact]
    public async Task A_slow_disk_shows_in_the_fsync_histogram_and_in_a_warning_with_the_measured_figure()
    {
        // strace (Debian's, installed by .ci/run) holds every flush syscall of the node for 30 ms
        // before it runs: a disk whose flushes take 30 ms more. DotNext flushes its log with msync
        // (the log is memory-mapped) and fsync.
        const int Writes = 10;
        const string Flushes = "fsync,fdatasync,msync";
        using var data = new TemporaryDirectory("quorum-slow-disk");
        var httpPort = Ports.Next();
        await using var node = QuorumProgram.Start(
            ["serve", "--node-id", "slow-disk", "--data-dir", data.Path, "--http-port", httpPort.ToString(), "--raft-port", Ports.Next().ToString(), "--warn-fsync", "20ms"],
            launcher: ["strace", "-f", "--seccomp-bpf", "-qq", "-o", "/dev/null", "-e", "trace=" + Flushes, "-e", $"inject={Flushes}:delay_enter=30000", "--"]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        await Eventually.UntilAsync(async () => (await http.GetAsync("/ready")).IsSuccessStatusCode, Timeout, "the node under strace to be ready");

        var before = PrometheusScrape.Parse(await http.GetStringAsync("/metrics"))["quorum_disk_wal_fsync_duration_seconds"];
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < Writes; i++)
            Assert.True((await http.PutAsync($"/key/slow/{i}", new StringContent("v"))).IsSuccessStatusCode);

        // The fault took effect: each write waited for at least one delayed flush.
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(30 * Writes), $"{Writes} writes took {started.ElapsedMilliseconds} ms: the flushes were not delayed");
        var after = PrometheusScrape.Parse(await http.GetStringAsync("/metrics"))["quorum_disk_wal_fsync_duration_seconds"];
        var slow = SlowerThan(after, 0.016) - SlowerThan(before, 0.016);
        Assert.True(slow >= Writes, $"only {slow} flushes over 16 ms were counted for {Writes} writes on a disk that takes 30 ms a flush");

        // The node says so itself, with the figure: a p99 of at least the injected 30 ms.
        var warning = await Eventually.GetAsync(
            () => Task.FromResult(System.Text.RegularExpressions.Regex.Match(node.Output, @"Slow disk: write-ahead log flush p99 (\d+(\.\d)?) ms") is { Success: true } match ? match : null),
            Timeout,
            "a slow-disk warning in the node's log");
        Assert.True(double.Parse(warning.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 30, warning.Value);
    }

    private static double SlowerThan(PrometheusFamily histogram, double seconds)
        => histogram.HistogramCount() - histogram.Samples.Single(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal) && s["le"] == seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)).Value;

    private static async Task<IReadOnlyDictionary<string, PrometheusFamily>> ScrapeAsync(QuorumNode node)
        => PrometheusScrape.Parse(await node.Http.GetStringAsync("/metrics"));
}

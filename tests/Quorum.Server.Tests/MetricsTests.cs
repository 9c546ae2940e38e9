using System.Net;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.Server.Tests;

/// <summary><c>GET /metrics</c> on a real one-node store: the format, the contract's series, and values that move.</summary>
public sealed class MetricsTests(OneNodeServer server) : IClassFixture<OneNodeServer>
{
    private static readonly (string Name, string Type)[] Contract =
    [
        ("quorum_server_has_leader", "gauge"),
        ("quorum_server_is_leader", "gauge"),
        ("quorum_server_leader_changes_seen_total", "counter"),
        ("quorum_server_term", "gauge"),
        ("quorum_server_commit_index", "gauge"),
        ("quorum_server_applied_index", "gauge"),
        ("quorum_server_proposals_committed_total", "counter"),
        ("quorum_server_proposals_failed_total", "counter"),
        ("quorum_server_proposals_pending", "gauge"),
        ("quorum_disk_wal_fsync_duration_seconds", "histogram"),
        ("quorum_snapshot_duration_seconds", "histogram"),
        ("quorum_network_peer_round_trip_time_seconds", "histogram"),
        ("quorum_http_request_duration_seconds", "histogram"),
        ("quorum_store_keys", "gauge"),
        ("quorum_store_size_bytes", "gauge"),
        ("quorum_watch_watchers", "gauge"),
        ("process_resident_memory_bytes", "gauge"),
        ("process_cpu_seconds_total", "counter"),
    ];

    [Fact]
    public async Task Every_series_of_the_contract_is_served_as_valid_prometheus_text()
    {
        using var response = await server.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var families = PrometheusScrape.Parse(await response.Content.ReadAsStringAsync());

        foreach (var (name, type) in Contract)
        {
            Assert.True(families.TryGetValue(name, out var family), $"{name} is missing");
            Assert.Equal(type, family.Type);
            Assert.NotEmpty(family.Samples);
            Assert.False(string.IsNullOrWhiteSpace(family.Help), $"{name} has no HELP");
        }

        Assert.Equal(1, families["quorum_server_has_leader"].Value());
        Assert.Equal(1, families["quorum_server_is_leader"].Value());
        Assert.True(families["quorum_server_leader_changes_seen_total"].Value() >= 1, "the node became leader but no leader change was counted");
        Assert.Equal(server.Store.GetStatus().Term, families["quorum_server_term"].Value());
        Assert.True(families["process_resident_memory_bytes"].Value() > 10_000_000);
        Assert.True(families["process_cpu_seconds_total"].Value() > 0);
    }

    [Fact]
    public async Task Writes_move_the_counters_and_the_request_histogram_names_the_route_never_the_key()
    {
        const int Writes = 20;
        var before = await ScrapeAsync();
        for (var i = 0; i < Writes; i++)
        {
            using var put = await server.Http.PutAsync($"/key/metrics-secret-name-{i}", new StringContent(new string('v', 100)));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using (var missing = await server.Http.GetAsync("/key/metrics-absent"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var text = await server.Http.GetStringAsync("/metrics");
        var after = PrometheusScrape.Parse(text);
        Assert.DoesNotContain("metrics-secret-name", text, StringComparison.Ordinal);

        Assert.Equal(Writes, Delta("quorum_server_proposals_committed_total"));
        Assert.Equal(Writes, Delta("quorum_store_keys"));
        Assert.True(Delta("quorum_store_size_bytes") >= Writes * 100, "the stored bytes did not grow by the values written");
        Assert.Equal(Writes, after["quorum_server_applied_index"].Value() - before["quorum_server_applied_index"].Value());
        Assert.Equal(after["quorum_server_commit_index"].Value(), after["quorum_server_applied_index"].Value());
        Assert.Equal(0, after["quorum_server_proposals_pending"].Value());

        // One at a time, each write is its own log entry, and the leader flushes each before it commits.
        Assert.True(
            after["quorum_disk_wal_fsync_duration_seconds"].HistogramCount() - before["quorum_disk_wal_fsync_duration_seconds"].HistogramCount() >= Writes,
            "fewer flushes were counted than entries written one at a time");

        var requests = after["quorum_http_request_duration_seconds"];
        Assert.Equal(Writes, requests.HistogramCount(("route", "/key/{**key}"), ("method", "PUT"), ("code", "200")) - before["quorum_http_request_duration_seconds"].HistogramCount(("route", "/key/{**key}"), ("method", "PUT"), ("code", "200")));
        Assert.True(requests.HistogramCount(("route", "/key/{**key}"), ("method", "GET"), ("code", "404")) >= 1);

        double Delta(string name) => after[name].Value() - before[name].Value();
    }

    [Fact]
    public async Task The_watchers_gauge_counts_open_streams()
    {
        Assert.Equal(0, (await ScrapeAsync())["quorum_watch_watchers"].Value());
        using (var watch = await server.Http.GetAsync("/watch?prefix=metrics-watch/", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, watch.StatusCode);
            await Eventually.UntilAsync(async () => (await ScrapeAsync())["quorum_watch_watchers"].Value() == 1, TimeSpan.FromSeconds(10), "the open watch to be counted");
        }

        await Eventually.UntilAsync(async () => (await ScrapeAsync())["quorum_watch_watchers"].Value() == 0, TimeSpan.FromSeconds(10), "the closed watch to be uncounted");
    }

    [Fact]
    public void Malformed_exposition_is_refused_by_the_test_parser()
    {
        // The parser is the guard of the tests above; it must be able to fail.
        Assert.Throws<FormatException>(() => PrometheusScrape.Parse("# TYPE a histogram\na_bucket{le=\"1\"} 2\na_bucket{le=\"+Inf\"} 1\na_sum 1\na_count 1\n"));
        Assert.Throws<FormatException>(() => PrometheusScrape.Parse("# TYPE a counter\na{x=\"1} 2\n"));
        Assert.Throws<FormatException>(() => PrometheusScrape.Parse("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"y\"} 2\n"));
        Assert.Throws<FormatException>(() => PrometheusScrape.Parse("# TYPE a gauge\na 1\na 2\n"));
        Assert.Throws<FormatException>(() => PrometheusScrape.Parse("# TYPE a histogram\na_bucket{le=\"+Inf\"} 3\na_count 3\n"));
    }

    private async Task<IReadOnlyDictionary<string, PrometheusFamily>> ScrapeAsync()
        => PrometheusScrape.Parse(await server.Http.GetStringAsync("/metrics"));
}

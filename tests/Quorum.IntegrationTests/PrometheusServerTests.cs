using System.Diagnostics;
using System.Text.Json;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>
/// A real Prometheus (Debian's) scrapes real nodes with the shipped example configuration and
/// loads the shipped alerting rules: the exposition, the scrape config and the rules are checked by
/// the program operators will run, not by our own reading of the format.
/// </summary>
public sealed class PrometheusServerTests(ITestOutputHelper output)
{
    private const string PrometheusProgram = "/usr/bin/prometheus";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Prometheus_scrapes_every_node_with_the_shipped_config_and_evaluates_the_shipped_rules()
    {
        Assert.True(File.Exists(PrometheusProgram), "Debian's prometheus package is needed (.ci/run installs it).");
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
        await cluster.WaitUntilConvergedAsync(TimeSpan.FromSeconds(30));
        await leader.Client.PutAsync("scraped", "yes");

        using var work = new TemporaryDirectory("quorum-prometheus");
        var docs = Path.Combine(QuorumProgram.RepositoryRoot, "docs");
        var config = await File.ReadAllTextAsync(Path.Combine(docs, "prometheus.yml"));
        var targets = string.Join(", ", cluster.Nodes.Select(n => $"'127.0.0.1:{n.HttpPort}'"));
        var shipped = "['127.0.0.1:8001', '127.0.0.1:8002', '127.0.0.1:8003']";
        Assert.Contains(shipped, config, StringComparison.Ordinal);
        config = config.Replace(shipped, $"[{targets}]", StringComparison.Ordinal).Replace("5s", "1s", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(work.Path, "prometheus.yml"), config);
        File.Copy(Path.Combine(docs, "alerts.yml"), Path.Combine(work.Path, "alerts.yml"));

        var port = Ports.Next();
        using var prometheus = Process.Start(new ProcessStartInfo(PrometheusProgram)
        {
            ArgumentList = { $"--config.file={Path.Combine(work.Path, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(work.Path, "data")}", $"--web.listen-address=127.0.0.1:{port}" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        prometheus.ErrorDataReceived += (_, _) => { };
        prometheus.BeginErrorReadLine();
        prometheus.BeginOutputReadLine();
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

            // Every node's has_leader, as Prometheus stored it.
            var hasLeader = await Eventually.GetAsync(
                async () =>
                {
                    var result = await QueryAsync(api, "quorum_server_has_leader{job=\"quorum\"}");
                    return result.Count == cluster.Nodes.Count ? result : null;
                },
                Timeout,
                "Prometheus to have scraped every node");
            Assert.All(hasLeader, sample => Assert.Equal("1", sample.Value));
            Assert.Equal("1", (await QueryAsync(api, "sum(quorum_server_is_leader)")).Single().Value);

            // A histogram Prometheus can take a quantile of, per peer, on the leader.
            var roundTrips = await Eventually.GetAsync(
                async () =>
                {
                    var result = await QueryAsync(api, "histogram_quantile(0.99, sum by (peer, le) (quorum_network_peer_round_trip_time_seconds_bucket{peer!=\"\"}))");
                    return result.Count == 2 ? result : null;
                },
                Timeout,
                "a round-trip quantile per follower");
            Assert.All(roundTrips, sample => Assert.True(double.Parse(sample.Value, System.Globalization.CultureInfo.InvariantCulture) > 0));

            // The shipped rules load and evaluate without error, and none fires on a healthy cluster.
            var rules = await Eventually.GetAsync(
                async () =>
                {
                    using var document = JsonDocument.Parse(await api.GetStringAsync("/api/v1/rules"));
                    var all = document.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
                        .SelectMany(g => g.GetProperty("rules").EnumerateArray())
                        .Select(r => (Name: r.GetProperty("name").GetString()!, Health: r.GetProperty("health").GetString()!, State: r.GetProperty("state").GetString()!))
                        .ToList();
                    return all.Count > 0 && all.All(r => r.Health == "ok") ? all : null;
                },
                Timeout,
                "the shipped rules to be evaluated");
            Assert.Equal(10, rules.Count);
            Assert.Contains(rules, r => r.Name == "QuorumNoLeader");
            Assert.All(rules, r => Assert.Equal("inactive", r.State));

            // Every query of the shipped Grafana dashboard runs, and finds data (a healthy cluster has
            // no 5xx answers, so their share is the one that may be empty).
            using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(docs, "grafana-dashboard.json")));
            var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
                .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (Panel: p.GetProperty("title").GetString()!, Expr: t.GetProperty("expr").GetString()!)))
                .ToList();
            Assert.True(queries.Count >= 15);
            foreach (var (panel, expr) in queries)
            {
                var query = expr.Replace("$job", "quorum", StringComparison.Ordinal).Replace("$__rate_interval", "1m", StringComparison.Ordinal);
                var result = await Eventually.GetAsync(
                    async () => await QueryAsync(api, query) is { } rows && (rows.Count > 0 || panel.Contains("5xx", StringComparison.Ordinal)) ? rows : null,
                    Timeout,
                    $"the dashboard's '{panel}' query to find data: {query}");
                output.WriteLine($"{panel}: {result.Count} series");
            }
        }
        finally
        {
            prometheus.Kill();
            await prometheus.WaitForExitAsync();
        }
    }

    private static async Task<List<(string Instance, string Value)>> QueryAsync(HttpClient api, string query)
    {
        using var document = JsonDocument.Parse(await api.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString(query)));
        return [.. document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(r => (r.GetProperty("metric").TryGetProperty("instance", out var i) ? i.GetString() ?? string.Empty : string.Empty, r.GetProperty("value")[1].GetString()!))];
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Quorum.Contracts.Transactions;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>The <c>quorum</c> client verbs, run as real processes against a real one-node cluster: what they print and how they exit.</summary>
public sealed class CliTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Put_then_get_round_trips_the_value()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        var node = cluster[0];

        var put = await RunAsync(node, "put", "greeting", "hello world");
        Assert.Equal(0, put.ExitCode);
        var revision = Revision(put);
        Assert.Equal("hello world", await node.Client.GetStringAsync("greeting"));

        var get = await RunAsync(node, "get", "greeting");
        Assert.Equal(0, get.ExitCode);
        Assert.Equal("hello world", get.Stdout); // the raw value, nothing added

        var withRevision = await RunAsync(node, "get", "greeting", "--revision");
        Assert.Equal($"{revision} hello world\n", withRevision.Stdout);

        // The value can come from standard input, and the endpoints from QUORUM_ENDPOINTS.
        var environment = new Dictionary<string, string> { ["QUORUM_ENDPOINTS"] = node.HttpUrl };
        var fromStdin = await QuorumCli.RunAsync(["put", "multi/line", "-"], "first\nsecond\n", environment);
        Assert.Equal(0, fromStdin.ExitCode);
        Assert.True(Revision(fromStdin) > revision, fromStdin.ToString());
        Assert.Equal("first\nsecond\n", (await QuorumCli.RunAsync(["get", "multi/line", "--stale"], environment: environment)).Stdout);

        // An unreachable member first in the list is skipped.
        var unreachable = $"http://127.0.0.1:{Ports.Next()}";
        var failover = await QuorumCli.RunAsync(["get", "greeting", "--endpoints", $"{unreachable},{node.HttpUrl}"]);
        Assert.Equal(0, failover.ExitCode);
        Assert.Equal("hello world", failover.Stdout);

        var absent = await RunAsync(node, "get", "nope");
        Assert.Equal(3, absent.ExitCode);
        Assert.Equal(string.Empty, absent.Stdout);
        Assert.Contains("'nope' not found", absent.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_create_twice_fails_the_second_time_with_the_current_revision()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        var node = cluster[0];

        var first = await RunAsync(node, "put", "lock", "owner-1", "--create", "--ttl", "1h");
        Assert.Equal(0, first.ExitCode);
        var revision = Revision(first);

        var second = await RunAsync(node, "put", "lock", "owner-2", "--create");
        Assert.Equal(4, second.ExitCode);
        Assert.Equal(string.Empty, second.Stdout);
        Assert.Contains($"current revision: {revision}", second.Stderr, StringComparison.Ordinal);

        var stored = await node.Client.GetAsync("lock");
        Assert.NotNull(stored);
        Assert.Equal("owner-1", Encoding.UTF8.GetString(stored.Value));
        Assert.Equal(revision, stored.Revision);
    }

    [Fact]
    public async Task Put_if_revision_succeeds_only_at_the_current_revision()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        var node = cluster[0];
        var first = Revision(await RunAsync(node, "put", "config", "v1"));

        var update = await RunAsync(node, "put", "config", "v2", "--if-revision", first.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(0, update.ExitCode);
        var second = Revision(update);
        Assert.True(second > first, update.ToString());

        var stale = await RunAsync(node, "put", "config", "v3", "--if-revision", first.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(4, stale.ExitCode);
        Assert.Contains($"current revision: {second}", stale.Stderr, StringComparison.Ordinal);
        Assert.Equal("v2", await node.Client.GetStringAsync("config"));
    }

    [Fact]
    public async Task Del_prints_the_revision_and_honours_if_revision()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        var node = cluster[0];
        var written = Revision(await RunAsync(node, "put", "doomed", "x"));

        var wrong = await RunAsync(node, "del", "doomed", "--if-revision", (written + 100).ToString(CultureInfo.InvariantCulture));
        Assert.Equal(4, wrong.ExitCode);
        Assert.Contains($"current revision: {written}", wrong.Stderr, StringComparison.Ordinal);
        Assert.Equal("x", await node.Client.GetStringAsync("doomed"));

        var delete = await RunAsync(node, "del", "doomed", "--if-revision", written.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(0, delete.ExitCode);
        Assert.True(Revision(delete) > written, delete.ToString());
        Assert.Null(await node.Client.GetAsync("doomed"));
        Assert.Equal(3, (await RunAsync(node, "get", "doomed")).ExitCode);

        var absent = await RunAsync(node, "del", "doomed");
        Assert.Equal(0, absent.ExitCode);
    }

    [Fact]
    public async Task Ls_lists_exactly_the_keys_under_a_prefix_in_order()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        var node = cluster[0];
        var revisions = new Dictionary<string, long>();
        foreach (var key in new[] { "app/b", "app/a", "app/c/d", "apple", "other/a", "ap" })
            revisions[key] = await node.Client.PutAsync(key, "value of " + key);

        var list = await RunAsync(node, "ls", "app/");
        Assert.Equal(0, list.ExitCode);
        string[] underPrefix = ["app/a", "app/b", "app/c/d"];
        Assert.Equal(underPrefix.Select(k => $"{k}\t{revisions[k]}"), Lines(list));

        var values = await RunAsync(node, "ls", "app/", "--values", "--limit", "2");
        Assert.Equal(0, values.ExitCode);
        Assert.Equal([$"app/a\t{revisions["app/a"]}\tvalue of app/a", $"app/b\t{revisions["app/b"]}\tvalue of app/b"], Lines(values));
        Assert.Contains("--after 'app/b'", values.Stderr, StringComparison.Ordinal);

        var after = await RunAsync(node, "ls", "app/", "--after", "app/b", "--json");
        var item = JsonDocument.Parse(Assert.Single(Lines(after))).RootElement;
        Assert.Equal("app/c/d", item.GetProperty("key").GetString());
        Assert.Equal("value of app/c/d", Encoding.UTF8.GetString(item.GetProperty("value").GetBytesFromBase64()));
        Assert.Equal(revisions["app/c/d"], item.GetProperty("revision").GetInt64());

        Assert.Equal(["ap", "app/a", "app/b", "app/c/d", "apple", "other/a"], Lines(await RunAsync(node, "ls")).Select(l => l.Split('\t')[0]));
    }

    [Fact]
    public async Task Ls_without_a_limit_pages_through_every_key()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        var node = cluster[0];
        var keys = Enumerable.Range(0, 1300).Select(i => $"many/{i:D5}").ToList();
        foreach (var chunk in keys.Chunk(128))
            await node.Client.TxnAsync(new TxnRequest([], [.. chunk.Select(k => TxnOperation.Put(k, "v"u8.ToArray()))], []));

        var list = await RunAsync(node, "ls", "many/");
        Assert.Equal(0, list.ExitCode);
        Assert.Equal(keys, Lines(list).Select(l => l.Split('\t')[0]));
        Assert.Equal(string.Empty, list.Stderr);
    }

    [Fact]
    public async Task Txn_from_stdin_succeeds_then_fails_its_compare()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        var node = cluster[0];
        var before = await node.Client.PutAsync("config", "v1");
        var txn = """
            {"compare":[{"key":"lock","revision":0}],
             "success":[{"put":{"key":"lock","value":"b3duZXI=","ttl":"1h"}},{"get":{"key":"config"}}],
             "failure":[{"get":{"key":"lock"}}]}
            """;

        var first = await RunWithInputAsync(node, txn, "txn");
        Assert.Equal(0, first.ExitCode);
        var answer = JsonDocument.Parse(first.Stdout).RootElement;
        Assert.True(answer.GetProperty("succeeded").GetBoolean());
        var revision = answer.GetProperty("revision").GetInt64();
        Assert.True(revision > before);
        var results = answer.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(2, results.Count);
        Assert.Equal("lock", results[0].GetProperty("key").GetString());
        Assert.Equal(JsonValueKind.Null, results[0].GetProperty("value").ValueKind);
        Assert.Equal(revision, results[0].GetProperty("revision").GetInt64());
        Assert.Equal("config", results[1].GetProperty("key").GetString());
        Assert.Equal("v1", Encoding.UTF8.GetString(results[1].GetProperty("value").GetBytesFromBase64()));
        Assert.Equal(before, results[1].GetProperty("revision").GetInt64());
        Assert.Equal("owner", await node.Client.GetStringAsync("lock"));

        var second = await RunWithInputAsync(node, txn, "txn", "-");
        Assert.Equal(5, second.ExitCode);
        answer = JsonDocument.Parse(second.Stdout).RootElement;
        Assert.False(answer.GetProperty("succeeded").GetBoolean());
        var found = Assert.Single(answer.GetProperty("results").EnumerateArray());
        Assert.Equal("lock", found.GetProperty("key").GetString());
        Assert.Equal("owner", Encoding.UTF8.GetString(found.GetProperty("value").GetBytesFromBase64()));
        Assert.Equal(revision, found.GetProperty("revision").GetInt64());

        var misspelt = await RunWithInputAsync(node, """{"compare":[],"sucess":[]}""", "txn");
        Assert.Equal(1, misspelt.ExitCode);
        Assert.Contains("sucess", misspelt.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_prints_a_put_and_a_delete_made_after_it_starts_and_ends_cleanly()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        var node = cluster[0];
        await using var watch = QuorumCli.Start(["watch", "jobs/", "--endpoints", node.HttpUrl]);
        try
        {
            // The watch starts from the revision current when it connects: write until it reports a write.
            await Eventually.UntilAsync(
                async () =>
                {
                    await node.Client.PutAsync("jobs/ping", "ping");
                    return watch.StdoutLines.Any(l => l.EndsWith("\tput\tjobs/ping\tping", StringComparison.Ordinal));
                },
                Timeout,
                "the watch to report a write");

            await node.Client.PutAsync("other/job", "not watched");
            var put = await node.Client.PutAsync("jobs/1", "build");
            var delete = await node.Client.DeleteAsync("jobs/1");

            var expected = new[] { $"{put}\tput\tjobs/1\tbuild", $"{delete}\tdelete\tjobs/1" };
            await Eventually.UntilAsync(() => Task.FromResult(watch.StdoutLines.Count(l => !l.Contains("jobs/ping", StringComparison.Ordinal)) >= 2), Timeout, "the watch to report the put and the delete");
            Assert.Equal(expected, watch.StdoutLines.Where(l => !l.Contains("jobs/ping", StringComparison.Ordinal)));

            Assert.Equal(0, await watch.StopAsync(Signals.Terminate, Timeout));
        }
        finally
        {
            output.WriteLine(string.Join('\n', watch.StdoutLines));
            output.WriteLine(watch.Stderr);
        }
    }

    [Fact]
    public async Task Mistakes_and_unreachable_members_exit_with_the_documented_codes()
    {
        var unknown = await QuorumCli.RunAsync(["get", "k", "--bogus"]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("Unrecognized command or argument '--bogus'", unknown.Stderr, StringComparison.Ordinal);
        Assert.Contains("usage: quorum", unknown.Stderr, StringComparison.Ordinal);

        var both = await QuorumCli.RunAsync(["put", "k", "v", "--create", "--if-revision", "3"]);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("give --create or --if-revision, not both", both.Stderr, StringComparison.Ordinal);

        // A mistyped flag must not become a prefix: without '--' before it, it is refused.
        var typo = await QuorumCli.RunAsync(["ls", "--limt"]);
        Assert.Equal(2, typo.ExitCode);
        Assert.Contains("unknown option '--limt'", typo.Stderr, StringComparison.Ordinal);

        var verbHelp = await QuorumCli.RunAsync(["put", "--help"]);
        Assert.Equal(0, verbHelp.ExitCode);
        Assert.Contains("--if-revision <N>", verbHelp.Stdout, StringComparison.Ordinal);

        var help = await QuorumCli.RunAsync(["help"]);
        Assert.Equal(0, help.ExitCode);
        foreach (var verb in new[] { "get KEY", "put KEY", "del KEY", "ls [PREFIX]", "watch [PREFIX]", "txn [FILE|-]" })
            Assert.Contains(verb, help.Stdout, StringComparison.Ordinal);

        var down = await QuorumCli.RunAsync(["get", "k", "--endpoints", $"http://127.0.0.1:{Ports.Next()}"]);
        Assert.Equal(7, down.ExitCode);
        Assert.Contains("could not reach", down.Stderr, StringComparison.Ordinal);
    }

    private static Task<CliResult> RunAsync(QuorumNode node, params string[] args)
        => QuorumCli.RunAsync([.. args, "--endpoints", node.HttpUrl]);

    private static Task<CliResult> RunWithInputAsync(QuorumNode node, string stdin, params string[] args)
        => QuorumCli.RunAsync([.. args, "--endpoints", node.HttpUrl], stdin);

    private static long Revision(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return long.Parse(result.Stdout.TrimEnd('\n'), CultureInfo.InvariantCulture);
    }

    private static string[] Lines(CliResult result) => result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

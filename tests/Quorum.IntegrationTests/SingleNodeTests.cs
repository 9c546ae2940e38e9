using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Quorum.Client;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

public sealed class SingleNodeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Set_get_and_delete_speak_the_contract()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        var http = cluster[0].Http;

        using (var identity = await http.GetAsync("/"))
        {
            var body = await ReadJsonAsync(identity);
            Assert.Equal("ok", body.GetProperty("status").GetString());
            Assert.Equal("n1", body.GetProperty("node").GetString());
            Assert.Equal("n1", body.GetProperty("leader").GetString());
        }

        byte[] value = [0, 1, 2, 0xFF, 0xFE, (byte)'\n'];
        long setRevision;
        using (var set = await http.PostAsync("/key/dir%2Fsub/leaf", new ByteArrayContent(value)))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            var body = await ReadJsonAsync(set);
            Assert.Equal("success", body.GetProperty("status").GetString());
            setRevision = body.GetProperty("revision").GetInt64();
            Assert.True(setRevision > 0);
        }

        using (var get = await http.GetAsync("/key/dir%2Fsub/leaf"))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(value, await get.Content.ReadAsByteArrayAsync());
            Assert.Equal($"\"{setRevision}\"", get.Headers.ETag?.Tag);
            Assert.Equal("application/octet-stream", get.Content.Headers.ContentType?.MediaType);
        }

        long putRevision;
        using (var put = await http.PutAsync("/key/dir/sub/leaf", new StringContent("second")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            putRevision = (await ReadJsonAsync(put)).GetProperty("revision").GetInt64();
            Assert.True(putRevision > setRevision, "revisions only grow");
        }

        Assert.Equal("second", await cluster[0].Client.GetStringAsync("dir/sub/leaf", Consistency.Stale));

        long deleteRevision;
        using (var delete = await http.DeleteAsync("/key/dir/sub/leaf"))
        {
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
            deleteRevision = (await ReadJsonAsync(delete)).GetProperty("revision").GetInt64();
            Assert.True(deleteRevision > putRevision);
        }

        using (var absent = await http.GetAsync("/key/dir/sub/leaf"))
        {
            Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
            Assert.Contains("not found", (await ReadJsonAsync(absent)).GetProperty("error").GetString());
        }

        // Deleting an absent key is not an error, and (docs/API.md) "the answer carries the delete's
        // revision either way": the delete is a log entry of its own, the next one on this node,
        // and it changes no key.
        var keysBefore = await cluster[0].Client.ListAsync();
        Assert.Equal(deleteRevision, keysBefore.Revision);
        using (var deleteAbsent = await http.DeleteAsync("/key/never-existed"))
        {
            Assert.Equal(HttpStatusCode.OK, deleteAbsent.StatusCode);
            Assert.Equal($$"""{"status":"success","revision":{{deleteRevision + 1}}}""", await deleteAbsent.Content.ReadAsStringAsync());
        }

        Assert.Null(await cluster[0].Client.GetAsync("never-existed"));
        var keysAfter = await cluster[0].Client.ListAsync();
        Assert.Equal(deleteRevision + 1, keysAfter.Revision);
        Assert.Equal(deleteRevision + 1, (await cluster[0].Client.GetStatusAsync()).AppliedIndex);
        Assert.Equal(
            keysBefore.Items.Select(i => (i.Key, Convert.ToBase64String(i.Value), i.Revision)),
            keysAfter.Items.Select(i => (i.Key, Convert.ToBase64String(i.Value), i.Revision)));

        var longest = new string('k', 1024);
        Assert.True(await cluster[0].Client.PutAsync(longest, "fits") > 0);
        Assert.Equal("fits", await cluster[0].Client.GetStringAsync(longest));
    }

    [Fact]
    public async Task A_stopped_and_restarted_node_keeps_everything()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        var node = cluster[0];
        var revisions = new Dictionary<string, long>();
        for (var i = 0; i < 100; i++)
            revisions[$"key-{i}"] = await node.Client.PutAsync($"key-{i}", $"value-{i}");
        await node.Client.DeleteAsync("key-7");

        Assert.Equal(0, await node.StopAsync(Timeout));
        Assert.Contains("data directory released", node.Log);

        node.Start();
        await node.WaitUntilServingAsync(Timeout);
        await cluster.WaitForLeaderAsync(Timeout);
        for (var i = 0; i < 100; i++)
        {
            var stored = await node.Client.GetAsync($"key-{i}");
            if (i == 7)
            {
                Assert.Null(stored);
                continue;
            }

            Assert.NotNull(stored);
            Assert.Equal($"value-{i}", Encoding.UTF8.GetString(stored.Value));
            Assert.Equal(revisions[$"key-{i}"], stored.Revision);
        }

        Assert.True(await node.Client.PutAsync("after-restart", "x") > revisions.Values.Max());
    }

    // "quorum serve" with no flags binds 127.0.0.1:8080 (HTTP) and 127.0.0.1:8081 (Raft), which the
    // host may well be using. So the node runs in a private network namespace, where they are
    // certainly free, and is checked from inside it: the CLI with no --endpoints (its own default is
    // http://127.0.0.1:8080) writes and reads, and the member table, asked over HTTP from inside the
    // namespace (the CLI has no verb for it), holds 127.0.0.1:8081.
    [RootFact]
    public async Task Serve_with_no_flags_runs_a_node_on_the_embedded_defaults()
    {
        using var directory = new TemporaryDirectory("quorum-defaults");
        await using var program = QuorumProgram.Start(["serve"], directory.Path, launcher: PrivateNetwork.NewNamespace);
        try
        {
            using var http = PrivateNetwork.HttpClientInto(program.Id, new Uri("http://127.0.0.1:8080"));
            using var client = new QuorumClient(http);
            await Eventually.UntilAsync(
                async () => program.HasExited
                    ? throw new InvalidOperationException($"quorum serve exited with code {program.ExitCode}")
                    : (await client.GetStatusAsync()).State == "leader",
                Timeout,
                "the default node to lead");

            var inside = PrivateNetwork.Join(program.Id);
            var put = await QuorumCli.RunAsync(["put", "greeting", "hello"], launcher: inside);
            Assert.True(put.ExitCode == 0, put.ToString());
            var revision = long.Parse(put.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
            var get = await QuorumCli.RunAsync(["get", "greeting", "--revision"], launcher: inside);
            Assert.True(get.ExitCode == 0, get.ToString());
            Assert.Equal($"{revision} hello\n", get.Stdout);

            var member = Assert.Single(await client.GetMembersAsync());
            Assert.Equal(("127.0.0.1:8081", "http://127.0.0.1:8080", true), (member.Address, member.Http, member.Leader));
            foreach (var file in new[] { "LOCK", "node.json", "cluster.config" })
                Assert.True(File.Exists(Path.Combine(directory.Path, "data", file)), $"./data/{file} should exist");

            Assert.Equal(0, await program.StopAsync(Timeout));
        }
        finally
        {
            output.WriteLine(program.Output);
        }
    }

    [Fact]
    public async Task A_second_process_on_a_data_directory_in_use_exits_at_once_with_a_clear_message()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        await using var second = QuorumProgram.Start(["serve", "--data-dir", cluster[0].DataDirectory, "--http-port", Ports.Next().ToString(), "--raft-port", Ports.Next().ToString()]);

        Assert.Equal(1, await second.WaitForExitAsync(Timeout));
        Assert.Contains("is in use by another Quorum process", second.Output);
        Assert.Contains(cluster[0].DataDirectory, second.Output);

        Assert.True(await cluster[0].Client.PutAsync("still", "serving") > 0);
    }

    [Fact]
    public async Task A_data_directory_keeps_its_node_id_and_raft_address()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        var node = cluster[0];
        await node.Client.PutAsync("k", "v");
        Assert.Equal(0, await node.StopAsync(Timeout));

        async Task<(int Code, string Output)> RunAsync(params string[] args)
        {
            await using var program = QuorumProgram.Start(["serve", "--data-dir", node.DataDirectory, "--http-port", node.HttpPort.ToString(), .. args]);
            return (await program.WaitForExitAsync(Timeout), program.Output);
        }

        var (code, message) = await RunAsync("--node-id", "someone-else", "--raft-port", node.RaftPort.ToString());
        Assert.Equal(1, code);
        Assert.Contains("belongs to node 'n1'", message);

        (code, message) = await RunAsync("--node-id", "n1", "--raft-port", Ports.Next().ToString());
        Assert.Equal(1, code);
        Assert.Contains($"known to its cluster by Raft address {node.RaftAddress}", message);

        // Without --node-id the kept ID is used.
        node.Start();
        await node.WaitUntilServingAsync(Timeout);
        Assert.Equal("n1", (await node.Client.GetStatusAsync()).Id);
        Assert.Equal("v", await node.Client.GetStringAsync("k"));
    }

    [Fact]
    public async Task Environment_variables_configure_a_node_and_flags_win_over_them()
    {
        using var directory = new TemporaryDirectory("quorum-env");
        var (httpPort, raftPort, ignoredPort) = (Ports.Next(), Ports.Next(), Ports.Next());
        var environment = new Dictionary<string, string>
        {
            ["PORT"] = ignoredPort.ToString(),
            ["STORAGE_PATH"] = Path.Combine(directory.Path, "from-env"),
            ["RAFT_PORT"] = raftPort.ToString(),
            ["NODE_ID"] = "env-node",
        };
        await using var program = QuorumProgram.Start(["serve", "--http-port", httpPort.ToString()], directory.Path, environment);
        try
        {
            using var client = new QuorumClient(new Uri($"http://127.0.0.1:{httpPort}"));
            var status = await Eventually.GetAsync(async () => await client.GetStatusAsync() is { State: "leader" } s ? s : null, Timeout, "the node to lead");

            Assert.Equal("env-node", status.Id);
            Assert.Equal($"127.0.0.1:{raftPort}", Assert.Single(status.Members).Address);
            Assert.True(File.Exists(Path.Combine(directory.Path, "from-env", "node.json")));
            Assert.Equal(0, await program.StopAsync(Timeout));
        }
        finally
        {
            output.WriteLine(program.Output);
        }
    }

    [Theory]
    [InlineData(new[] { "serve", "--no-such-flag", "1" }, 2, "Unrecognized command or argument '--no-such-flag'")]
    [InlineData(new[] { "serve", "--http-port" }, 2, "Required argument missing for option: '--http-port'")]
    [InlineData(new[] { "serve", "--help" }, 0, "--http-port <value>             HTTP API port [env: PORT] [default: 8080]")]
    [InlineData(new[] { "frobnicate" }, 2, "Unrecognized command or argument 'frobnicate'")]
    [InlineData(new[] { "serve", "--http-port", "http" }, 1, "not a port number")]
    [InlineData(new[] { "serve", "--http-port", "1", "--http-port", "http" }, 1, "--http-port 'http' is not a port number")]
    [InlineData(new[] { "serve", "--raft-address", "nowhere" }, 1, "not an IP address")]
    [InlineData(new[] { "serve", "--join", "ftp://x" }, 1, "not an HTTP URL")]
    [InlineData(new[] { "serve", "--election-timeout", "soon" }, 1, "not a duration")]
    [InlineData(new[] { "serve", "--group-commit-wait", "2s" }, 1, "not a duration between 0 and 1s")]
    [InlineData(new[] { "serve", "--raft-request-timeout", "2x" }, 1, "--raft-request-timeout '2x' is not a duration")]
    [InlineData(new[] { "serve", "--raft-request-timeout", "10ms" }, 1, "The Raft request timeout must be between 100ms and 1h.")]
    public async Task Command_line_mistakes_exit_with_a_message_and_the_documented_code(string[] args, int exitCode, string message)
    {
        await using var program = QuorumProgram.Start(args);

        Assert.Equal(exitCode, await program.WaitForExitAsync(Timeout));
        Assert.Contains(message, program.Output);
    }

    [Fact]
    public async Task Every_bad_input_gets_its_status_and_a_json_error_and_changes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        var node = cluster[0];
        await node.Client.PutAsync("existing", "original");
        var before = await node.Client.GetStatusAsync();

        var cases = new (HttpMethod Method, string Path, HttpContent? Body, HttpStatusCode Status)[]
        {
            (HttpMethod.Post, "/key/", new StringContent("v"), HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/key", new StringContent("v"), HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/key/", null, HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/key/" + new string('k', 1025), new StringContent("v"), HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/key/not-utf8-%FF", new StringContent("v"), HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/key/existing?lease=5s", new StringContent("changed"), HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/key/existing?ttl=soon", new StringContent("changed"), HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/txn", new StringContent("{\"success\":[{\"put\":{\"key\":\"existing\",\"value\":\"!\"}}]}"), HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/keys?limit=0", null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/watch?from=0", null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/key/existing?consistency=eventual", null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/key/existing?consistency=stale&consistency=stale", null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/key/absent", null, HttpStatusCode.NotFound),
            (HttpMethod.Post, "/raft/add", new StringContent("{\"ID\":"), HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/raft/add", new StringContent(""), HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/raft/add", new StringContent("{\"Address\":\"127.0.0.1:1\"}"), HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/raft/add", new StringContent("{\"ID\":\"n9\",\"Address\":\"no-port\"}"), HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/raft/add", new StringContent("{\"ID\":\"bad id!\",\"Address\":\"127.0.0.1:1\"}"), HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/raft/add", new StringContent($"{{\"ID\":\"other\",\"Address\":\"{node.RaftAddress}\"}}"), HttpStatusCode.Conflict),
            (HttpMethod.Post, "/raft/remove", new StringContent("{\"ID\":\"nobody\"}"), HttpStatusCode.NotFound),
            (HttpMethod.Post, "/raft/remove", new StringContent("[]"), HttpStatusCode.BadRequest),
            (HttpMethod.Patch, "/key/existing", new StringContent("v"), HttpStatusCode.MethodNotAllowed),
            (HttpMethod.Get, "/no/such/route", null, HttpStatusCode.NotFound),
        };

        foreach (var (method, path, body, status) in cases)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body };
            using var response = await node.Http.SendAsync(request);
            Assert.True(status == response.StatusCode, $"{method} {path}: expected {(int)status}, got {(int)response.StatusCode}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var error = (await ReadJsonAsync(response)).GetProperty("error").GetString();
            Assert.False(string.IsNullOrWhiteSpace(error), $"{method} {path}: the error needs words");
        }

        // HttpClient would re-escape a malformed escape, so this one goes over a raw socket.
        var (rawStatus, rawBody) = await RawHttp.SendAsync(node.HttpPort, "POST", "/key/bad%zzescape", "v");
        Assert.Equal(400, rawStatus);
        Assert.Contains("percent escape", rawBody);

        // Oversized bodies are refused before they are received whole: an announced length over the
        // limit is refused on the headers alone, and a chunked body as soon as it passes the limit,
        // while the client still owes the rest (it never sends it here, so a server that waited would hang).
        const int Limit = 1024 * 1024;
        var (announcedStatus, _) = await RawHttp.SendRawAsync(node.HttpPort, $"POST /key/existing HTTP/1.1\r\nHost: x\r\nContent-Length: {2 * Limit}\r\n\r\n", []);
        Assert.Equal(413, announcedStatus);
        var (chunkedStatus, chunkedBody) = await RawHttp.SendRawAsync(node.HttpPort, $"POST /key/existing HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{2 * Limit:x}\r\n", new byte[Limit + 1]);
        Assert.Equal(413, chunkedStatus);
        Assert.Contains("larger than the limit", chunkedBody);

        var after = await node.Client.GetStatusAsync();
        Assert.Equal(before.AppliedIndex, after.AppliedIndex);
        Assert.Equal("original", await node.Client.GetStringAsync("existing"));
        Assert.Null(await node.Client.GetAsync("absent"));
    }

    [Fact]
    public async Task A_node_without_a_leader_answers_503_with_retry_after_and_is_not_ready()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        var orphan = cluster.CreateNode();
        orphan.Start("--join", $"http://127.0.0.1:{Ports.Next()}");
        await orphan.WaitUntilServingAsync(Timeout);

        using (var write = await orphan.Http.PostAsync("/key/x", new StringContent("v")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, write.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), write.Headers.RetryAfter?.Delta);
            Assert.Contains("leader", (await ReadJsonAsync(write)).GetProperty("error").GetString());
        }

        using (var read = await orphan.Http.GetAsync("/key/x"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, read.StatusCode);
            Assert.NotNull(read.Headers.RetryAfter);
        }

        using (var stale = await orphan.Http.GetAsync("/key/x?consistency=stale"))
            Assert.Equal(HttpStatusCode.NotFound, stale.StatusCode);

        using (var ready = await orphan.Http.GetAsync("/ready"))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);

        using (var health = await orphan.Http.GetAsync("/health"))
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        using (var identity = await orphan.Http.GetAsync("/"))
            Assert.Equal(JsonValueKind.Null, (await ReadJsonAsync(identity)).GetProperty("leader").ValueKind);
    }

    [Fact]
    public async Task Concurrent_writes_batched_together_still_give_each_version_of_a_key_its_own_revision()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        var client = cluster[0].Client;

        // 48 writers at once: writes to other keys share entries with them (group commit), but two
        // writes to the same key must never share one, or two versions would carry one revision.
        var writes = await Task.WhenAll(Enumerable.Range(0, 48).Select(async i =>
        {
            var key = i % 3 == 0 ? $"other/{i}" : "hot";
            var value = $"value-{i}";
            return (Key: key, Value: value, Revision: await client.PutAsync(key, value));
        }));

        var hot = writes.Where(w => w.Key == "hot").ToArray();
        Assert.Equal(hot.Length, hot.Select(w => w.Revision).Distinct().Count());
        var last = hot.MaxBy(w => w.Revision);
        var stored = await client.GetAsync("hot");
        Assert.NotNull(stored);
        Assert.Equal(last.Value, Encoding.UTF8.GetString(stored.Value));
        Assert.Equal(last.Revision, stored.Revision);

        // Batching did happen: fewer log entries than writes (revisions are log indexes).
        Assert.True(writes.Select(w => w.Revision).Distinct().Count() < writes.Length, "some writes shared an entry");
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        Assert.Equal(new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" }.MediaType, response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }
}

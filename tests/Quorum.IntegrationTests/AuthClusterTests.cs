using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>Users, roles and tokens on a real 3-node cluster: forwarded requests, a leader's death, a full restart and a snapshot install.</summary>
public sealed class AuthClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly AuthenticationHeaderValue Root = Basic("root", "root-pw");
    private static readonly AuthenticationHeaderValue Alice = Basic("alice", "alice-pw");
    private static readonly AuthenticationHeaderValue Bob = Basic("bob", "bob-pw");

    [Fact]
    public async Task Auth_holds_through_forwarding_a_leader_kill_a_full_restart_and_a_snapshot_install()
    {
        string[] args = ["--snapshot-interval", "20"];
        await using var cluster = await TestCluster.StartAsync(3, output, args);
        var leader = await cluster.WaitForLeaderAsync(Timeout);

        // Set up while auth is off, then turn it on; from here the harness itself speaks as root.
        await ExpectAsync(leader, "PUT", "/auth/users/root", """{"password":"root-pw"}""", null, HttpStatusCode.OK);
        await ExpectAsync(leader, "PUT", "/auth/roles/app-ro", """{"permissions":[{"prefix":"app/","access":"read"}]}""", null, HttpStatusCode.OK);
        await ExpectAsync(leader, "PUT", "/auth/roles/app-rw", """{"permissions":[{"prefix":"app/","access":"readwrite"}]}""", null, HttpStatusCode.OK);
        await ExpectAsync(leader, "PUT", "/auth/users/alice", """{"password":"alice-pw","roles":["app-ro"]}""", null, HttpStatusCode.OK);
        await ExpectAsync(leader, "PUT", "/auth/users/bob", """{"password":"bob-pw","roles":["app-rw"]}""", null, HttpStatusCode.OK);
        await ExpectAsync(leader, "PUT", "/key/app/x", "original", null, HttpStatusCode.OK);
        await ExpectAsync(leader, "POST", "/auth/enable", null, null, HttpStatusCode.OK);
        foreach (var node in cluster.Nodes)
            node.Http.DefaultRequestHeaders.Authorization = Root;

        var follower = cluster.Nodes.First(n => n != leader);
        await Eventually.UntilAsync(async () => (await SendAsync(follower, "GET", "/key/app/x", null, Alice)).StatusCode == HttpStatusCode.OK, Timeout, "the follower to apply auth");

        // Through a follower: forwarded writes are authorized for their caller, at the leader.
        await ExpectAsync(follower, "PUT", "/key/app/x", "by bob", Bob, HttpStatusCode.OK);
        await ExpectAsync(follower, "PUT", "/key/app/x", "by alice", Alice, HttpStatusCode.Forbidden);
        await ExpectAsync(follower, "PUT", "/key/app/x", "by nobody", null, HttpStatusCode.Unauthorized);
        await ExpectAsync(follower, "POST", "/raft/remove", $$"""{"ID":"{{leader.Id}}"}""", Alice, HttpStatusCode.Forbidden);

        // A linearizable read on the follower asks the leader's read index, proving the follower with a node token.
        Assert.Equal("by bob", await ReadAsync(follower, "app/x", Alice));
        Assert.Equal(3, (await follower.Client.GetMembersAsync()).Count);

        // A token issued by the leader works on the follower until its user is deleted.
        var token = await TokenAsync(leader, Bob);
        await ExpectAsync(follower, "GET", "/key/app/x", null, token, HttpStatusCode.OK);
        await ExpectAsync(leader, "PUT", "/auth/users/carol", """{"password":"carol-pw","roles":["app-rw"]}""", Root, HttpStatusCode.OK);
        var carolToken = await TokenAsync(leader, Basic("carol", "carol-pw"));
        await ExpectAsync(follower, "PUT", "/key/app/carol", "1", carolToken, HttpStatusCode.OK);
        await ExpectAsync(leader, "DELETE", "/auth/users/carol", null, Root, HttpStatusCode.OK);

        // A user the leader has just added, and a token it has just issued them, work at once on a
        // follower that may not have applied the user yet: it catches up before it refuses.
        for (var i = 0; i < 10; i++)
        {
            await ExpectAsync(leader, "PUT", $"/auth/users/new{i}", $$"""{"password":"new-pw","roles":["app-rw"]}""", Root, HttpStatusCode.OK);
            await ExpectAsync(follower, "PUT", $"/key/app/new{i}", "basic", Basic($"new{i}", "new-pw"), HttpStatusCode.OK);
            await ExpectAsync(leader, "PUT", $"/auth/users/newer{i}", $$"""{"password":"new-pw","roles":["app-rw"]}""", Root, HttpStatusCode.OK);
            await ExpectAsync(follower, "PUT", $"/key/app/newer{i}", "bearer", await TokenAsync(leader, Basic($"newer{i}", "new-pw")), HttpStatusCode.OK);
        }
        await Eventually.UntilAsync(async () => (await SendAsync(follower, "GET", "/key/app/x", null, carolToken)).StatusCode == HttpStatusCode.Unauthorized, Timeout, "the deleted user's token to be refused");

        // The leader dies: the new one enforces the same users and roles.
        leader.Kill();
        var successor = await cluster.WaitForLeaderAsync(Timeout, except: leader);
        await ExpectAsync(successor, "PUT", "/key/app/x", "by alice", Alice, HttpStatusCode.Forbidden);
        await ExpectAsync(successor, "PUT", "/key/app/x", "after the kill", Bob, HttpStatusCode.OK);
        await ExpectAsync(successor, "GET", "/key/app/x", null, null, HttpStatusCode.Unauthorized);

        // Every node restarts.
        leader.Start(args);
        await leader.WaitUntilServingAsync(Timeout);
        foreach (var node in cluster.Nodes)
            Assert.Equal(0, await node.StopAsync(Timeout));
        foreach (var node in cluster.Nodes)
            node.Start(args);
        var restarted = await cluster.WaitForLeaderAsync(Timeout);
        await ExpectAsync(restarted, "GET", "/key/app/x", null, null, HttpStatusCode.Unauthorized);
        Assert.Equal("after the kill", await ReadAsync(restarted, "app/x", Alice));
        await ExpectAsync(restarted, "PUT", "/key/app/x", "by alice", Alice, HttpStatusCode.Forbidden);

        // A new member, added by root, gets the state (users and roles included) by a snapshot.
        for (var i = 0; i < 50; i++)
            await ExpectAsync(restarted, "PUT", $"/key/app/fill-{i}", "v", Bob, HttpStatusCode.OK);
        await Eventually.UntilAsync(async () => (await restarted.Client.GetStatusAsync()).LastSnapshotIndex > 20, Timeout, "a snapshot");
        var joiner = cluster.CreateNode();
        joiner.Http.DefaultRequestHeaders.Authorization = Root;

        // Without peer certificates a new node cannot prove itself, so root adds it once it runs
        // (its own anonymous join requests get 401 meanwhile).
        joiner.Start([.. args, "--join", restarted.HttpUrl]);
        await joiner.WaitUntilServingAsync(Timeout);
        await ExpectAsync(restarted, "POST", "/raft/add", $$"""{"ID":"{{joiner.Id}}","Address":"{{joiner.RaftAddress}}","Http":"{{joiner.HttpUrl}}"}""", Root, HttpStatusCode.OK);
        await Eventually.UntilAsync(() => Task.FromResult(joiner.Log.Contains("Installed snapshot from the leader", StringComparison.Ordinal)), Timeout, "the joiner to install a snapshot");

        await ExpectAsync(joiner, "GET", "/key/app/x", null, null, HttpStatusCode.Unauthorized);
        await ExpectAsync(joiner, "GET", "/key/other", null, Alice, HttpStatusCode.Forbidden);
        Assert.Equal("after the kill", await ReadAsync(joiner, "app/x", Alice));
    }

    private static AuthenticationHeaderValue Basic(string user, string password) => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static async Task<HttpResponseMessage> SendAsync(QuorumNode node, string method, string path, string? body, AuthenticationHeaderValue? credentials)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : new StringContent(body) };

        // Set per request, so that "none" really is none, whatever the harness's default.
        request.Headers.Authorization = credentials ?? new AuthenticationHeaderValue("None");
        if (credentials is null)
            request.Headers.Remove("Authorization");
        using var anonymous = new HttpClient(node.Tls?.CreateHandler() ?? new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(node.HttpUrl), Timeout = Timeout };
        var response = await (credentials is null ? anonymous : node.Http).SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private async Task ExpectAsync(QuorumNode node, string method, string path, string? body, AuthenticationHeaderValue? credentials, HttpStatusCode expected)
    {
        using var response = await SendAsync(node, method, path, body, credentials);
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{node.Id} {method} {path} as {Describe(credentials)}: {(int)response.StatusCode} {text}");
        Assert.True(expected == response.StatusCode, $"{node.Id} {method} {path} as {Describe(credentials)}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
    }

    private static async Task<string> ReadAsync(QuorumNode node, string key, AuthenticationHeaderValue credentials)
    {
        using var response = await SendAsync(node, "GET", "/key/" + key, null, credentials);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<AuthenticationHeaderValue> TokenAsync(QuorumNode node, AuthenticationHeaderValue credentials)
    {
        using var response = await SendAsync(node, "POST", "/auth/token", null, credentials);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new("Bearer", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString());
    }

    private static string Describe(AuthenticationHeaderValue? credentials) => credentials is null ? "nobody"
        : credentials.Scheme == "Basic" ? Encoding.UTF8.GetString(Convert.FromBase64String(credentials.Parameter!)).Split(':')[0]
        : "a token";
}

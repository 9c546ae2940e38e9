using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Quorum.Server.Tests;

/// <summary>
/// A node with auth on: root, role app-ro (read app/), role app-rw (read and write app/), user
/// alice (app-ro) and user bob (app-rw).
/// </summary>
public sealed class AuthNodeServer : IAsyncLifetime
{
    /// <summary>Gets the node.</summary>
    public OneNodeServer Node { get; } = new() { AuditLogPath = Path.Combine(Path.GetTempPath(), $"quorum-audit-{Guid.NewGuid():N}.jsonl") };

    /// <summary>Builds an Authorization header value for Basic credentials.</summary>
    public static AuthenticationHeaderValue Basic(string user, string password) => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        await Node.InitializeAsync();
        async Task Send(HttpMethod method, string path, string? body = null)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body) };
            request.Headers.Authorization = Basic("root", "root-pw");
            using var response = await Node.Http.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        await Send(HttpMethod.Put, "/auth/users/root", """{"password":"root-pw"}""");
        await Send(HttpMethod.Put, "/auth/roles/app-ro", """{"permissions":[{"prefix":"app/","access":"read"}]}""");
        await Send(HttpMethod.Put, "/auth/roles/app-rw", """{"permissions":[{"prefix":"app/","access":"readwrite"}]}""");
        await Send(HttpMethod.Put, "/auth/users/alice", """{"password":"alice-pw","roles":["app-ro"]}""");
        await Send(HttpMethod.Put, "/auth/users/bob", """{"password":"bob-pw","roles":["app-rw"]}""");
        await Send(HttpMethod.Put, "/key/app/x", "original");
        await Send(HttpMethod.Put, "/key/other", "original");
        await Send(HttpMethod.Post, "/auth/enable");
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        File.Delete(Node.AuditLogPath!);
    }
}

/// <summary>
/// The security contract's table, route by route: no credentials or wrong ones give 401 with the
/// challenge, a user without the permission gets 403 naming what is missing, and neither changes
/// anything; the right user gets through.
/// </summary>
public sealed class AuthRouteTests(AuthNodeServer fixture) : IClassFixture<AuthNodeServer>
{
    private const string TxnPut = """{"success":[{"put":{"key":"app/x","value":"Y2hhbmdlZA=="}}]}""";
    private const string TxnCompareOther = """{"compare":[{"key":"other","revision":1}],"success":[{"get":{"key":"app/x"}}]}""";

    // Every route of the contract that needs credentials: method, path, body.
    public static TheoryData<string, string, string?> Guarded => new()
    {
        { "GET", "/key/app/x", null },
        { "PUT", "/key/app/x", "changed" },
        { "POST", "/key/app/x", "changed" },
        { "DELETE", "/key/app/x", null },
        { "GET", "/keys?prefix=app/", null },
        { "GET", "/watch?prefix=app/", null },
        { "POST", "/txn", TxnPut },
        { "POST", "/raft/add", """{"ID":"n9","Address":"127.0.0.1:1"}""" },
        { "POST", "/raft/remove", """{"ID":"solo"}""" },
        { "PUT", "/auth/users/eve", """{"password":"x"}""" },
        { "GET", "/auth/users", null },
        { "GET", "/auth/users/alice", null },
        { "DELETE", "/auth/users/alice", null },
        { "PUT", "/auth/roles/app-ro", """{"permissions":[]}""" },
        { "GET", "/auth/roles", null },
        { "GET", "/auth/roles/app-ro", null },
        { "DELETE", "/auth/roles/app-ro", null },
        { "POST", "/auth/enable", null },
        { "POST", "/auth/disable", null },
        { "POST", "/auth/token", null },
        { "GET", "/auth/whoami", null },
        { "GET", "/status", null },
        { "GET", "/cluster/status", null },
        { "GET", "/raft/members", null },
        { "GET", "/raft/read-index", null },
        { "GET", "/snapshot", null },
    };

    // What alice (read on app/ only) may not do: method, path, body, words the 403 must contain.
    public static TheoryData<string, string, string?, string> Forbidden => new()
    {
        { "PUT", "/key/app/x", "changed", "write permission on key 'app/x'" },
        { "DELETE", "/key/app/x", null, "write permission on key 'app/x'" },
        { "GET", "/key/other", null, "read permission on key 'other'" },
        { "GET", "/keys?prefix=app", null, "every key under prefix 'app'" },
        { "GET", "/keys", null, "every key under prefix ''" },
        { "GET", "/watch?prefix=ap", null, "every key under prefix 'ap'" },
        { "POST", "/txn", TxnPut, "write permission on key 'app/x'" },
        { "POST", "/txn", TxnCompareOther, "read permission on key 'other'" },
        { "POST", "/raft/add", """{"ID":"n9","Address":"127.0.0.1:1"}""", "needs root" },
        { "POST", "/raft/remove", """{"ID":"solo"}""", "needs root" },
        { "PUT", "/auth/users/alice", """{"roles":["app-rw"]}""", "needs root" },
        { "DELETE", "/auth/users/bob", null, "needs root" },
        { "PUT", "/auth/roles/app-ro", """{"permissions":[{"prefix":"","access":"readwrite"}]}""", "needs root" },
        { "DELETE", "/auth/roles/app-rw", null, "needs root" },
        { "GET", "/auth/users", null, "needs root" },
        { "POST", "/auth/disable", null, "needs root" },
        { "GET", "/raft/read-index", null, "cluster members only" },
        { "GET", "/snapshot", null, "needs root" },
    };

    [Theory]
    [MemberData(nameof(Guarded))]
    public async Task Without_credentials_or_with_wrong_ones_a_route_is_401_and_changes_nothing(string method, string path, string? body)
    {
        foreach (var credentials in new[] { null, AuthNodeServer.Basic("alice", "wrong"), AuthNodeServer.Basic("mallory", "alice-pw"), new AuthenticationHeaderValue("Bearer", "forged.token") })
        {
            var before = await StateAsync();
            using var response = await SendAsync(method, path, body, credentials);

            // The status first: a route let through by mistake may answer with an endless stream (a watch).
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} as {credentials?.Scheme ?? "nobody"}: {(int)response.StatusCode}");
            var text = await response.Content.ReadAsStringAsync();
            Assert.Equal("Basic realm=\"quorum\"", response.Headers.WwwAuthenticate.ToString());
            Assert.NotEmpty(JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!);
            Assert.Equal(before, await StateAsync());
        }
    }

    [Theory]
    [MemberData(nameof(Forbidden))]
    public async Task Without_the_permission_a_route_is_403_naming_it_and_changes_nothing(string method, string path, string? body, string words)
    {
        var before = await StateAsync();
        using var response = await SendAsync(method, path, body, AuthNodeServer.Basic("alice", "alice-pw"));
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {(int)response.StatusCode}");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Contains(words, JsonDocument.Parse(text).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task Users_get_exactly_what_their_roles_grant_and_health_needs_nothing()
    {
        var alice = AuthNodeServer.Basic("alice", "alice-pw");
        var bob = AuthNodeServer.Basic("bob", "bob-pw");

        using (var read = await SendAsync("GET", "/key/app/x", null, alice))
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using (var list = await SendAsync("GET", "/keys?prefix=app/", null, alice))
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        using (var write = await SendAsync("PUT", "/key/app/bob", "by bob", bob))
            Assert.Equal(HttpStatusCode.OK, write.StatusCode);
        using (var txn = await SendAsync("POST", "/txn", """{"success":[{"put":{"key":"app/txn","value":"eA=="}},{"get":{"key":"app/x"}}]}""", bob))
            Assert.Equal(HttpStatusCode.OK, txn.StatusCode);
        using (var status = await SendAsync("GET", "/status", null, alice))
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        using (var whoami = await SendAsync("GET", "/auth/whoami", null, alice))
            Assert.Equal("""{"name":"alice","roles":["app-ro"]}""", await whoami.Content.ReadAsStringAsync());

        foreach (var path in new[] { "/", "/health", "/ready", "/metrics" })
        {
            using var open = await SendAsync("GET", path, null, null);
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        }

        Assert.Equal("by bob", Encoding.UTF8.GetString((await fixture.Node.Store.GetAsync("app/bob"u8.ToArray()))!.Value.Span));
    }

    [Fact]
    public async Task A_token_works_until_its_user_gets_a_new_password_or_is_deleted()
    {
        var root = AuthNodeServer.Basic("root", "root-pw");
        using (var create = await SendAsync("PUT", "/auth/users/carol", """{"password":"carol-1","roles":["app-rw"]}""", root))
            Assert.Equal(HttpStatusCode.OK, create.StatusCode);

        using var issued = await SendAsync("POST", "/auth/token", null, AuthNodeServer.Basic("carol", "carol-1"));
        var answer = JsonDocument.Parse(await issued.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(900, answer.GetProperty("expiresIn").GetInt64());
        var bearer = new AuthenticationHeaderValue("Bearer", answer.GetProperty("token").GetString());

        using (var write = await SendAsync("PUT", "/key/app/carol", "1", bearer))
            Assert.Equal(HttpStatusCode.OK, write.StatusCode);

        // A new password ends the token and the old password, though both were verified (and cached) before.
        using (var change = await SendAsync("PUT", "/auth/users/carol", """{"password":"carol-2","roles":["app-rw"]}""", root))
            Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        using (var stale = await SendAsync("PUT", "/key/app/carol", "2", bearer))
            Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        using (var oldPassword = await SendAsync("PUT", "/key/app/carol", "2", AuthNodeServer.Basic("carol", "carol-1")))
            Assert.Equal(HttpStatusCode.Unauthorized, oldPassword.StatusCode);
        using (var newPassword = await SendAsync("PUT", "/key/app/carol", "3", AuthNodeServer.Basic("carol", "carol-2")))
            Assert.Equal(HttpStatusCode.OK, newPassword.StatusCode);

        using var second = await SendAsync("POST", "/auth/token", null, AuthNodeServer.Basic("carol", "carol-2"));
        var secondToken = new AuthenticationHeaderValue("Bearer", JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString());
        using (var delete = await SendAsync("DELETE", "/auth/users/carol", null, root))
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        using (var deleted = await SendAsync("GET", "/key/app/carol", null, secondToken))
            Assert.Equal(HttpStatusCode.Unauthorized, deleted.StatusCode);
        Assert.Equal("3", Encoding.UTF8.GetString((await fixture.Node.Store.GetAsync("app/carol"u8.ToArray()))!.Value.Span));
    }

    [Fact]
    public async Task Writes_refusals_and_auth_changes_are_audited_with_user_source_status_and_revision()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        using (var write = await SendAsync("PUT", $"/key/app/audit-{marker}", "v", AuthNodeServer.Basic("bob", "bob-pw")))
            Assert.Equal(HttpStatusCode.OK, write.StatusCode);
        using (await SendAsync("PUT", $"/key/app/audit-{marker}", "v", null))
        using (await SendAsync("DELETE", $"/key/app/audit-{marker}", null, AuthNodeServer.Basic("alice", "alice-pw")))
        using (await SendAsync("PUT", $"/auth/roles/audit-{marker}", """{"permissions":[]}""", AuthNodeServer.Basic("root", "root-pw")))
        using (await SendAsync("GET", $"/key/app/audit-{marker}", null, AuthNodeServer.Basic("bob", "bob-pw")))
        {
        }

        var revision = (await fixture.Node.Store.GetAsync(Encoding.UTF8.GetBytes($"app/audit-{marker}")))!.Revision;
        var records = await AuditRecordsAsync(marker, count: 4);

        Assert.Equal(
            [
                ("bob", "PUT", 200, (long?)revision),
                ("anonymous", "PUT", 401, null),
                ("alice", "DELETE", 403, null),
                ("root", "PUT", 200, records[3].GetProperty("revision").GetInt64()),
            ],
            records.Select(static r => (r.GetProperty("user").GetString()!, r.GetProperty("method").GetString()!, r.GetProperty("status").GetInt32(), r.GetProperty("revision").ValueKind == JsonValueKind.Null ? null : (long?)r.GetProperty("revision").GetInt64())));
        Assert.True(records[3].GetProperty("revision").GetInt64() > revision);
        Assert.All(records, static r => Assert.StartsWith("127.0.0.1:", r.GetProperty("source").GetString(), StringComparison.Ordinal));
        Assert.All(records, static r => Assert.Equal("solo", r.GetProperty("node").GetString()));
    }

    [Fact]
    public async Task Root_cannot_be_deleted_while_auth_is_on()
    {
        var before = await StateAsync();
        using var response = await SendAsync("DELETE", "/auth/users/root", null, AuthNodeServer.Basic("root", "root-pw"));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(before, await StateAsync());
    }

    // The audit records whose route mentions the marker, once there are as many as expected (the log is written in the background).
    private async Task<JsonElement[]> AuditRecordsAsync(string marker, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var file = new FileStream(fixture.Node.AuditLogPath!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var lines = (await new StreamReader(file).ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var records = lines.Select(static l => JsonDocument.Parse(l).RootElement).Where(r => r.GetProperty("route").GetString()!.Contains(marker, StringComparison.Ordinal)).ToArray();
            if (records.Length >= count || DateTime.UtcNow > deadline)
            {
                Assert.True(records.Length == count, $"expected {count} audit records for {marker}, found {records.Length}:\n{string.Join('\n', lines)}");
                return records;
            }

            await Task.Delay(50);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string method, string path, string? body, AuthenticationHeaderValue? credentials)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : new StringContent(body) };
        request.Headers.Authorization = credentials;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await fixture.Node.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
    }

    // Keys with values and revisions, users, roles, members and whether auth is on: read from the store itself.
    private async Task<string> StateAsync()
    {
        var store = fixture.Node.Store;
        var keys = await store.ListAsync(ReadOnlyMemory<byte>.Empty, null, 1000, Store.ReadConsistency.Stale, CancellationToken.None);
        return string.Join('\n', [
            .. keys.Items.Select(static i => $"{Encoding.UTF8.GetString(i.Key.Span)}={Encoding.UTF8.GetString(i.Value.Span)}@{i.Revision}"),
            .. store.Auth.Users.Select(static u => $"user {u.Name}: {string.Join(',', u.Roles)}"),
            .. store.Auth.Roles.Values.Select(static r => $"role {r.Name}: {string.Join(',', r.Permissions)}"),
            .. store.GetMembers().Select(static m => $"member {m.Id}"),
            $"enabled {store.Auth.Enabled}",
        ]);
    }
}

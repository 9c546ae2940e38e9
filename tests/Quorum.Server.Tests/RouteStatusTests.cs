using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Quorum.Server.Tests;

/// <summary>
/// Every route's refusals at the HTTP level, in process: the status the contract gives, a JSON
/// error a user can act on, and nothing changed by the request.
/// </summary>
public sealed class RouteStatusTests(OneNodeServer node) : IClassFixture<OneNodeServer>
{
    public static TheoryData<string, string, string?, string?, HttpStatusCode, string> Refusals => new()
    {
        // method, path, body, header ("Name: value"), status, words the error must contain
        { "PUT", "/key/", "v", null, HttpStatusCode.BadRequest, "key" },
        { "GET", "/key/", null, null, HttpStatusCode.BadRequest, "key" },
        { "DELETE", "/key", null, null, HttpStatusCode.BadRequest, "key" },
        { "PUT", "/key/" + new string('k', 1025), "v", null, HttpStatusCode.BadRequest, "1024" },
        { "PUT", "/key/not-utf8-%FF", "v", null, HttpStatusCode.BadRequest, "UTF-8" },
        { "PUT", "/key/existing?lease=5s", "changed", null, HttpStatusCode.BadRequest, "lease" },
        { "PUT", "/key/existing?ttl=soon", "changed", null, HttpStatusCode.BadRequest, "ttl" },
        { "GET", "/key/existing?consistency=eventual", null, null, HttpStatusCode.BadRequest, "consistency" },
        { "GET", "/key/absent", null, null, HttpStatusCode.NotFound, "'absent' not found" },
        { "PUT", "/key/existing", "changed", "If-Match: \"999999\"", HttpStatusCode.PreconditionFailed, "revision" },
        { "PUT", "/key/existing", "changed", "If-None-Match: *", HttpStatusCode.PreconditionFailed, "absent" },
        { "DELETE", "/key/existing", null, "If-Match: \"999999\"", HttpStatusCode.PreconditionFailed, "revision" },
        { "PUT", "/key/existing", "changed", "If-Match: soon", HttpStatusCode.BadRequest, "If-Match" },
        { "POST", "/txn", "{", null, HttpStatusCode.BadRequest, "not a valid transaction" },
        { "POST", "/txn", "{\"sucess\":[]}", null, HttpStatusCode.BadRequest, "unknown property 'sucess' in the body" },
        { "POST", "/txn", "{\"success\":[{\"put\":{\"key\":\"existing\",\"value\":\"!\"}}]}", null, HttpStatusCode.BadRequest, "success[0].put.value is not valid base64" },
        { "POST", "/txn", "{\"compare\":[{\"key\":\"existing\",\"revision\":1,\"value\":\"eA==\"}]}", null, HttpStatusCode.BadRequest, "compare[0] needs exactly one of revision and value" },
        { "POST", "/txn", "{\"success\":[{\"put\":{\"key\":\"existing\",\"value\":\"eA==\",\"tll\":\"5s\"}}]}", null, HttpStatusCode.BadRequest, "unknown property 'tll' in success[0].put" },
        { "POST", "/txn", "{\"success\":[{\"put\":{\"key\":\"existing\",\"value\":\"eA==\",\"ttl\":\"99999d\"}}]}", null, HttpStatusCode.BadRequest, "success[0].put.ttl" },
        { "POST", "/txn", "{\"success\":[{\"put\":{\"key\":\"existing\",\"value\":\"eA==\",\"ttl\":\"99999h\"}}]}", null, HttpStatusCode.BadRequest, "at most" },
        { "GET", "/keys?limit=0", null, null, HttpStatusCode.BadRequest, "limit" },
        { "GET", "/keys?colour=red", null, null, HttpStatusCode.BadRequest, "colour" },
        { "GET", "/watch?from=0", null, null, HttpStatusCode.BadRequest, "from" },
        { "POST", "/raft/add", "{}", null, HttpStatusCode.BadRequest, "ID" },
        { "POST", "/raft/add", "not json", null, HttpStatusCode.BadRequest, "JSON" },
        { "POST", "/raft/remove", "{\"ID\":\"\"}", null, HttpStatusCode.BadRequest, "ID" },
        { "POST", "/auth/enable", null, null, HttpStatusCode.Conflict, "before user 'root' exists" },
        { "DELETE", "/auth/users/nobody", null, null, HttpStatusCode.NotFound, "User 'nobody' does not exist" },
        { "DELETE", "/auth/roles/nothing", null, null, HttpStatusCode.NotFound, "Role 'nothing' does not exist" },
        { "PUT", "/auth/users/eve", "{}", null, HttpStatusCode.BadRequest, "give a \"password\"" },
        { "PUT", "/auth/users/eve", "{\"pasword\":\"x\"}", null, HttpStatusCode.BadRequest, "Unknown field \"pasword\"" },
        { "PUT", "/auth/users/eve", "{\"password\":\"x\",\"roles\":[\"ghost\"]}", null, HttpStatusCode.BadRequest, "Role 'ghost' does not exist" },
        { "PUT", "/auth/users/bad%20name", "{\"password\":\"x\"}", null, HttpStatusCode.BadRequest, "not a valid user name" },
        { "PUT", "/auth/users/eve", "{\"password\":\"\"}", null, HttpStatusCode.BadRequest, "must not be empty" },
        { "PUT", "/auth/roles/r", "{\"permissions\":[{\"prefix\":\"a\",\"access\":\"all\"}]}", null, HttpStatusCode.BadRequest, "\"access\"" },
        { "PUT", "/auth/roles/r", "{\"permissions\":[{\"access\":\"read\"}]}", null, HttpStatusCode.BadRequest, "\"prefix\"" },
        { "POST", "/auth/token", null, null, HttpStatusCode.BadRequest, "Authorization: Basic" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_request_gets_its_status_and_a_json_error_and_changes_nothing(string method, string path, string? body, string? header, HttpStatusCode status, string words)
    {
        await node.Http.PutAsync("/key/existing", new StringContent("original"));
        var before = await StateAsync();
        var appliedBefore = await AppliedIndexAsync();

        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
            request.Content = new StringContent(body);
        if (header?.Split(": ", 2) is [var name, var value])
            request.Headers.TryAddWithoutValidation(name, value);

        using var response = await node.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{method} {path}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var error = JsonDocument.Parse(text);
        var message = error.RootElement.GetProperty("error").GetString();
        Assert.Contains(words, message, StringComparison.Ordinal);

        Assert.Equal(before, await StateAsync());

        // A failed precondition is decided where the write is applied, so it takes a log entry
        // (which changes no key); every other refusal never reaches the log.
        if (status != HttpStatusCode.PreconditionFailed)
            Assert.Equal(appliedBefore, await AppliedIndexAsync());
    }

    [Fact]
    public async Task A_value_over_the_limit_is_413_and_changes_nothing()
    {
        await node.Http.PutAsync("/key/existing", new StringContent("original"));
        var before = await StateAsync();

        using var response = await node.Http.PutAsync("/key/existing", new ByteArrayContent(new byte[node.Store.Options.MaxValueBytes + 1]));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("limit", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task An_unknown_route_is_404_and_a_wrong_method_405()
    {
        using var unknown = await node.Http.GetAsync("/nowhere");
        using var wrongMethod = await node.Http.SendAsync(new HttpRequestMessage(HttpMethod.Patch, "/key/existing") { Content = new StringContent("v") });

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
    }

    [Fact]
    public async Task A_failed_compare_is_200_with_the_failure_branch_and_writes_only_that()
    {
        var put = await node.Http.PutAsync("/key/txn-target", new StringContent("original"));
        var revision = JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement.GetProperty("revision").GetInt64();
        var body = $$$"""{"compare":[{"key":"txn-target","revision":{{{revision + 1000}}}}],"success":[{"put":{"key":"txn-target","value":"{{{Convert.ToBase64String("won"u8)}}}"}}],"failure":[{"get":{"key":"txn-target"}}]}""";

        using var response = await node.Http.PostAsync("/txn", new StringContent(body, new MediaTypeHeaderValue("application/json")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.False(answer.GetProperty("succeeded").GetBoolean());
        var result = Assert.Single(answer.GetProperty("results").EnumerateArray());
        Assert.Equal("original", Encoding.UTF8.GetString(result.GetProperty("value").GetBytesFromBase64()));
        Assert.Equal(revision, result.GetProperty("revision").GetInt64());
        Assert.Equal("original", await node.Http.GetStringAsync("/key/txn-target"));
    }

    // Every key with its value and revision: what a refused request must leave as it was.
    private async Task<string> StateAsync()
        => JsonDocument.Parse(await node.Http.GetStringAsync("/keys")).RootElement.GetProperty("items").GetRawText()
            + await node.Http.GetStringAsync("/auth/users") + await node.Http.GetStringAsync("/auth/roles");

    private async Task<long> AppliedIndexAsync()
        => JsonDocument.Parse(await node.Http.GetStringAsync("/status")).RootElement.GetProperty("appliedIndex").GetInt64();
}

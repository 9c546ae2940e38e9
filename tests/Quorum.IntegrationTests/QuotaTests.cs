using System.Net;
using System.Text;
using System.Text.Json;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>
/// <c>--quota-bytes</c>, on a real process: writes that would take the live keys and values over
/// the quota get 507 and change nothing; deletes always pass and free quota at once.
/// </summary>
public sealed class QuotaTests(ITestOutputHelper output)
{
    private const int Quota = 4096;

    [Fact]
    public async Task Writes_over_the_quota_get_507_and_change_nothing_and_deleting_keys_makes_room_at_once()
    {
        await using var cluster = await TestCluster.StartAsync(1, output, "--quota-bytes", Quota.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var node = cluster[0];
        var value = new string('v', 500);

        // Fill until refused: about 8 keys of 500 bytes fit in 4 KiB.
        var written = new List<string>();
        HttpResponseMessage? refused = null;
        for (var i = 0; refused is null; i++)
        {
            Assert.True(i < 20, "no write was refused");
            var response = await node.Http.PutAsync($"/key/q/{i:00}", new StringContent(value));
            if (response.StatusCode == HttpStatusCode.OK)
                written.Add($"q/{i:00}");
            else
                refused = response;
        }

        var refusedKey = $"q/{written.Count:00}";
        using (refused)
            await AssertQuotaRefusalAsync(refused);
        Assert.InRange(written.Count, 7, 8);
        var revision = (await node.Client.ListAsync("q/")).Revision;

        // Nothing was written by a refused request: the key is absent and the revision has not moved.
        Assert.Null(await node.Client.GetStringAsync(refusedKey));
        using (var txn = await PostTxnAsync(node, $$$"""{"success":[{"put":{"key":"{{{refusedKey}}}","value":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(value))}}}"}}]}"""))
            await AssertQuotaRefusalAsync(txn);
        Assert.Equal(revision, (await node.Client.ListAsync("q/")).Revision);
        Assert.Null(await node.Client.GetStringAsync(refusedKey));

        // Rewriting a key with a value no larger adds nothing, so it passes even at the quota.
        Assert.True(await node.Client.PutAsync(written[0], value) > revision);

        // Deletes always pass, a transaction that only deletes too, and the room they free is there at once.
        await node.Client.DeleteAsync(written[^1]);
        using (var txn = await PostTxnAsync(node, $$$"""{"success":[{"delete":{"key":"{{{written[^2]}}}"}}]}"""))
            Assert.Equal(HttpStatusCode.OK, txn.StatusCode);
        Assert.True(await node.Client.PutAsync(refusedKey, value) > revision);
        Assert.Equal(value, await node.Client.GetStringAsync(refusedKey));

        using var metrics = await node.Http.GetAsync("/metrics");
        Assert.Contains($"quorum_store_quota_bytes {Quota}", await metrics.Content.ReadAsStringAsync());
    }

    private static Task<HttpResponseMessage> PostTxnAsync(QuorumNode node, string json)
        => node.Http.PostAsync("/txn", new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task AssertQuotaRefusalAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.InsufficientStorage, $"expected 507, got {(int)response.StatusCode}: {body}");
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;
        Assert.Contains($"quota is {Quota} bytes", error);
    }
}

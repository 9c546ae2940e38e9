using System.Globalization;
using System.Text.Json;
using Quorum.Contracts;

namespace Quorum.Server.Tests;

/// <summary>A listing names a leased key's TTL and about when it expires, and says nothing of it for other keys.</summary>
public sealed class ListingTtlTests(OneNodeServer node) : IClassFixture<OneNodeServer>
{
    [Fact]
    public async Task A_leased_key_is_listed_with_its_ttl_and_about_when_it_expires()
    {
        var before = DateTimeOffset.UtcNow;
        using (var leased = await node.Http.PutAsync("/key/ttl-list/leased?ttl=90s", new StringContent("a")))
            Assert.True(leased.IsSuccessStatusCode);
        using (var plain = await node.Http.PutAsync("/key/ttl-list/plain", new StringContent("b")))
            Assert.True(plain.IsSuccessStatusCode);

        using var page = JsonDocument.Parse(await node.Http.GetStringAsync("/keys?prefix=ttl-list/"));
        var items = page.RootElement.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("key").GetString()!);

        var leasedItem = items["ttl-list/leased"];
        Assert.True(DurationText.TryParse(leasedItem.GetProperty("ttl").GetString(), out var ttl));
        Assert.Equal(TimeSpan.FromSeconds(90), ttl);
        Assert.Equal("90000ms", leasedItem.GetProperty("ttl").GetString());
        var expires = DateTimeOffset.Parse(leasedItem.GetProperty("expiresAt").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(expires, before.AddSeconds(89), DateTimeOffset.UtcNow.AddSeconds(91));

        Assert.False(items["ttl-list/plain"].TryGetProperty("ttl", out _));
        Assert.False(items["ttl-list/plain"].TryGetProperty("expiresAt", out _));
    }
}

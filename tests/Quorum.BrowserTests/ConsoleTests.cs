using Quorum.BrowserTests.Infrastructure;
using Quorum.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Quorum.BrowserTests;

/// <summary>The web console in a real browser, on a follower of a real 3-node cluster, checked against what the cluster says over HTTP.</summary>
public sealed class ConsoleTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Console_shows_members_and_health_writes_watches_and_refuses_a_stale_revision()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);

        // A follower serves the page, so the page's writes are forwarded like any client's.
        var node = cluster.Nodes.First(n => n != leader);
        await using var browser = await ConsoleBrowser.OpenAsync(node.HttpUrl + "/ui", output);
        var page = browser.Page;
        var console = new ConsolePage(page);

        // Members: all three, exactly one leader mark, on the member the node names as leader.
        var members = await console.MembersAsync(3);
        Assert.Equal(["n1", "n2", "n3"], members.Select(m => m.Id).Order());
        var marked = Assert.Single(members, m => m.Leader);
        Assert.Equal((await node.Client.GetStatusAsync()).Leader, marked.Id);
        Assert.Equal(leader.Id, marked.Id);
        await Expect(page.Locator("#health")).ToHaveTextAsync("health: ok");
        await Expect(page.Locator("#ready")).ToHaveTextAsync("ready: ready");

        // A write typed into the page reaches the cluster.
        await console.PutAsync("console/typed", "typed in the page");
        await Expect(console.PutResult).ToContainTextAsync("Wrote \"console/typed\" at revision");
        Assert.Equal("typed in the page", await leader.Client.GetStringAsync("console/typed"));

        // A write over HTTP shows in the page's watch tail.
        await console.WatchAsync("watched/");
        await leader.Client.PutAsync("watched/a", "from http");
        await Expect(console.WatchedValue("watched/a")).ToHaveTextAsync("from http");

        // The key browser shows the current value and revision; a put guarded by an older revision is
        // refused as a conflict and changes nothing.
        var first = await node.Client.PutAsync("guarded/k", "v1");
        var second = await node.Client.PutAsync("guarded/k", "v2");
        using (var leased = await leader.Http.PutAsync("/key/guarded/leased?ttl=1h", new StringContent("short-lived")))
            Assert.True(leased.IsSuccessStatusCode);
        await console.ListAsync("guarded/");
        await Expect(console.KeyRow("guarded/leased").Locator(".ttl")).ToContainTextAsync("1h (~");
        await Expect(console.KeyRow("guarded/k").Locator(".ttl")).ToHaveTextAsync("—");
        await Expect(console.KeyRow("guarded/k").Locator(".value")).ToHaveTextAsync("v2");
        await Expect(console.KeyRow("guarded/k").Locator(".revision")).ToHaveTextAsync(second.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await console.PutAsync("guarded/k", "stale", first);
        await Expect(console.PutResult).ToContainTextAsync("Conflict:");
        var unchanged = await leader.Client.GetAsync("guarded/k");
        Assert.Equal("v2"u8.ToArray(), unchanged?.Value);
        Assert.Equal(second, unchanged?.Revision);

        // Edit takes the row's revision, so the same guarded put at the current revision succeeds.
        await console.KeyRow("guarded/k").GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await Expect(page.Locator("#put-revision")).ToHaveValueAsync(second.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.FillAsync("#put-value", "v3");
        await page.ClickAsync("#put-submit");
        await Expect(console.PutResult).ToContainTextAsync("Wrote \"guarded/k\" at revision");
        var last = await leader.Client.GetAsync("guarded/k");
        Assert.Equal("v3"u8.ToArray(), last?.Value);

        // The members table follows the node live: its commit and applied index reach the last write.
        await Eventually.UntilAsync(async () => await console.OwnFiguresAsync() is var (_, commit, applied) && commit >= last!.Revision && applied >= last.Revision, Timeout, "the members table to show the last write applied");

        // Every member's row shows that member's own figures (gathered through /cluster/status),
        // each member's role as it says it, and its term as /status on it says.
        await Eventually.UntilAsync(
            async () => await console.FiguresAsync() is var figures && figures.Count == 3 && figures.Values.All(f => f.Applied >= last!.Revision),
            Timeout,
            "every member's row to show the last write applied");
        var shown = await console.FiguresAsync();
        foreach (var member in cluster.Nodes)
        {
            var own = await member.Client.GetStatusAsync();
            Assert.Equal(own.Term, shown[member.Id].Term);
            await Expect(page.Locator($"#members tbody tr[data-member=\"{member.Id}\"] td.role")).ToHaveTextAsync(own.State);
        }

        output.WriteLine("screenshot: " + await browser.ScreenshotAsync("console.png"));
    }
}

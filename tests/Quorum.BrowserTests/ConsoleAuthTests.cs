using System.Net;
using System.Text;
using Quorum.BrowserTests.Infrastructure;
using Quorum.Contracts.Auth;
using Quorum.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Quorum.BrowserTests;

/// <summary>The web console on a cluster with auth enabled: it asks for credentials and shows only what they permit.</summary>
public sealed class ConsoleAuthTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Console_asks_for_login_refuses_a_wrong_password_and_shows_only_what_the_user_may_see()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);

        // Alice may read and write app/ only. Set up while auth is off; from then on the harness is root.
        await leader.Client.PutUserAsync("root", "root-pw", []);
        await leader.Client.PutRoleAsync("app-rw", [new PermissionBody("app/", "readwrite")]);
        await leader.Client.PutUserAsync("alice", "alice-pw", ["app-rw"]);
        await leader.Client.PutAsync("app/seed", "seeded");
        await leader.Client.SetAuthEnabledAsync(true);
        foreach (var member in cluster.Nodes)
            member.Http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("root:root-pw")));

        var node = cluster.Nodes.First(n => n != leader);
        using var anonymous = new HttpClient { BaseAddress = new Uri(node.HttpUrl) };
        await Eventually.UntilAsync(async () => (await anonymous.GetAsync("/status")).StatusCode == HttpStatusCode.Unauthorized, Timeout, "the follower to apply auth");
        var revision = (await node.Client.ListAsync()).Revision;

        await using var browser = await ConsoleBrowser.OpenAsync(node.HttpUrl + "/ui/", output);
        var page = browser.Page;
        var console = new ConsolePage(page);

        // Without credentials the page asks for them and shows no cluster data.
        await Expect(console.Login).ToBeVisibleAsync();
        await Expect(console.Main).ToBeHiddenAsync();
        await Expect(console.MemberRows).ToHaveCountAsync(0);

        // A wrong password is refused, the page still shows nothing, and nothing changed.
        await console.LogInAsync("alice", "not-her-password");
        await Expect(page.Locator("#login-error")).ToHaveTextAsync("Wrong user name or password.");
        await Expect(console.Main).ToBeHiddenAsync();
        await Expect(console.MemberRows).ToHaveCountAsync(0);
        Assert.Equal(revision, (await node.Client.ListAsync()).Revision);

        // Logged in, Alice sees the members (any user may) but not the whole key space, only app/.
        await console.LogInAsync("alice", "alice-pw");
        await Expect(console.Login).ToBeHiddenAsync();
        await Expect(page.Locator("#user")).ToHaveTextAsync("alice (app-rw)");
        Assert.Equal(3, (await console.MembersAsync(3)).Count);
        await Expect(console.KeysStatus).ToContainTextAsync("Not permitted:");
        await console.ListAsync("app/");
        await Expect(console.KeyRow("app/seed").Locator(".value")).ToHaveTextAsync("seeded");

        // A write outside app/ shows "not permitted" and the key stays absent; one inside app/ works.
        await console.PutAsync("other/x", "nope");
        await Expect(console.PutResult).ToContainTextAsync("Not permitted:");
        Assert.Null(await leader.Client.GetAsync("other/x"));
        Assert.Equal(revision, (await node.Client.ListAsync()).Revision);
        await console.PutAsync("app/by-alice", "yes");
        await Expect(console.PutResult).ToContainTextAsync("Wrote \"app/by-alice\"");
        Assert.Equal("yes", await leader.Client.GetStringAsync("app/by-alice"));
    }
}

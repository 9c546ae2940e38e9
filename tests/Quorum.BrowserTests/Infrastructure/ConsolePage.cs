using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Quorum.BrowserTests.Infrastructure;

/// <summary>The console as a user sees it: what its tables show, and its forms filled in and submitted.</summary>
/// <param name="page">The page, open on <c>/ui/</c>.</param>
internal sealed class ConsolePage(IPage page)
{
    /// <summary>Gets the message under the put form: the answer to the last write, or its refusal.</summary>
    public ILocator PutResult => page.Locator("#put-result");

    /// <summary>Gets the login section.</summary>
    public ILocator Login => page.Locator("#login");

    /// <summary>Gets the part of the page that shows cluster data.</summary>
    public ILocator Main => page.Locator("#main");

    /// <summary>Gets the rows of the members table.</summary>
    public ILocator MemberRows => page.Locator("#members tbody tr");

    /// <summary>Waits until the members table shows <paramref name="count"/> members, and reads each one's ID and whether it carries the leader mark.</summary>
    public async Task<IReadOnlyList<(string Id, bool Leader)>> MembersAsync(int count)
    {
        await Expect(MemberRows).ToHaveCountAsync(count);
        var ids = await page.Locator("#members tbody td.member-id").AllTextContentsAsync();
        var marks = await page.Locator("#members tbody td.leader-mark").AllTextContentsAsync();
        return ids.Zip(marks, static (id, mark) => (id, mark.Trim().Length > 0)).ToList();
    }

    /// <summary>Reads the term, commit index and applied index the members table shows for each member, by ID.</summary>
    public async Task<IReadOnlyDictionary<string, (long Term, long Commit, long Applied)>> FiguresAsync()
    {
        var result = new Dictionary<string, (long, long, long)>();
        foreach (var row in await page.Locator("#members tbody tr").AllAsync())
        {
            var id = await row.Locator("td.member-id").TextContentAsync() ?? string.Empty;
            var cells = await row.Locator("td.number").AllTextContentsAsync();
            if (cells.All(static c => long.TryParse(c, System.Globalization.CultureInfo.InvariantCulture, out _)))
                result[id] = (long.Parse(cells[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(cells[1], System.Globalization.CultureInfo.InvariantCulture), long.Parse(cells[2], System.Globalization.CultureInfo.InvariantCulture));
        }

        return result;
    }

    /// <summary>Reads the term, commit index and applied index the members table shows for the node that served the page.</summary>
    public async Task<(long Term, long Commit, long Applied)> OwnFiguresAsync()
    {
        var figures = (await page.Locator("#members tbody tr.self td.number").AllTextContentsAsync())
            .Select(static text => long.Parse(text, System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
        return (figures[0], figures[1], figures[2]);
    }

    /// <summary>Fills the put form and submits it; <paramref name="revision"/> guards it (If-Match).</summary>
    public async Task PutAsync(string key, string value, long? revision = null)
    {
        await page.FillAsync("#put-key", key);
        await page.FillAsync("#put-value", value);
        await page.FillAsync("#put-revision", revision?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
        await page.ClickAsync("#put-submit");
    }

    /// <summary>Lists the keys under <paramref name="prefix"/> in the key browser.</summary>
    public async Task ListAsync(string prefix)
    {
        await page.FillAsync("#list-prefix", prefix);
        await page.ClickAsync("#list-submit");
    }

    /// <summary>Gets the key browser's row for <paramref name="key"/>.</summary>
    public ILocator KeyRow(string key) => page.Locator($"#keys tbody tr[data-key=\"{key}\"]");

    /// <summary>Gets the message above the key browser's table.</summary>
    public ILocator KeysStatus => page.Locator("#keys-status");

    /// <summary>Starts the watch tail on <paramref name="prefix"/> and waits until the node confirms it watches.</summary>
    public async Task WatchAsync(string prefix)
    {
        await page.FillAsync("#watch-prefix", prefix);
        await page.ClickAsync("#watch-submit");
        await Expect(page.Locator("#watch-status")).ToContainTextAsync($"Watching \"{prefix}\" from revision");
    }

    /// <summary>Gets the value the watch tail shows in its entry for <paramref name="key"/>.</summary>
    public ILocator WatchedValue(string key) => page.Locator($"#watch-log li[data-key=\"{key}\"] .value");

    /// <summary>Fills the login form and submits it.</summary>
    public async Task LogInAsync(string user, string password)
    {
        await page.FillAsync("#login-user", user);
        await page.FillAsync("#login-password", password);
        await page.ClickAsync("#login-submit");
    }
}

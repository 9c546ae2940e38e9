using Microsoft.Playwright;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.BrowserTests.Infrastructure;

/// <summary>
/// A headless Chromium (Debian's, at its Debian path: the machine cannot download Playwright's own
/// browser builds) with one page open on a node's console. The page's console messages and script
/// errors go to the test output.
/// </summary>
internal sealed class ConsoleBrowser : IAsyncDisposable
{
    /// <summary>Where Debian's <c>chromium</c> package installs the browser.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>How long a DOM expectation polls before it fails.</summary>
    public static readonly TimeSpan ExpectTimeout = TimeSpan.FromSeconds(20);

    private readonly IPlaywright playwright;
    private readonly IBrowser browser;

    private ConsoleBrowser(IPlaywright playwright, IBrowser browser, IPage page)
    {
        this.playwright = playwright;
        this.browser = browser;
        Page = page;
    }

    /// <summary>Gets the page.</summary>
    public IPage Page { get; }

    /// <summary>Launches the browser and opens <paramref name="url"/>.</summary>
    public static async Task<ConsoleBrowser> OpenAsync(string url, ITestOutputHelper output)
    {
        if (!File.Exists(ChromiumPath))
            throw new FileNotFoundException($"The browser tests drive Debian's chromium at {ChromiumPath}: install it with 'apt-get install chromium' (.ci/run does).", ChromiumPath);

        Assertions.SetDefaultExpectTimeout((float)ExpectTimeout.TotalMilliseconds);
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true });
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
            page.SetDefaultTimeout((float)ExpectTimeout.TotalMilliseconds);
            page.Console += (_, message) => Log(output, $"[browser {message.Type}] {message.Text}");
            page.PageError += (_, error) => Log(output, $"[browser error] {error}");
            await page.GotoAsync(url);
            return new ConsoleBrowser(playwright, browser, page);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Saves a full-page screenshot as <c>artifacts/NAME</c> under the repository root (kept by CI).</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(QuorumProgram.RepositoryRoot, "artifacts", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new() { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
    }

    private static void Log(ITestOutputHelper output, string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has ended; the browser may still say something while it closes.
        }
    }
}

using System.Net;
using System.Text.RegularExpressions;

namespace Quorum.Server.Tests;

/// <summary>
/// <c>GET /ui/</c>: the console's embedded files, served without credentials even with auth on (the
/// API calls the page makes need them), with their media types, an ETag, and a policy that lets the
/// page load nothing from anywhere but the node.
/// </summary>
public sealed partial class WebConsoleTests(AuthNodeServer fixture) : IClassFixture<AuthNodeServer>, IDisposable
{
    private readonly HttpClient http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { BaseAddress = fixture.Node.Http.BaseAddress };

    [Fact]
    public async Task Ui_without_a_slash_redirects_to_the_console()
    {
        using var response = await http.GetAsync("/ui");
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/ui/", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/ui/", "text/html")]
    [InlineData("/ui/app.js", "text/javascript")]
    [InlineData("/ui/api.js", "text/javascript")]
    [InlineData("/ui/app.css", "text/css")]
    public async Task Each_file_is_served_anonymously_with_its_type_an_etag_and_a_self_only_policy(string path, string mediaType)
    {
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Contains("connect-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.DoesNotMatch(ExternalUrl(), await response.Content.ReadAsStringAsync());

        var etag = response.Headers.ETag ?? throw new Xunit.Sdk.XunitException("no ETag");
        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(etag);
        using var revalidated = await http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
    }

    [Fact]
    public async Task Every_file_the_page_loads_is_embedded()
    {
        var html = await http.GetStringAsync("/ui/");
        var app = await http.GetStringAsync("/ui/app.js");
        string[] referenced = [.. Reference().Matches(html).Select(m => m.Groups[1].Value), .. Import().Matches(app).Select(m => m.Groups[1].Value[2..])];
        Assert.Equal(["api.js", "app.css", "app.js"], referenced.Order(StringComparer.Ordinal).Distinct());
        foreach (var file in referenced)
        {
            using var response = await http.GetAsync("/ui/" + file);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task An_unknown_file_is_a_json_404()
    {
        using var response = await http.GetAsync("/ui/missing.js");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("""{"error":"The console has no file 'missing.js'."}""", await response.Content.ReadAsStringAsync());
    }

    public void Dispose() => http.Dispose();

    [GeneratedRegex("""(?:src|href)="([^"]+)""")]
    private static partial Regex Reference();

    [GeneratedRegex("""from '(\./[^']+)'""")]
    private static partial Regex Import();

    [GeneratedRegex("https?://")]
    private static partial Regex ExternalUrl();
}

using Quorum.Server.Http;

namespace Quorum.Server.WebConsole;

/// <summary>The web console: <c>GET /ui/</c> and its files, served from the program's embedded resources.</summary>
internal static class WebConsoleRoutes
{
    // The page talks only to the node that served it: no script, style, image or connection from
    // anywhere else, and no framing by another site.
    private const string ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>Maps <c>/ui</c> (a redirect) and <c>/ui/{file}</c>. The files need no credentials; the API calls the page makes do.</summary>
    /// <param name="app">The route builder.</param>
    public static void MapWebConsole(this IEndpointRouteBuilder app)
        => app.MapGet("/ui/{**file}", Serve).AllowAnonymous(); // the optional catch-all matches "/ui" too

    private static IResult Serve(HttpContext context, string? file)
    {
        // Relative URLs in the page resolve against /ui/, so /ui itself sends the browser there.
        if (string.IsNullOrEmpty(file) && context.Request.Path.Value?.EndsWith('/') != true)
            return TypedResults.Redirect("/ui/");
        if (ConsoleAssets.Find(file) is not { } asset)
            return ApiResults.Error(StatusCodes.Status404NotFound, $"The console has no file '{file}'.");

        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        return context.Request.Headers.IfNoneMatch.Contains(asset.ETag)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Bytes(asset.Content, asset.ContentType);
    }
}

using System.Text;
using System.Text.Json;
using Quorum.Contracts;
using Quorum.Server.Auth;
using Quorum.Server.Http;
using Quorum.Store;
using Quorum.Store.Auth;

namespace Quorum.Server.Routes;

/// <summary>The ordered listing: <c>GET /keys?prefix=P&amp;limit=L&amp;after=K</c>.</summary>
internal static class ListRoutes
{
    /// <summary>How many keys a page holds when the request does not say.</summary>
    public const int DefaultLimit = 1000;

    /// <summary>Maps the listing route.</summary>
    /// <param name="app">The route builder.</param>
    public static void MapListRoutes(this IEndpointRouteBuilder app) => app.MapGet("/keys", ListAsync);

    private static async Task ListAsync(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request, "prefix", "limit", "after", "consistency");
        var query = context.Request.Query;
        var prefix = Encoding.UTF8.GetBytes(query["prefix"].ToString());
        KeyAccess.Require(context, store, prefix, Access.Read, isPrefix: true);
        byte[]? after = query.TryGetValue("after", out var afterText) ? Encoding.UTF8.GetBytes(afterText.ToString()) : null;
        var limit = (int)(QueryParameters.Number(context.Request, "limit", 1, QuorumStore.MaxListLimit) ?? DefaultLimit);
        var consistency = QueryParameters.Consistency(context.Request);

        var page = await store.ListAsync(prefix, after, limit, consistency, context.RequestAborted);

        // Written as it is formatted: a page can hold thousands of values.
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteStartArray("items");
        foreach (var item in page.Items)
        {
            json.WriteStartObject();
            json.WriteString("key", Encoding.UTF8.GetString(item.Key.Span));
            json.WriteBase64String("value", item.Value.Span);
            json.WriteNumber("revision", item.Revision);
            if (item.Ttl is { } ttl)
                json.WriteString("ttl", DurationText.Format(ttl));
            if (item.ExpiresAbout is { } expires)
                json.WriteString("expiresAt", expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteEndObject();
            if (json.BytesPending > 32 * 1024)
                await json.FlushAsync(context.RequestAborted);
        }

        json.WriteEndArray();
        json.WriteBoolean("more", page.More);
        json.WriteNumber("revision", page.Revision);
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}

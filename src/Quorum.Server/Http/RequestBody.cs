using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Features;

namespace Quorum.Server.Http;

/// <summary>Reads request bodies with a size limit that is enforced before the body is buffered whole.</summary>
internal static class RequestBody
{
    /// <summary>The limit on JSON bodies of cluster routes.</summary>
    public const int MaxJsonBytes = 64 * 1024;

    /// <summary>Reads the whole body, refusing it with 413 as soon as it is known to exceed <paramref name="limit"/>.</summary>
    /// <param name="context">The request.</param>
    /// <param name="limit">The most bytes accepted.</param>
    /// <returns>The body.</returns>
    /// <exception cref="ApiException">The body is over the limit.</exception>
    public static async Task<byte[]> ReadAsync(HttpContext context, int limit)
    {
        var request = context.Request;
        if (request.ContentLength > limit)
            throw TooLarge(limit);

        // Let Kestrel enforce the limit too, so a lying or absent Content-Length cannot get past it.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
            sizeFeature.MaxRequestBodySize = limit;

        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            var buffer = result.Buffer;
            if (buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw TooLarge(limit);
            }

            if (result.IsCompleted)
            {
                var body = buffer.ToArray();
                reader.AdvanceTo(buffer.End);
                return body;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Reads a JSON body into <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The body's type.</typeparam>
    /// <param name="context">The request.</param>
    /// <param name="type">Its JSON metadata.</param>
    /// <returns>The body.</returns>
    /// <exception cref="ApiException">The body is too large, empty or not valid JSON.</exception>
    public static async Task<T> ReadJsonAsync<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class
    {
        var bytes = await ReadAsync(context, MaxJsonBytes);
        try
        {
            return JsonSerializer.Deserialize(bytes, type) ?? throw ApiException.BadRequest("The body must be a JSON object, not null.");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"The body is not valid JSON: {e.Message}");
        }
    }

    private static ApiException TooLarge(int limit)
        => new(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the limit of {limit} bytes.");
}

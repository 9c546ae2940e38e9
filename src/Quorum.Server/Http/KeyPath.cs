using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Quorum.Store;

namespace Quorum.Server.Http;

/// <summary>
/// Reads the key of <c>/key/{key}</c> from the raw request target: everything after <c>/key/</c>
/// up to the query, percent-decoded, so <c>a/b/c</c> and <c>a%2Fb</c> are keys. Keys are 1 to 1024
/// bytes of UTF-8.
/// </summary>
internal static class KeyPath
{
    private const string Prefix = "/key";
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Extracts and validates the key of a request.</summary>
    /// <param name="context">The request.</param>
    /// <returns>The key's bytes.</returns>
    /// <exception cref="ApiException">The key is empty, too long, badly escaped, or not UTF-8.</exception>
    public static byte[] Parse(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? string.Empty;
        var query = target.IndexOf('?', StringComparison.Ordinal);
        var path = query >= 0 ? target.AsSpan(0, query) : target.AsSpan();
        if (!path.StartsWith(Prefix, StringComparison.Ordinal))
            throw ApiException.BadRequest("The key must follow /key/ in the path.");

        path = path[Prefix.Length..];
        if (!path.IsEmpty)
            path = path[1..]; // the slash after /key

        var key = Decode(path);
        if (key.Length == 0)
            throw ApiException.BadRequest("The key is empty: use /key/{key} with a key of 1 to 1024 bytes.");
        if (key.Length > QuorumStore.MaxKeyBytes)
            throw ApiException.BadRequest($"The key is {key.Length} bytes; the limit is {QuorumStore.MaxKeyBytes}.");

        try
        {
            _ = StrictUtf8.GetCharCount(key);
        }
        catch (DecoderFallbackException)
        {
            throw ApiException.BadRequest("The key is not valid UTF-8 once percent-decoded.");
        }

        return key;
    }

    /// <summary>Gets the key as text, for messages.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The text.</returns>
    public static string Display(byte[] key) => Encoding.UTF8.GetString(key);

    private static byte[] Decode(ReadOnlySpan<char> escaped)
    {
        var bytes = new List<byte>(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            var c = escaped[i];
            if (c == '%')
            {
                if (i + 2 >= escaped.Length || !IsHex(escaped[i + 1]) || !IsHex(escaped[i + 2]))
                    throw ApiException.BadRequest("The key has a malformed percent escape: use %XX with two hex digits.");

                bytes.Add((byte)((HexValue(escaped[i + 1]) << 4) | HexValue(escaped[i + 2])));
                i += 2;
            }
            else if (c <= 0x7F)
            {
                bytes.Add((byte)c);
            }
            else
            {
                // Raw non-ASCII in the target: encode it as UTF-8, as a client would have meant it.
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return [.. bytes];
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

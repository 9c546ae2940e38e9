using System.Globalization;
using Microsoft.Net.Http.Headers;
using Quorum.Store;

namespace Quorum.Server.Http;

/// <summary>Reads a write's precondition from <c>If-Match</c> and <c>If-None-Match</c>.</summary>
internal static class ConditionalHeaders
{
    /// <summary>
    /// Reads the precondition: <c>If-Match: "N"</c> (the key's revision is N), <c>If-Match: *</c>
    /// (the key exists), or, where allowed, <c>If-None-Match: *</c> (the key is absent).
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="allowCreateOnly">Whether <c>If-None-Match: *</c> is meaningful for this method.</param>
    /// <returns>The precondition, or <see cref="Precondition.None"/>.</returns>
    /// <exception cref="ApiException">A header is malformed, or both are given.</exception>
    public static Precondition Read(HttpRequest request, bool allowCreateOnly)
    {
        var ifMatch = request.Headers[HeaderNames.IfMatch];
        var ifNoneMatch = request.Headers[HeaderNames.IfNoneMatch];
        if (ifMatch.Count > 0 && ifNoneMatch.Count > 0)
            throw ApiException.BadRequest("Give If-Match or If-None-Match, not both.");

        if (ifNoneMatch.Count > 0)
        {
            if (!allowCreateOnly)
                throw ApiException.BadRequest($"If-None-Match is not supported on {request.Method}; use If-Match: \"N\".");
            if (ifNoneMatch.Count > 1 || ifNoneMatch.ToString().Trim() != "*")
                throw ApiException.BadRequest("If-None-Match must be * (create only).");

            return Precondition.Absent;
        }

        if (ifMatch.Count == 0)
            return Precondition.None;

        var value = ifMatch.Count == 1 ? ifMatch.ToString().Trim() : string.Empty;
        if (value == "*")
            return Precondition.Exists;

        var digits = value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var revision))
            throw ApiException.BadRequest($"If-Match must be one revision in quotes, such as \"42\", or *; got '{ifMatch}'.");

        return Precondition.AtRevision(revision);
    }
}

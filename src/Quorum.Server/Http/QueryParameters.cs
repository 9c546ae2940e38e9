using Quorum.Contracts;
using Quorum.Store;

namespace Quorum.Server.Http;

/// <summary>Checks a request's query parameters: unknown names, repeated names and bad values are refused, not ignored.</summary>
internal static class QueryParameters
{
    /// <summary>Refuses any parameter not in <paramref name="allowed"/>, and any given twice.</summary>
    /// <param name="request">The request.</param>
    /// <param name="allowed">The names this route understands.</param>
    /// <exception cref="ApiException">A parameter is unknown or repeated.</exception>
    public static void RequireOnly(HttpRequest request, params string[] allowed)
    {
        foreach (var (name, values) in request.Query)
        {
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                throw ApiException.BadRequest(allowed.Length == 0
                    ? $"Unknown query parameter '{name}': this route takes none."
                    : $"Unknown query parameter '{name}': this route takes {string.Join(", ", allowed)}.");
            }

            if (values.Count > 1)
                throw ApiException.BadRequest($"Query parameter '{name}' is given more than once.");
        }
    }

    /// <summary>Reads <c>consistency</c>: <c>linearizable</c> (the default) or <c>stale</c>.</summary>
    /// <param name="request">The request.</param>
    /// <returns>The consistency.</returns>
    /// <exception cref="ApiException">The value is neither.</exception>
    public static ReadConsistency Consistency(HttpRequest request)
    {
        var value = request.Query["consistency"].ToString();
        return value switch
        {
            "" or "linearizable" => ReadConsistency.Linearizable,
            "stale" => ReadConsistency.Stale,
            _ => throw ApiException.BadRequest($"consistency must be 'linearizable' or 'stale', not '{value}'."),
        };
    }

    /// <summary>Reads <c>ttl</c>, a duration such as <c>500ms</c>, <c>30s</c>, <c>5m</c> or <c>1h</c>.</summary>
    /// <param name="request">The request.</param>
    /// <returns>The duration, or <see langword="null"/> when absent.</returns>
    /// <exception cref="ApiException">The value is not a positive duration within the limit.</exception>
    public static TimeSpan? Ttl(HttpRequest request) => Ttl(request.Query.TryGetValue("ttl", out var value) ? value.ToString() : null);

    /// <summary>Parses a TTL as the API writes it.</summary>
    /// <param name="text">The text, or <see langword="null"/>.</param>
    /// <returns>The duration, or <see langword="null"/> when <paramref name="text"/> is.</returns>
    /// <exception cref="ApiException">The value is not a positive duration within the limit.</exception>
    public static TimeSpan? Ttl(string? text)
    {
        if (text is null)
            return null;
        if (!DurationText.TryParse(text, out var ttl) || ttl > QuorumStore.MaxTtl)
            throw ApiException.BadRequest($"ttl must be a positive duration such as 500ms, 30s, 5m or 1h (at most {QuorumStore.MaxTtl.TotalDays:0} days); got '{text}'.");

        return ttl;
    }

    /// <summary>Reads an optional whole-number parameter.</summary>
    /// <param name="request">The request.</param>
    /// <param name="name">The parameter.</param>
    /// <param name="min">The smallest value allowed.</param>
    /// <param name="max">The largest value allowed.</param>
    /// <returns>The value, or <see langword="null"/> when absent.</returns>
    /// <exception cref="ApiException">The value is not a number in range.</exception>
    public static long? Number(HttpRequest request, string name, long min, long max)
    {
        if (!request.Query.TryGetValue(name, out var value))
            return null;
        if (!long.TryParse(value.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number < min || number > max)
            throw ApiException.BadRequest($"{name} must be a whole number from {min} to {max}; got '{value}'.");

        return number;
    }

    /// <summary>Reads an optional switch: <c>true</c> or <c>false</c>, absent meaning false.</summary>
    /// <param name="request">The request.</param>
    /// <param name="name">The parameter.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ApiException">The value is neither.</exception>
    public static bool Switch(HttpRequest request, string name)
    {
        if (!request.Query.TryGetValue(name, out var value))
            return false;
        return value.ToString() switch
        {
            "true" => true,
            "false" => false,
            var other => throw ApiException.BadRequest($"{name} must be 'true' or 'false', not '{other}'."),
        };
    }
}

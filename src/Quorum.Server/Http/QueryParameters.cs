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
}

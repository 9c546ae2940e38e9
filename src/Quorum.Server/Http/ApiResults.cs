using Microsoft.AspNetCore.Http.HttpResults;

namespace Quorum.Server.Http;

/// <summary>Writes the contract's JSON error shape.</summary>
internal static class ApiResults
{
    /// <summary>The value of <c>Retry-After</c> on a 503: leader elections settle within about a second.</summary>
    public const string RetryAfterSeconds = "1";

    /// <summary>An error result with the given status.</summary>
    /// <param name="statusCode">The status.</param>
    /// <param name="message">What went wrong.</param>
    /// <returns>The result.</returns>
    public static JsonHttpResult<ErrorResponse> Error(int statusCode, string message)
        => TypedResults.Json(new ErrorResponse(message), ApiJsonContext.Api.ErrorResponse, statusCode: statusCode);

    /// <summary>Writes an error response directly, for middleware.</summary>
    /// <param name="context">The request.</param>
    /// <param name="statusCode">The status.</param>
    /// <param name="message">What went wrong.</param>
    /// <returns>A task that completes when the response is written.</returns>
    public static Task WriteErrorAsync(HttpContext context, int statusCode, string message)
        => WriteErrorAsync(context, new ErrorResponse(message), statusCode);

    /// <summary>Writes an error response with its full body, for middleware.</summary>
    /// <param name="context">The request.</param>
    /// <param name="error">The body.</param>
    /// <param name="statusCode">The status.</param>
    /// <returns>A task that completes when the response is written.</returns>
    public static Task WriteErrorAsync(HttpContext context, ErrorResponse error, int statusCode)
    {
        context.Response.StatusCode = statusCode;
        if (statusCode == StatusCodes.Status503ServiceUnavailable)
            context.Response.Headers.RetryAfter = RetryAfterSeconds;

        return context.Response.WriteAsJsonAsync(error, ApiJsonContext.Api.ErrorResponse, contentType: null, context.RequestAborted);
    }
}

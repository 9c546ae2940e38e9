using System.Diagnostics;

namespace Quorum.Server.Metrics;

/// <summary>
/// Times every request, outermost in the pipeline so that refusals, errors and forwarded requests
/// count too, and labels it with the route's template, the method and the status code.
/// </summary>
/// <param name="next">The rest of the pipeline.</param>
/// <param name="metrics">Where the timings go.</param>
internal sealed class RequestMetricsMiddleware(RequestDelegate next, HttpMetrics metrics)
{
    /// <summary>Runs the rest of the pipeline and records how long it took.</summary>
    /// <param name="context">The request.</param>
    /// <returns>A task that completes when the response is done.</returns>
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var route = context.GetEndpoint() is RouteEndpoint endpoint ? endpoint.RoutePattern.RawText ?? "unknown" : "unmatched";
            metrics.RecordRequest(Stopwatch.GetElapsedTime(started).TotalSeconds, route, MethodLabel(context.Request.Method), context.Response.StatusCode);
        }
    }

    // A fixed set, so that a client inventing methods cannot invent series.
    private static string MethodLabel(string method) => method switch
    {
        "GET" => "GET",
        "PUT" => "PUT",
        "POST" => "POST",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        "PATCH" => "PATCH",
        _ => "OTHER",
    };
}

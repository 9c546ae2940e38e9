using Quorum.Server.Metrics;

namespace Quorum.Server.Routes;

/// <summary><c>GET /metrics</c>: the node's metrics in the Prometheus text format, with no credentials.</summary>
internal static class MetricsRoutes
{
    /// <summary>Maps the metrics route.</summary>
    /// <param name="app">The route builder.</param>
    public static void MapMetricsRoutes(this IEndpointRouteBuilder app)
        => app.MapGet("/metrics", (PrometheusExporter exporter) => TypedResults.Text(exporter.Scrape(), PrometheusText.ContentType)).AllowAnonymous();
}

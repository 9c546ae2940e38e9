using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Quorum.Store.Metrics;

namespace Quorum.Server.Metrics;

/// <summary>
/// Pushes the node's instruments to an OpenTelemetry collector over OTLP/HTTP, with the stable
/// OpenTelemetry SDK, alongside the Prometheus endpoint (which stays the reference).
/// </summary>
internal static class OtlpPush
{
    /// <summary>Starts pushing.</summary>
    /// <param name="endpoint">The collector's base URL (<c>/v1/metrics</c> is added when it names no path).</param>
    /// <param name="nodeId">The node's ID, sent as <c>service.instance.id</c>.</param>
    /// <returns>The provider; disposing it sends what is left and stops.</returns>
    public static IDisposable Start(Uri endpoint, string nodeId)
    {
        var target = endpoint.AbsolutePath is "" or "/" ? new Uri(endpoint, "/v1/metrics") : endpoint;
        return Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService("quorum", serviceInstanceId: nodeId, autoGenerateServiceInstanceId: false))

            // By name: the SDK cannot select meter instances. A node runs one store per process.
            .AddMeter(StoreMetrics.MeterName, HttpMetrics.MeterName, ProcessMetrics.MeterName)
            .AddOtlpExporter(exporter =>
            {
                exporter.Endpoint = target;
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            })
            .Build();
    }
}

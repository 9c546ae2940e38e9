using Quorum.Store.Metrics;

namespace Quorum.Server.Metrics;

/// <summary>
/// Every instrument of a node (the store's, the HTTP layer's, the process's) and the exporter that
/// serves them. Made before the store opens, so that the start-up election and log replay are
/// measured too.
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    private NodeMetrics(StoreMetrics store, bool ownsStore)
    {
        Store = store;
        OwnsStore = ownsStore;
        Http = new HttpMetrics();
        Process = new ProcessMetrics();
        Exporter = new PrometheusExporter([store.Meter, Http.Meter, Process.Meter]);
    }

    /// <summary>Gets the store's instruments; pass them in <c>StoreOptions.Metrics</c>.</summary>
    public StoreMetrics Store { get; }

    /// <summary>Gets the HTTP layer's instruments.</summary>
    public HttpMetrics Http { get; }

    /// <summary>Gets the process's instruments.</summary>
    public ProcessMetrics Process { get; }

    /// <summary>Gets the exporter behind <c>GET /metrics</c>.</summary>
    public PrometheusExporter Exporter { get; }

    private bool OwnsStore { get; }

    private IDisposable? Push { get; set; }

    /// <summary>Starts listening to a new set of store instruments and the node's own.</summary>
    /// <returns>The node's metrics; hand <see cref="Store"/> to the store, and dispose these after it.</returns>
    public static NodeMetrics Start() => new(new StoreMetrics(), ownsStore: true);

    /// <summary>Starts listening to the instruments of a store that is already open.</summary>
    /// <param name="store">The store's instruments, which stay the store's to dispose.</param>
    /// <returns>The node's metrics.</returns>
    public static NodeMetrics Start(StoreMetrics store) => new(store, ownsStore: false);

    /// <summary>Also pushes every instrument to an OpenTelemetry collector over OTLP/HTTP.</summary>
    /// <param name="endpoint">The collector, such as <c>http://collector:4318</c>.</param>
    /// <param name="nodeId">The node's ID, sent as <c>service.instance.id</c>.</param>
    public void PushOtlp(Uri endpoint, string nodeId)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Push?.Dispose();
        Push = OtlpPush.Start(endpoint, nodeId);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Push?.Dispose();
        Exporter.Dispose();
        Http.Dispose();
        Process.Dispose();
        if (OwnsStore)
            Store.Dispose();
    }
}

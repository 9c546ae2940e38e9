using System.Diagnostics.Metrics;
using System.Text;

namespace Quorum.Server.Metrics;

/// <summary>
/// Serves the instruments of a set of meters in the Prometheus text format: a
/// <see cref="MeterListener"/> aggregates every measurement as it is recorded, and a scrape
/// reads the observed instruments and writes the aggregates out.
/// </summary>
/// <remarks>
/// Why not a package: OpenTelemetry's Prometheus exporter is still prerelease and derives names
/// by rules the contract's names do not all follow; prometheus-net has its own instrument API
/// rather than System.Diagnostics.Metrics and has had no release for years. This is about 300
/// lines over the BCL's listener, tested against the format by a parser in the tests.
/// </remarks>
public sealed class PrometheusExporter : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly Lock scrapeGate = new();
    private readonly List<MetricFamily> families = [];

    /// <summary>Starts aggregating every instrument on the given meters.</summary>
    /// <param name="meters">The meters to serve. Matched by instance, so two stores in one process stay apart.</param>
    public PrometheusExporter(IReadOnlyCollection<Meter> meters)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (!meters.Contains(instrument.Meter) || MetricFamily.For(instrument) is not { } family)
                return;

            lock (families)
                families.Add(family);
            l.EnableMeasurementEvents(instrument, family);
        };
        listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        listener.Start();
    }

    /// <summary>Reads the observed instruments and writes every family.</summary>
    /// <returns>The exposition text.</returns>
    public string Scrape()
    {
        var text = new StringBuilder(16 * 1024);
        lock (scrapeGate)
        {
            // Not safe to run concurrently with itself: the observed values land in shared cells.
            listener.RecordObservableInstruments();
            MetricFamily[] snapshot;
            lock (families)
                snapshot = [.. families.OrderBy(static f => f.Name, StringComparer.Ordinal)];
            foreach (var family in snapshot)
                family.Write(text);
        }

        return text.ToString();
    }

    /// <inheritdoc/>
    public void Dispose() => listener.Dispose();
}

using System.Diagnostics.Metrics;
using System.Text;

namespace Quorum.Server.Metrics;

/// <summary>
/// The running aggregate of one instrument: a counter or gauge value, or histogram buckets, per
/// label set. Measurements arrive on whatever thread records them; a scrape reads them.
/// </summary>
internal abstract class MetricFamily
{
    private protected MetricFamily(string name, string help)
    {
        Name = name;
        Help = help;
    }

    /// <summary>Gets the Prometheus name of the family.</summary>
    public string Name { get; }

    /// <summary>Gets what it measures.</summary>
    public string Help { get; }

    /// <summary>Makes the aggregate for an instrument, or <see langword="null"/> for kinds the exporter does not serve.</summary>
    /// <param name="instrument">The instrument.</param>
    /// <returns>The family.</returns>
    public static MetricFamily? For(Instrument instrument)
    {
        var help = instrument.Description ?? instrument.Name;
        var type = instrument.GetType();
        if (!type.IsGenericType)
            return null;

        var kind = type.GetGenericTypeDefinition();
        if (kind == typeof(Histogram<>))
        {
            IEnumerable<double> bounds = (instrument as Histogram<double>)?.Advice?.HistogramBucketBoundaries
                ?? (instrument as Histogram<long>)?.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b)
                ?? DefaultBuckets;
            return new HistogramFamily(PrometheusText.MetricName(instrument.Name, instrument.Unit, isCounter: false), help, [.. bounds]);
        }

        if (kind == typeof(Counter<>))
            return new ScalarFamily(PrometheusText.MetricName(instrument.Name, instrument.Unit, isCounter: true), help, "counter", cumulative: false);
        if (kind == typeof(ObservableCounter<>))
            return new ScalarFamily(PrometheusText.MetricName(instrument.Name, instrument.Unit, isCounter: true), help, "counter", cumulative: true);
        if (kind == typeof(UpDownCounter<>))
            return new ScalarFamily(PrometheusText.MetricName(instrument.Name, instrument.Unit, isCounter: false), help, "gauge", cumulative: false);
        if (kind == typeof(ObservableGauge<>) || kind == typeof(ObservableUpDownCounter<>) || kind == typeof(Gauge<>))
            return new ScalarFamily(PrometheusText.MetricName(instrument.Name, instrument.Unit, isCounter: false), help, "gauge", cumulative: true);
        return null;
    }

    /// <summary>Takes one measurement.</summary>
    /// <param name="value">The value.</param>
    /// <param name="tags">Its tags, which become the series' labels.</param>
    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Writes the family in the text format.</summary>
    /// <param name="text">Where to write.</param>
    public abstract void Write(StringBuilder text);

    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
}

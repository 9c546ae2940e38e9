using System.Collections.Concurrent;
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

/// <summary>A counter or gauge: one number per label set.</summary>
/// <param name="name">The Prometheus name.</param>
/// <param name="help">What it measures.</param>
/// <param name="type"><c>counter</c> or <c>gauge</c>.</param>
/// <param name="cumulative">Whether a measurement is the whole value (an observed instrument) rather than a change to it.</param>
internal sealed class ScalarFamily(string name, string help, string type, bool cumulative) : MetricFamily(name, help)
{
    private readonly Cell unlabelled = new();
    private readonly ConcurrentDictionary<LabelSet, Cell> series = new();

    /// <inheritdoc/>
    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var cell = tags.IsEmpty ? unlabelled : series.GetOrAdd(LabelSet.From(tags), static _ => new Cell());
        if (cumulative)
            Volatile.Write(ref cell.Value, value);
        else
            cell.Add(value);
        cell.Seen = true;
    }

    /// <inheritdoc/>
    public override void Write(StringBuilder text)
    {
        PrometheusText.Header(text, Name, Help, type);
        if (unlabelled.Seen || series.IsEmpty)
            PrometheusText.Sample(text, Name, default, null, Volatile.Read(ref unlabelled.Value));
        foreach (var (labels, cell) in series.OrderBy(static s => s.Key.ToString(), StringComparer.Ordinal))
            PrometheusText.Sample(text, Name, labels, null, Volatile.Read(ref cell.Value));
    }

    private sealed class Cell
    {
        public double Value;
        public volatile bool Seen;

        public void Add(double amount)
        {
            double seen, next;
            do
            {
                seen = Volatile.Read(ref Value);
                next = seen + amount;
            }
            while (Interlocked.CompareExchange(ref Value, next, seen) != seen);
        }
    }
}

/// <summary>A histogram: bucket counts, a sum and a count per label set.</summary>
/// <param name="name">The Prometheus name.</param>
/// <param name="help">What it measures.</param>
/// <param name="bounds">The buckets' upper bounds, ascending.</param>
internal sealed class HistogramFamily(string name, string help, double[] bounds) : MetricFamily(name, help)
{
    private readonly string[] boundTexts = [.. bounds.Select(PrometheusText.Number)];
    private readonly Cell unlabelled = new(bounds.Length);
    private readonly ConcurrentDictionary<LabelSet, Cell> series = new();

    /// <inheritdoc/>
    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var cell = tags.IsEmpty ? unlabelled : series.GetOrAdd(LabelSet.From(tags), static (_, size) => new Cell(size), bounds.Length);
        var bucket = Array.BinarySearch(bounds, value);
        cell.Add(bucket >= 0 ? bucket : ~bucket, value);
    }

    /// <inheritdoc/>
    public override void Write(StringBuilder text)
    {
        PrometheusText.Header(text, Name, Help, "histogram");
        if (unlabelled.Count > 0 || series.IsEmpty)
            Write(text, default, unlabelled);
        foreach (var (labels, cell) in series.OrderBy(static s => s.Key.ToString(), StringComparer.Ordinal))
            Write(text, labels, cell);
    }

    private void Write(StringBuilder text, LabelSet labels, Cell cell)
    {
        // Read the buckets first and derive the count from them, so that a scrape racing a
        // measurement still shows a histogram whose +Inf bucket equals its count.
        long cumulative = 0;
        for (var i = 0; i < bounds.Length; i++)
        {
            cumulative += Volatile.Read(ref cell.Buckets[i]);
            PrometheusText.Sample(text, Name + "_bucket", labels, boundTexts[i], cumulative);
        }

        cumulative += Volatile.Read(ref cell.Buckets[bounds.Length]);
        PrometheusText.Sample(text, Name + "_bucket", labels, "+Inf", cumulative);
        PrometheusText.Sample(text, Name + "_sum", labels, null, Volatile.Read(ref cell.Sum));
        PrometheusText.Sample(text, Name + "_count", labels, null, cumulative);
    }

    private sealed class Cell(int bounds)
    {
        public readonly long[] Buckets = new long[bounds + 1];
        public double Sum;

        public long Count => Buckets.Sum();

        public void Add(int bucket, double value)
        {
            Interlocked.Increment(ref Buckets[bucket]);
            double seen, next;
            do
            {
                seen = Volatile.Read(ref Sum);
                next = seen + value;
            }
            while (Interlocked.CompareExchange(ref Sum, next, seen) != seen);
        }
    }
}

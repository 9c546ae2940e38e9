using System.Collections.Concurrent;
using System.Text;

namespace Quorum.Server.Metrics;

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

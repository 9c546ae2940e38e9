using System.Collections.Concurrent;
using System.Text;

namespace Quorum.Server.Metrics;

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

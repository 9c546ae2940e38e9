using System.Globalization;
using System.Text;

namespace Quorum.Server.Metrics;

/// <summary>Writes the Prometheus text exposition format, version 0.0.4.</summary>
internal static class PrometheusText
{
    /// <summary>The content type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Writes a family's HELP and TYPE lines.</summary>
    /// <param name="text">Where to write.</param>
    /// <param name="name">The family's name.</param>
    /// <param name="help">What it measures.</param>
    /// <param name="type"><c>counter</c>, <c>gauge</c> or <c>histogram</c>.</param>
    public static void Header(StringBuilder text, string name, string help, string type)
    {
        text.Append("# HELP ").Append(name).Append(' ');
        foreach (var c in help)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }

        text.Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    /// <summary>Writes one sample line.</summary>
    /// <param name="text">Where to write.</param>
    /// <param name="name">The sample's name (the family's, or with <c>_bucket</c>, <c>_sum</c>, <c>_count</c>).</param>
    /// <param name="labels">The series' labels.</param>
    /// <param name="le">The bucket's upper bound for a <c>_bucket</c> sample, else <see langword="null"/>.</param>
    /// <param name="value">The value.</param>
    public static void Sample(StringBuilder text, string name, LabelSet labels, string? le, double value)
    {
        text.Append(name);
        var count = labels.Count;
        if (count > 0 || le is not null)
        {
            text.Append('{');
            for (var i = 0; i < count; i++)
            {
                var (label, labelValue) = labels[i];
                if (i > 0)
                    text.Append(',');
                text.Append(label).Append("=\"");
                Escape(text, labelValue);
                text.Append('"');
            }

            if (le is not null)
                text.Append(count > 0 ? "," : string.Empty).Append("le=\"").Append(le).Append('"');
            text.Append('}');
        }

        text.Append(' ').Append(Number(value)).Append('\n');
    }

    /// <summary>Formats a number as the format wants it: shortest round-trip form, or <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>.</summary>
    /// <param name="value">The number.</param>
    /// <returns>Its text.</returns>
    public static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Turns an instrument's name and unit into a Prometheus name: dots and dashes become underscores, and the unit a suffix.</summary>
    /// <param name="name">The instrument's name, such as <c>quorum.disk.wal_fsync_duration</c>.</param>
    /// <param name="unit">Its unit (<c>s</c>, <c>By</c>, <c>ms</c>) or <see langword="null"/>.</param>
    /// <param name="isCounter">Whether it is a counter, which gets <c>_total</c>.</param>
    /// <returns>The name, such as <c>quorum_disk_wal_fsync_duration_seconds</c>.</returns>
    public static string MetricName(string name, string? unit, bool isCounter)
    {
        var text = new StringBuilder(name.Length + 16);
        foreach (var c in name)
            text.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_');

        text.Append(unit switch
        {
            "s" => "_seconds",
            "ms" => "_milliseconds",
            "By" => "_bytes",
            _ => string.Empty,
        });
        if (isCounter)
            text.Append("_total");
        return text.ToString();
    }

    private static void Escape(StringBuilder text, string value)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }
    }
}

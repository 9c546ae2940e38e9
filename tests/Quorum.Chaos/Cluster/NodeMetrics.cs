using System.Globalization;

namespace Quorum.Chaos.Cluster;

/// <summary>
/// Reads a node's <c>/metrics</c> (Prometheus text) for the nemesis's evidence: how many samples
/// of a histogram fell above a bound, as the node itself counted them.
/// </summary>
internal static class NodeMetrics
{
    /// <summary>Scrapes the node's metrics; <see langword="null"/> when it does not answer.</summary>
    public static async Task<string?> ScrapeAsync(ChaosNode node, CancellationToken token)
    {
        try
        {
            return await node.Http.GetStringAsync("metrics", token);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !token.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>
    /// Counts the samples of histogram <paramref name="family"/> above <paramref name="bound"/> (which
    /// must be one of its bucket bounds): its <c>+Inf</c> bucket minus the bound's, summed over the
    /// series whose labels contain <paramref name="label"/> (such as <c>peer="n2"</c>) when one is given.
    /// </summary>
    public static double CountAbove(string text, string family, double bound, string? label = null) => Counts(text, family, bound, label).Above;

    /// <summary>Like <see cref="CountAbove"/>, with the count of all samples beside it.</summary>
    public static (double Above, double All) Counts(string text, string family, double bound, string? label = null)
    {
        var le = "le=\"" + bound.ToString("R", CultureInfo.InvariantCulture) + "\"";
        double all = 0, below = 0;
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(family + "_bucket{", StringComparison.Ordinal) || (label is not null && !line.Contains(label, StringComparison.Ordinal)))
                continue;

            var value = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            if (line.Contains("le=\"+Inf\"", StringComparison.Ordinal))
                all += value;
            else if (line.Contains(le, StringComparison.Ordinal))
                below += value;
        }

        return (all - below, all);
    }

    /// <summary>Reads an unlabelled gauge's value, or <see langword="null"/> when the text has none.</summary>
    public static double? Gauge(string text, string name)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
                return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
        }

        return null;
    }
}

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>One sample line: its name (with any histogram suffix), labels and value.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>Gets a label's value, or <see langword="null"/>.</summary>
    public string? this[string label] => Labels.TryGetValue(label, out var value) ? value : null;
}

/// <summary>A metric family: its TYPE, HELP and samples.</summary>
internal sealed record PrometheusFamily(string Name, string Type, string? Help, IReadOnlyList<PrometheusSample> Samples);

/// <summary>
/// A strict parser of the Prometheus text exposition format (0.0.4), so tests check the format
/// itself and not a substring: every line must parse, a family's TYPE comes before its samples and
/// its samples are contiguous, no series repeats, and every histogram series has ascending
/// buckets with non-decreasing counts, a <c>+Inf</c> bucket equal to its count, and a sum.
/// </summary>
internal static partial class PrometheusScrape
{
    /// <summary>Parses a scrape, throwing <see cref="FormatException"/> on the first thing wrong.</summary>
    /// <param name="text">The exposition text.</param>
    /// <returns>The families by name.</returns>
    public static IReadOnlyDictionary<string, PrometheusFamily> Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helps = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new Dictionary<string, List<PrometheusSample>>(StringComparer.Ordinal);
        var order = new List<string>();
        var seenSeries = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0)
                continue;

            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                if (parts.Length >= 3 && parts[1] is "HELP" or "TYPE")
                {
                    var name = parts[2];
                    Check(NameRegex().IsMatch(name), lineNumber, $"bad metric name '{name}'");
                    if (parts[1] == "TYPE")
                    {
                        Check(parts.Length == 4 && parts[3] is "counter" or "gauge" or "histogram" or "summary" or "untyped", lineNumber, "bad TYPE line");
                        Check(types.TryAdd(name, parts[3]), lineNumber, $"second TYPE for {name}");
                        Check(!samples.ContainsKey(name), lineNumber, $"TYPE for {name} after its samples");
                    }
                    else
                    {
                        Check(helps.TryAdd(name, parts.Length == 4 ? parts[3] : string.Empty), lineNumber, $"second HELP for {name}");
                    }
                }

                continue;
            }

            var match = SampleRegex().Match(line);
            Check(match.Success, lineNumber, $"not a sample line: '{line}'");
            var sampleName = match.Groups["name"].Value;
            var labels = ParseLabels(match.Groups["labels"].Value, lineNumber);
            var value = ParseValue(match.Groups["value"].Value, lineNumber);
            var family = FamilyOf(sampleName, types);
            Check(seenSeries.Add(sampleName + "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "}"), lineNumber, $"series repeated: {line}");
            if (family != current)
            {
                Check(!samples.ContainsKey(family), lineNumber, $"samples of {family} are not contiguous");
                samples[family] = [];
                order.Add(family);
                current = family;
            }

            samples[family].Add(new PrometheusSample(sampleName, labels, value));
        }

        var result = new Dictionary<string, PrometheusFamily>(StringComparer.Ordinal);
        foreach (var name in types.Keys.Union(order))
        {
            var family = new PrometheusFamily(name, types.GetValueOrDefault(name, "untyped"), helps.GetValueOrDefault(name), samples.GetValueOrDefault(name) ?? []);
            if (family.Type == "histogram")
                CheckHistogram(family);
            result[name] = family;
        }

        return result;
    }

    /// <summary>Gets a histogram series' count: the <c>_count</c> sample whose labels match.</summary>
    public static double HistogramCount(this PrometheusFamily family, params (string Label, string Value)[] labels)
        => family.Samples.Where(s => s.Name == family.Name + "_count" && labels.All(l => s[l.Label] == l.Value)).Sum(s => s.Value);

    /// <summary>Gets the value of the one unlabelled sample of a counter or gauge.</summary>
    public static double Value(this PrometheusFamily family)
        => family.Samples.Single(s => s.Name == family.Name && s.Labels.Count == 0).Value;

    private static string FamilyOf(string sampleName, Dictionary<string, string> types)
    {
        if (types.ContainsKey(sampleName))
            return sampleName;
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) && types.GetValueOrDefault(sampleName[..^suffix.Length]) is "histogram" or "summary")
                return sampleName[..^suffix.Length];
        }

        return sampleName;
    }

    private static void CheckHistogram(PrometheusFamily family)
    {
        foreach (var series in family.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value))))
        {
            var buckets = series.Where(s => s.Name == family.Name + "_bucket").ToList();
            var count = series.SingleOrDefault(s => s.Name == family.Name + "_count") ?? throw new FormatException($"{family.Name}{{{series.Key}}} has no _count");
            _ = series.SingleOrDefault(s => s.Name == family.Name + "_sum") ?? throw new FormatException($"{family.Name}{{{series.Key}}} has no _sum");
            if (buckets.Count == 0 || buckets[^1]["le"] != "+Inf")
                throw new FormatException($"{family.Name}{{{series.Key}}} does not end with a +Inf bucket");
            for (var i = 1; i < buckets.Count; i++)
            {
                if (ParseValue(buckets[i]["le"]!, 0) <= ParseValue(buckets[i - 1]["le"]!, 0) || buckets[i].Value < buckets[i - 1].Value)
                    throw new FormatException($"{family.Name}{{{series.Key}}}: buckets out of order at le={buckets[i]["le"]}");
            }

            if (buckets[^1].Value != count.Value)
                throw new FormatException($"{family.Name}{{{series.Key}}}: +Inf bucket {buckets[^1].Value} != count {count.Value}");
        }
    }

    private static Dictionary<string, string> ParseLabels(string text, int line)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < text.Length)
        {
            var eq = text.IndexOf('=', i);
            Check(eq > i, line, "label without a name");
            var name = text[i..eq];
            Check(LabelNameRegex().IsMatch(name), line, $"bad label name '{name}'");
            Check(eq + 1 < text.Length && text[eq + 1] == '"', line, "label value not quoted");
            var value = new StringBuilder();
            var j = eq + 2;
            for (; j < text.Length && text[j] != '"'; j++)
            {
                if (text[j] == '\\')
                {
                    j++;
                    Check(j < text.Length, line, "escape at end of label value");
                    value.Append(text[j] switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => throw new FormatException($"line {line}: bad escape \\{text[j]}") });
                }
                else
                {
                    value.Append(text[j]);
                }
            }

            Check(j < text.Length, line, "unterminated label value");
            Check(labels.TryAdd(name, value.ToString()), line, $"label {name} repeated");
            i = j + 1;
            if (i < text.Length)
            {
                Check(text[i] == ',', line, "labels not separated by commas");
                i++;
            }
        }

        return labels;
    }

    private static double ParseValue(string text, int line) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw new FormatException($"line {line}: bad value '{text}'"),
    };

    private static void Check(bool condition, int line, string problem)
    {
        if (!condition)
            throw new FormatException($"line {line}: {problem}");
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex NameRegex();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelNameRegex();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>(?:[^""}]|""(?:[^""\\]|\\.)*"")*)\})? (?<value>\S+)( -?\d+)?$")]
    private static partial Regex SampleRegex();
}

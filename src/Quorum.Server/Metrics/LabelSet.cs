namespace Quorum.Server.Metrics;

/// <summary>
/// The labels of one series: up to three name/value pairs, compared by content. A value type, so a
/// measurement finds its series without allocating.
/// </summary>
internal readonly record struct LabelSet(
    string? Name1, string? Value1, string? Name2, string? Value2, string? Name3, string? Value3)
{
    /// <summary>The most labels a series may have.</summary>
    public const int MaxLabels = 3;

    /// <summary>Gets the number of labels.</summary>
    public int Count => Name1 is null ? 0 : Name2 is null ? 1 : Name3 is null ? 2 : 3;

    /// <summary>Makes a label set from a measurement's tags (the first three; tags beyond are dropped).</summary>
    /// <param name="tags">The tags.</param>
    /// <returns>The labels.</returns>
    public static LabelSet From(ReadOnlySpan<KeyValuePair<string, object?>> tags) => tags.Length switch
    {
        0 => default,
        1 => new(tags[0].Key, Text(tags[0].Value), null, null, null, null),
        2 => new(tags[0].Key, Text(tags[0].Value), tags[1].Key, Text(tags[1].Value), null, null),
        _ => new(tags[0].Key, Text(tags[0].Value), tags[1].Key, Text(tags[1].Value), tags[2].Key, Text(tags[2].Value)),
    };

    /// <summary>Gets a label by position.</summary>
    /// <param name="index">0, 1 or 2.</param>
    /// <returns>The name and value.</returns>
    public (string Name, string Value) this[int index] => index switch
    {
        0 => (Name1!, Value1 ?? string.Empty),
        1 => (Name2!, Value2 ?? string.Empty),
        _ => (Name3!, Value3 ?? string.Empty),
    };

    private static string Text(object? value) => value as string ?? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
}

using System.Globalization;

namespace Quorum.Contracts;

/// <summary>Durations written the way people write them: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c> (TTLs on the wire and on the command line).</summary>
public static class DurationText
{
    /// <summary>Parses a duration: a positive whole number followed by <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="duration">The duration.</param>
    /// <returns><see langword="true"/> when the text is a valid duration.</returns>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrEmpty(text))
            return false;

        var (digits, unit) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], TimeSpan.FromMilliseconds(1)),
            _ when text.EndsWith('s') => (text[..^1], TimeSpan.FromSeconds(1)),
            _ when text.EndsWith('m') => (text[..^1], TimeSpan.FromMinutes(1)),
            _ when text.EndsWith('h') => (text[..^1], TimeSpan.FromHours(1)),
            _ => (string.Empty, TimeSpan.Zero),
        };

        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 0 || count > TimeSpan.MaxValue.Ticks / unit.Ticks)
            return false;

        duration = TimeSpan.FromTicks(count * unit.Ticks);
        return true;
    }

    /// <summary>Formats a duration as the API writes it: whole milliseconds, rounded up, such as <c>1500ms</c>.</summary>
    /// <param name="duration">The duration.</param>
    /// <returns>The text.</returns>
    public static string Format(TimeSpan duration)
        => ((long)Math.Ceiling(duration.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms";
}

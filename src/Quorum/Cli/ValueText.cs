using System.Text;
using System.Text.Unicode;

namespace Quorum.Cli;

/// <summary>
/// Shows a value on one line: as text when it is UTF-8 without control characters, else as
/// <c>base64:</c> followed by its base64 (so is a text value that itself starts with <c>base64:</c>,
/// which keeps the two apart).
/// </summary>
internal static class ValueText
{
    /// <summary>What a value shown as base64 starts with.</summary>
    public const string Base64Prefix = "base64:";

    /// <summary>Shows a value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text, or <c>base64:</c> and the base64.</returns>
    public static string Show(ReadOnlySpan<byte> value)
    {
        if (Utf8.IsValid(value))
        {
            var text = Encoding.UTF8.GetString(value);
            if (!text.StartsWith(Base64Prefix, StringComparison.Ordinal) && !text.Any(char.IsControl))
                return text;
        }

        return Base64Prefix + Convert.ToBase64String(value);
    }
}

using System.Text;

namespace Quorum.Serve;

/// <summary>The help text of <c>quorum serve</c>, made from the settings table so it cannot drift from it.</summary>
internal static class ServeHelp
{
    /// <summary>Gets the text.</summary>
    public static string Text { get; } = Build();

    private static string Build()
    {
        var text = new StringBuilder();
        text.AppendLine("usage: quorum serve [options]");
        text.AppendLine();
        text.AppendLine("Runs one node. Every option can also be set by its environment variable; the option wins.");
        text.AppendLine("With no data and no --join, the node bootstraps a new one-node cluster and leads it.");
        text.AppendLine();
        foreach (var (flag, variable, defaultValue, meaning) in ServeSettings.Table)
            text.AppendLine($"  {flag,-20} {variable,-18} {meaning} (default: {defaultValue})");

        text.AppendLine();
        text.AppendLine("Exit codes: 0 clean stop, 1 bad configuration or unusable data directory, 2 usage error.");
        return text.ToString();
    }
}

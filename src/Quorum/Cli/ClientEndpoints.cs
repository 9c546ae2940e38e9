using System.CommandLine;

namespace Quorum.Cli;

/// <summary>
/// The members a client verb talks to: <c>--endpoints URL[,URL...]</c>, else the environment
/// variable <c>QUORUM_ENDPOINTS</c>, else <c>http://127.0.0.1:8080</c>.
/// </summary>
internal static class ClientEndpoints
{
    /// <summary>The flag, which every client verb takes.</summary>
    public static readonly Option<string> Flag = new("--endpoints") { Description = $"the members' HTTP URLs, comma-separated [env: {Variable}] [default: {Default}]", HelpName = "URL[,URL...]" };

    /// <summary>The environment variable.</summary>
    public const string Variable = "QUORUM_ENDPOINTS";

    /// <summary>The endpoint when neither the flag nor the variable is set.</summary>
    public const string Default = "http://127.0.0.1:8080";

    /// <summary>Reads the endpoints.</summary>
    /// <param name="result">The verb's parsed command line.</param>
    /// <param name="environment">Reads an environment variable.</param>
    /// <returns>The members' base URLs, in the order given.</returns>
    /// <exception cref="UsageException">The flag holds something that is not an http(s) URL.</exception>
    /// <exception cref="ConfigurationException">The variable holds something that is not an http(s) URL.</exception>
    public static IReadOnlyList<Uri> Read(ParseResult result, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(environment);
        if (result.GetValue(Flag) is { } flag)
            return Parse(flag) ?? throw new UsageException($"{Flag.Name} must be http:// or https:// URLs separated by commas; got '{flag}'");

        if (environment(Variable) is { Length: > 0 } variable)
            return Parse(variable) ?? throw new ConfigurationException($"{Variable} must be http:// or https:// URLs separated by commas; got '{variable}'.");

        return [new Uri(Default)];
    }

    private static Uri[]? Parse(string text)
    {
        var endpoints = new List<Uri>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Query.Length > 0 || uri.Fragment.Length > 0)
                return null;
            endpoints.Add(uri);
        }

        return endpoints.Count > 0 ? [.. endpoints] : null;
    }
}

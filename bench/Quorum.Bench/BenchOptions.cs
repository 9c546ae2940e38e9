using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Quorum.Bench;

/// <summary>What to measure: the command line of <c>quorum-bench</c>, parsed by System.CommandLine.</summary>
internal sealed class BenchOptions
{
    private static readonly Option<string> TargetOption = Choice("--target", "what to drive", "quorum", "quorum", "etcd");
    private static readonly Option<string> EndpointsOption = new("--endpoints") { Description = "the nodes: Quorum HTTP URLs or etcd client URLs, comma-separated", HelpName = "URL[,URL...]", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
    private static readonly Option<string> RoutingOption = Choice("--routing", "where requests go: leader (writes to the leader, reads from endpoint client mod n) or any (every request to the next endpoint in turn, as behind a load balancer; a follower passes writes on to its leader)", "leader", "leader", "any");
    private static readonly Option<string> WorkloadOption = Choice("--workload", "put | get (linearizable) | get-stale | mixed (90% get, 10% put)", "put", "put", "get", "get-stale", "mixed");
    private static readonly Option<int> ClientsOption = Count("--clients", "concurrent clients, each with one request in flight", 16);
    private static readonly Option<TimeSpan> DurationOption = DurationFlag("--duration", "how long to measure, like 10s", TimeSpan.FromSeconds(10));
    private static readonly Option<TimeSpan> WarmupOption = DurationFlag("--warmup", "load before measuring, not counted", TimeSpan.FromSeconds(3));
    private static readonly Option<int> ValueSizeOption = Count("--value-size", "bytes per value", 256);
    private static readonly Option<int> KeysOption = Count("--keys", "distinct keys; read workloads write them all first", 10_000);
    private static readonly Option<bool> NoPopulateOption = new("--no-populate") { Description = "read workloads do not write the keys first: they are there already" };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "print the result as JSON instead of a table" };
    private static readonly Option<string> CaCertOption = new("--cacert") { Description = "PEM CA bundle the servers' certificates chain to (https endpoints)", HelpName = "FILE" };
    private static readonly Option<string> CertOption = new("--cert") { Description = "PEM client certificate to present (with --key)", HelpName = "FILE" };
    private static readonly Option<string> KeyOption = new("--key") { Description = "PEM private key of --cert", HelpName = "FILE" };
    private static readonly Option<string> UserOption = new("--user") { Description = "send requests as this user (Quorum: Basic, verified once per node and then cached; etcd: a token from Authenticate)", HelpName = "NAME:PASSWORD" };
    private static readonly Option<bool> NoProgressOption = new("--no-progress") { Description = "no progress line on stderr" };

    public string Target { get; private init; } = "quorum";

    public IReadOnlyList<string> Endpoints { get; private init; } = [];

    public string Workload { get; private init; } = "put";

    /// <summary>Gets a value indicating whether every request goes to the next endpoint in turn (<c>--routing any</c>) rather than writes to the leader.</summary>
    public bool RoundRobin { get; private init; }

    public int Clients { get; private init; }

    public TimeSpan Duration { get; private init; }

    public TimeSpan Warmup { get; private init; }

    public int ValueSize { get; private init; }

    public int Keys { get; private init; }

    public bool Json { get; private init; }

    public bool Progress { get; private init; }

    public bool Populate { get; private init; }

    /// <summary>Gets the TLS files and the user to reach the store with.</summary>
    public BenchSecurity Security { get; private init; } = new(null, null, null, null, null);

    /// <summary>Creates the command line: every flag, its default and its check.</summary>
    /// <returns>The root command; its action is set by the program.</returns>
    public static RootCommand CreateCommand() => new(
        "Load generator for Quorum and etcd. With --routing leader (the default) writes go to the leader (found through the endpoints) and reads are spread over all endpoints, client i using endpoint i mod n; with --routing any every request goes to the next endpoint in turn. The same rule holds for both targets.")
    {
        TargetOption, EndpointsOption, RoutingOption, WorkloadOption, ClientsOption, DurationOption, WarmupOption, ValueSizeOption, KeysOption, NoPopulateOption, JsonOption, NoProgressOption,
        CaCertOption, CertOption, KeyOption, UserOption,
    };

    /// <summary>Reads the options from a parsed command line without errors.</summary>
    /// <param name="result">The parsed command line.</param>
    /// <returns>The options.</returns>
    public static BenchOptions From(ParseResult result) => new()
    {
        Target = result.GetRequiredValue(TargetOption),
        Endpoints = result.GetRequiredValue(EndpointsOption).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(e => e.TrimEnd('/')).ToArray(),
        Workload = result.GetRequiredValue(WorkloadOption),
        RoundRobin = result.GetRequiredValue(RoutingOption) == "any",
        Clients = result.GetValue(ClientsOption),
        Duration = result.GetValue(DurationOption),
        Warmup = result.GetValue(WarmupOption),
        ValueSize = result.GetValue(ValueSizeOption),
        Keys = result.GetValue(KeysOption),
        Populate = !result.GetValue(NoPopulateOption),
        Json = result.GetValue(JsonOption),
        Progress = !result.GetValue(NoProgressOption),
        Security = new BenchSecurity(
            result.GetValue(CaCertOption),
            result.GetValue(CertOption),
            result.GetValue(KeyOption),
            result.GetValue(UserOption)?.Split(':', 2)[0],
            result.GetValue(UserOption)?.Split(':', 2) is [_, var password] ? password : null),
    };

    private static Option<string> Choice(string name, string description, string defaultValue, params string[] choices)
    {
        var option = new Option<string>(name) { Description = $"{description} (default {defaultValue})", DefaultValueFactory = _ => defaultValue };
        option.AcceptOnlyFromAmong(choices);
        return option;
    }

    private static Option<int> Count(string name, string description, int defaultValue) => new(name)
    {
        Description = $"{description} (default {defaultValue})",
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => Parse<int>(result, text => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : null, $"{name} must be a whole number of at least 1"),
    };

    private static Option<TimeSpan> DurationFlag(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = $"{description} (default {defaultValue.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s)",
        HelpName = "D",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => Parse<TimeSpan>(result, ParseDuration, $"{name} must be a duration such as 500ms, 10s or 2m"),
    };

    private static T Parse<T>(ArgumentResult result, Func<string, T?> parse, string error)
        where T : struct
    {
        var text = result.Tokens is [var token] ? token.Value : string.Empty;
        if (parse(text) is { } value)
            return value;

        result.AddError($"{error}; got '{text}'");
        return default;
    }

    private static TimeSpan? ParseDuration(string text)
    {
        var (digits, scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        return double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) && number >= 0
            ? TimeSpan.FromSeconds(number * scale)
            : null;
    }
}

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Reflection;

namespace Quorum.Chaos;

/// <summary>The settings of a run: the command line of <c>quorum-chaos</c>, parsed by System.CommandLine.</summary>
internal sealed class ChaosOptions
{
    private static readonly Option<bool> InsideOption = new("--inside") { Description = "(internal) this is the run inside the namespace", Hidden = true };
    private static readonly Option<int> NodesOption = Number("--nodes", "cluster size", 3, min: 1, max: 9);
    private static readonly Option<double?> MinutesOption = new("--minutes") { Description = "how long to inject faults, in minutes (or --duration)", HelpName = "M" };
    private static readonly Option<TimeSpan> DurationOption = new("--duration")
    {
        Description = "how long to inject faults, like 90s or 10m (default 2m)",
        HelpName = "D",
        DefaultValueFactory = _ => TimeSpan.FromMinutes(2),
        CustomParser = result => ParseDuration(result),
    };

    private static readonly Option<int> SeedOption = new("--seed") { Description = "random seed (default: time-based, printed)", HelpName = "S", DefaultValueFactory = _ => Environment.TickCount & 0x7FFFFFFF };
    private static readonly Option<string> ScenarioOption = Choice("--scenario", "chaos (default), partition-proof or clock-proof", "chaos", "partition-proof", "clock-proof");
    private static readonly Option<string[]> FaultsOption = new("--nemesis", "--faults")
    {
        Description = $"fault kinds to cycle through, comma-separated, or 'all' (the default): {string.Join(", ", Nemesis.Nemesis.Kinds)}",
        HelpName = "a,b,...",
        DefaultValueFactory = _ => [.. Nemesis.Nemesis.Kinds],
        CustomParser = result => ParseFaults(result),
    };

    private static readonly Option<bool> PlantedStaleReadsOption = new("--planted-stale-reads") { Description = "start nodes with the test-only switch that skips the read barrier" };
    private static readonly Option<bool> PlantedSkipQuorumRoundOption = new("--planted-skip-quorum-round") { Description = "start nodes with the test-only switch that makes the leader hand out read indexes without its quorum round" };
    private static readonly Option<bool> PlantedUnsafeAckOption = new("--planted-unsafe-ack") { Description = "start nodes with the test-only switch that makes followers acknowledge appends before they flush them (lose-unsynced must then lose writes)" };
    private static readonly Option<bool> PlantedWatchGapOption = new("--planted-watch-gap") { Description = "make one watcher of the watch workload drop one event it received, to prove the watch check catches a gap" };
    private static readonly Option<bool> NoRaftProxyOption = new("--no-raft-proxy") { Description = "let nodes dial each other's Raft ports directly even when the schedule has the delay kind (which is then skipped)" };
    private static readonly Option<bool> ClockSkewOption = new("--clock-skew") { Description = "run each node on a wall clock of its own (libfaketime) and step one every 2-4 s, up to 30 s either way" };
    private static readonly Option<int> SnapshotIntervalOption = Number("--snapshot-interval", "nodes' snapshot interval (so snapshots happen)", 200, min: 1, max: int.MaxValue);
    private static readonly Option<string> WorkDirOption = new("--work-dir") { Description = "node data, logs and the history (default: a new folder under the temporary directory)", HelpName = "DIR" };
    private static readonly Option<string> ResultOption = new("--result") { Description = "also write the result as JSON", HelpName = "FILE" };
    private static readonly Option<string> QuorumOption = new("--quorum") { Description = "the quorum.dll to run (default: the one built beside this program)", HelpName = "FILE" };
    private static readonly Option<bool> SecureOption = new("--secure") { Description = "run with TLS (HTTPS and peer mTLS) and auth on: the workloads speak as a user whose role may read and write every key" };
    private static readonly Option<bool> VerboseOption = new("--verbose") { Description = "print the run's log (always kept in <work-dir>/run.log)" };

    public int Nodes { get; private init; }

    public TimeSpan Duration { get; private init; }

    public int Seed { get; private init; }

    public string Scenario { get; private init; } = string.Empty;

    public IReadOnlyList<string> Faults { get; private init; } = [];

    public bool PlantedStaleReads { get; private init; }

    /// <summary>Gets a value indicating that nodes run on wall clocks of their own, stepped during the run.</summary>
    public bool ClockSkew { get; private init; }

    public bool PlantedSkipQuorumRound { get; private init; }

    /// <summary>Gets a value indicating that followers acknowledge appends before flushing them: a planted bug lose-unsynced must catch.</summary>
    public bool PlantedUnsafeAck { get; private init; }

    /// <summary>Gets a value indicating that nodes dial each other directly, without the Raft proxies the delay kind needs.</summary>
    public bool NoRaftProxy { get; private init; }

    /// <summary>Gets a value indicating that one watcher drops one event: a planted harness bug the watch check must catch.</summary>
    public bool PlantedWatchGap { get; private init; }

    public bool Verbose { get; private init; }

    /// <summary>Gets a value indicating whether nodes run with TLS and auth on.</summary>
    public bool Secure { get; private init; }

    public int SnapshotInterval { get; private init; }

    public string WorkDirectory { get; private init; } = string.Empty;

    public string? ResultPath { get; private init; }

    public string QuorumProgram { get; private init; } = string.Empty;

    /// <summary>Gets a value indicating that this process already runs inside the run's namespace.</summary>
    public bool Inside { get; private init; }


    /// <summary>Creates the command line: every flag, its default and its check.</summary>
    /// <returns>The root command; its action is set by the program.</returns>
    public static RootCommand CreateCommand() => new("The fault-injection suite: runs a cluster in a private network namespace, injects faults, and checks the history (as root).")
    {
        InsideOption, NodesOption, MinutesOption, DurationOption, SeedOption, ScenarioOption, FaultsOption, PlantedStaleReadsOption,
        PlantedSkipQuorumRoundOption, PlantedUnsafeAckOption, PlantedWatchGapOption, NoRaftProxyOption, ClockSkewOption, SnapshotIntervalOption, WorkDirOption, ResultOption, QuorumOption, VerboseOption, SecureOption,
    };

    /// <summary>Reads the options from a parsed command line without errors.</summary>
    /// <param name="result">The parsed command line.</param>
    /// <returns>The options.</returns>
    public static ChaosOptions From(ParseResult result) => new()
    {
        Inside = result.GetValue(InsideOption),
        Nodes = result.GetValue(NodesOption),
        Duration = result.GetValue(MinutesOption) is { } minutes ? TimeSpan.FromMinutes(minutes) : result.GetValue(DurationOption),
        Seed = result.GetValue(SeedOption),
        Scenario = result.GetRequiredValue(ScenarioOption),
        Faults = result.GetRequiredValue(FaultsOption),
        PlantedStaleReads = result.GetValue(PlantedStaleReadsOption),
        PlantedSkipQuorumRound = result.GetValue(PlantedSkipQuorumRoundOption),
        PlantedUnsafeAck = result.GetValue(PlantedUnsafeAckOption),
        PlantedWatchGap = result.GetValue(PlantedWatchGapOption),
        NoRaftProxy = result.GetValue(NoRaftProxyOption),
        ClockSkew = result.GetValue(ClockSkewOption),
        SnapshotInterval = result.GetValue(SnapshotIntervalOption),
        WorkDirectory = Path.GetFullPath(result.GetValue(WorkDirOption) ?? DefaultWorkDirectory()),
        ResultPath = result.GetValue(ResultOption) is { } resultPath ? Path.GetFullPath(resultPath) : null,
        QuorumProgram = result.GetValue(QuorumOption) is { } quorum ? Path.GetFullPath(quorum) : FindQuorumProgram(),
        Verbose = result.GetValue(VerboseOption),
        Secure = result.GetValue(SecureOption),
    };

    /// <summary>
    /// The command line of the run inside the namespace: every setting spelled out, the defaults
    /// pinned, so that run uses the same seed, directory and program.
    /// </summary>
    /// <returns>The arguments, without <c>--inside</c>.</returns>
    public IReadOnlyList<string> InsideArguments()
    {
        var args = new List<string>
        {
            "--nodes", Nodes.ToString(CultureInfo.InvariantCulture),
            "--duration", Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s",
            "--seed", Seed.ToString(CultureInfo.InvariantCulture),
            "--scenario", Scenario,
            "--nemesis", string.Join(',', Faults),
            "--snapshot-interval", SnapshotInterval.ToString(CultureInfo.InvariantCulture),
            "--work-dir", WorkDirectory,
            "--quorum", QuorumProgram,
        };
        if (ResultPath is not null)
            args.AddRange(["--result", ResultPath]);
        if (PlantedStaleReads)
            args.Add("--planted-stale-reads");
        if (PlantedSkipQuorumRound)
            args.Add("--planted-skip-quorum-round");
        if (PlantedUnsafeAck)
            args.Add("--planted-unsafe-ack");
        if (PlantedWatchGap)
            args.Add("--planted-watch-gap");
        if (NoRaftProxy)
            args.Add("--no-raft-proxy");
        if (ClockSkew)
            args.Add("--clock-skew");
        if (Verbose)
            args.Add("--verbose");
        if (Secure)
            args.Add("--secure");

        return args;
    }

    private static string DefaultWorkDirectory()
        => Path.Combine(Path.GetTempPath(), "quorum-chaos", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

    private static Option<int> Number(string name, string description, int defaultValue, int min, int max) => new(name)
    {
        Description = $"{description} (default {defaultValue})",
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens is [var token] ? token.Value : string.Empty;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
                return number;

            result.AddError(max == int.MaxValue ? $"{name} must be at least {min}; got '{text}'" : $"{name} must be {min} to {max}; got '{text}'");
            return defaultValue;
        },
    };

    private static Option<string> Choice(string name, string description, params string[] choices)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => choices[0] };
        option.AcceptOnlyFromAmong(choices);
        return option;
    }

    private static TimeSpan ParseDuration(ArgumentResult result)
    {
        var text = result.Tokens is [var token] ? token.Value : string.Empty;
        var (digits, unit) = text.EndsWith('m') ? (text[..^1], 60) : text.EndsWith('s') ? (text[..^1], 1) : (text, 1);
        if (double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) && number > 0)
            return TimeSpan.FromSeconds(number * unit);

        result.AddError($"--duration must be a duration such as 90s or 10m; got '{text}'");
        return TimeSpan.Zero;
    }

    private static string[] ParseFaults(ArgumentResult result)
    {
        var text = result.Tokens is [var token] ? token.Value : string.Empty;
        var faults = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (faults is ["all"])
            return [.. Nemesis.Nemesis.Kinds];

        if (faults.Length > 0 && faults.All(Nemesis.Nemesis.Kinds.Contains))
            return faults;

        result.AddError($"--nemesis (--faults) takes 'all' or some of: {string.Join(", ", Nemesis.Nemesis.Kinds)}");
        return [];
    }

    private static string FindQuorumProgram()
    {
        var configuration = typeof(ChaosOptions).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Quorum.slnx")))
                return Path.Combine(directory.FullName, "src", "Quorum", "bin", configuration, "net10.0", "quorum.dll");
        }

        return Path.Combine(AppContext.BaseDirectory, "quorum.dll");
    }
}

using System.Globalization;
using System.Reflection;

namespace Quorum.Chaos;

/// <summary>The settings of a run, from the command line.</summary>
internal sealed class ChaosOptions
{
    public const string Usage = """
        usage: quorum-chaos [options]            (as root: it creates a network namespace)

          --nodes N                 cluster size (default 3)
          --minutes M | --duration D
                                    how long to inject faults (default 2m; D like 90s, 10m)
          --seed S                  random seed (default: time-based, printed)
          --scenario NAME           chaos (default), partition-proof or clock-proof
          --faults a,b,...          fault kinds to cycle through (default: all)
          --planted-stale-reads     start nodes with the test-only switch that skips the read barrier
          --planted-skip-quorum-round
                                    start nodes with the test-only switch that makes the leader hand
                                    out read indexes without its quorum round
          --clock-skew              run each node on a wall clock of its own (libfaketime) and
                                    step one every 2-4 s, up to 30 s either way
          --snapshot-interval N     nodes' snapshot interval (default 200, so snapshots happen)
          --work-dir DIR            node data, logs and the history (default /tmp/quorum-chaos/<run>)
          --result FILE             also write the result as JSON
          --quorum FILE             the quorum.dll to run (default: the one built beside this program)
          --verbose                 print the run's log (always kept in <work-dir>/run.log)
        """;

    public int Nodes { get; private set; } = 3;

    public TimeSpan Duration { get; private set; } = TimeSpan.FromMinutes(2);

    public int Seed { get; private set; } = Environment.TickCount & 0x7FFFFFFF;

    public string Scenario { get; private set; } = "chaos";

    public IReadOnlyList<string> Faults { get; private set; } = Nemesis.Nemesis.Kinds;

    public bool PlantedStaleReads { get; private set; }

    /// <summary>Gets a value indicating that nodes run on wall clocks of their own, stepped during the run.</summary>
    public bool ClockSkew { get; private set; }

    public bool PlantedSkipQuorumRound { get; private set; }

    public bool Verbose { get; private set; }

    public int SnapshotInterval { get; private set; } = 200;

    public string WorkDirectory { get; private set; } = Path.Combine(Path.GetTempPath(), "quorum-chaos", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

    public string? ResultPath { get; private set; }

    public string QuorumProgram { get; private set; } = FindQuorumProgram();

    /// <summary>Gets a value indicating that this process already runs inside the run's namespace.</summary>
    public bool Inside { get; private set; }

    /// <summary>Gets the arguments as given, for handing to the process inside the namespace.</summary>
    public IReadOnlyList<string> Arguments { get; private set; } = [];

    public static ChaosOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ChaosOptions();
        var forwarded = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value()
            {
                var value = i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value");
                forwarded.Add(arg);
                forwarded.Add(value);
                return value;
            }

            switch (arg)
            {
                case "--inside":
                    options.Inside = true;
                    break;
                case "--nodes":
                    options.Nodes = int.Parse(Value(), CultureInfo.InvariantCulture) is var n and >= 1 and <= 9 ? n : throw new ArgumentException("--nodes must be 1 to 9");
                    break;
                case "--minutes":
                    options.Duration = TimeSpan.FromMinutes(double.Parse(Value(), CultureInfo.InvariantCulture));
                    break;
                case "--duration":
                    options.Duration = ParseDuration(Value());
                    break;
                case "--seed":
                    options.Seed = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--scenario":
                    var scenario = Value();
                    options.Scenario = scenario is "chaos" or "partition-proof" or "clock-proof" ? scenario : throw new ArgumentException("--scenario is chaos, partition-proof or clock-proof");
                    break;
                case "--faults":
                    var faults = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    options.Faults = faults.Length > 0 && faults.All(Nemesis.Nemesis.Kinds.Contains)
                        ? faults
                        : throw new ArgumentException($"--faults takes some of: {string.Join(", ", Nemesis.Nemesis.Kinds)}");
                    break;
                case "--planted-stale-reads":
                    options.PlantedStaleReads = true;
                    forwarded.Add(arg);
                    break;
                case "--planted-skip-quorum-round":
                    options.PlantedSkipQuorumRound = true;
                    forwarded.Add(arg);
                    break;
                case "--clock-skew":
                    options.ClockSkew = true;
                    forwarded.Add(arg);
                    break;
                case "--verbose":
                    options.Verbose = true;
                    forwarded.Add(arg);
                    break;
                case "--snapshot-interval":
                    options.SnapshotInterval = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--work-dir":
                    options.WorkDirectory = Path.GetFullPath(Value());
                    break;
                case "--result":
                    options.ResultPath = Path.GetFullPath(Value());
                    break;
                case "--quorum":
                    options.QuorumProgram = Path.GetFullPath(Value());
                    break;
                default:
                    throw new ArgumentException($"unknown option '{arg}'");
            }
        }

        // Pin the defaults, so the run inside the namespace uses the same seed, directory and program.
        forwarded.AddRange(["--seed", options.Seed.ToString(CultureInfo.InvariantCulture), "--work-dir", options.WorkDirectory, "--quorum", options.QuorumProgram]);
        options.Arguments = forwarded;
        return options;
    }

    private static TimeSpan ParseDuration(string text)
    {
        var (digits, unit) = text.EndsWith('m') ? (text[..^1], 60) : text.EndsWith('s') ? (text[..^1], 1) : (text, 1);
        return TimeSpan.FromSeconds(double.Parse(digits, CultureInfo.InvariantCulture) * unit);
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

using System.Globalization;

namespace Quorum.Bench;

/// <summary>What to measure, from the command line.</summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        usage: quorum-bench [options]

          --target quorum|etcd        what to drive (default quorum)
          --endpoints URL[,URL...]    the nodes: Quorum HTTP URLs or etcd client URLs (default http://127.0.0.1:8080)
          --workload NAME             put | get (linearizable) | get-stale | mixed (90% get, 10% put) (default put)
          --clients N                 concurrent clients, each with one request in flight (default 16)
          --duration D                how long to measure, like 10s (default 10s)
          --warmup D                  load before measuring, not counted (default 3s)
          --value-size N              bytes per value (default 256)
          --keys N                    distinct keys; read workloads write them all first (default 10000)
          --no-populate               read workloads do not write the keys first: they are there already
          --json                      print the result as JSON instead of a table
          --no-progress               no progress line on stderr

        Writes go to the leader (found through the endpoints); reads are spread over all endpoints,
        client i using endpoint i mod n. The same rule holds for both targets.
        """;

    public string Target { get; private set; } = "quorum";

    public IReadOnlyList<string> Endpoints { get; private set; } = ["http://127.0.0.1:8080"];

    public string Workload { get; private set; } = "put";

    public int Clients { get; private set; } = 16;

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(3);

    public int ValueSize { get; private set; } = 256;

    public int Keys { get; private set; } = 10_000;

    public bool Json { get; private set; }

    public bool Progress { get; private set; } = true;

    public bool Populate { get; private set; } = true;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            switch (arg)
            {
                case "--target":
                    options.Target = Value() is ("quorum" or "etcd") and var target ? target : throw new ArgumentException("--target is quorum or etcd");
                    break;
                case "--endpoints":
                    options.Endpoints = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(e => e.TrimEnd('/')).ToArray();
                    break;
                case "--workload":
                    options.Workload = Value() is ("put" or "get" or "get-stale" or "mixed") and var workload ? workload : throw new ArgumentException("--workload is put, get, get-stale or mixed");
                    break;
                case "--clients":
                    options.Clients = int.Parse(Value(), CultureInfo.InvariantCulture) is var clients and >= 1 ? clients : throw new ArgumentException("--clients must be at least 1");
                    break;
                case "--duration":
                    options.Duration = ParseDuration(Value());
                    break;
                case "--warmup":
                    options.Warmup = ParseDuration(Value());
                    break;
                case "--value-size":
                    options.ValueSize = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--keys":
                    options.Keys = int.Parse(Value(), CultureInfo.InvariantCulture) is var keys and >= 1 ? keys : throw new ArgumentException("--keys must be at least 1");
                    break;
                case "--json":
                    options.Json = true;
                    break;
                case "--no-progress":
                    options.Progress = false;
                    break;
                case "--no-populate":
                    options.Populate = false;
                    break;
                default:
                    throw new ArgumentException($"unknown option '{arg}'");
            }
        }

        return options;
    }

    private static TimeSpan ParseDuration(string text)
    {
        var (digits, scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        return TimeSpan.FromSeconds(double.Parse(digits, CultureInfo.InvariantCulture) * scale);
    }
}

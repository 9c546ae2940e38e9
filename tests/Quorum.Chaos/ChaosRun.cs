using System.Collections.Concurrent;
using System.Diagnostics;
using Quorum.Chaos.Checker;
using Quorum.Chaos.Cluster;
using Quorum.Chaos.History;
using Quorum.Chaos.Network;
using Quorum.Chaos.Workloads;

namespace Quorum.Chaos;

/// <summary>One run, inside the namespace: start the cluster, run the workloads under the nemesis, heal, settle, and check.</summary>
internal static class ChaosRun
{
    /// <summary>The environment variable that makes a node skip the read barrier: a planted bug, for proving the checker catches stale reads.</summary>
    public const string PlantedBugVariable = "QUORUM_TEST_ONLY_SKIP_READ_BARRIER";

    private const int RegisterClients = 8;
    private const int RegisterKeys = 5;
    private const int UniqueWriters = 3;
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan RecoveryTraffic = TimeSpan.FromSeconds(3);

    public static async Task<ChaosReport> RunAsync(ChaosOptions options, CancellationToken token)
    {
        var program = PrepareWorkDirectory(options);
        RunLog.Open(Path.Combine(options.WorkDirectory, "run.log"), options.Verbose);
        var firewall = Firewall.Create();
        var environment = options.PlantedStaleReads ? new Dictionary<string, string> { [PlantedBugVariable] = "1" } : [];
        string[] nodeArgs = ["--snapshot-interval", options.SnapshotInterval.ToString(System.Globalization.CultureInfo.InvariantCulture)];

        RunLog.Write($"starting {options.Nodes} nodes in {options.WorkDirectory} (seed {options.Seed})");
        await using var cluster = await ChaosCluster.StartAsync(options.Nodes, options.WorkDirectory, program, nodeArgs, environment);
        return options.Scenario == "partition-proof"
            ? await PartitionProof.RunAsync(options, cluster, firewall)
            : await RunChaosAsync(options, cluster, firewall, token);
    }

    private static async Task<ChaosReport> RunChaosAsync(ChaosOptions options, ChaosCluster cluster, Firewall firewall, CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        var history = new HistoryRecorder();
        using var operations = new HttpOperations(history);
        var acknowledged = new ConcurrentDictionary<string, string>();
        var random = new Random(options.Seed);
        var nemesis = new Nemesis.Nemesis(cluster, firewall, random);
        var problems = new List<string>();

        using var stopWorkloads = CancellationTokenSource.CreateLinkedTokenSource(token);
        using var stopFaults = CancellationTokenSource.CreateLinkedTokenSource(token);
        stopFaults.CancelAfter(options.Duration);
        var workloads = Task.WhenAll(
            RegisterWorkload.RunAsync(cluster, operations, RegisterClients, RegisterKeys, firstProcess: 1, options.Seed, stopWorkloads.Token),
            UniqueWritesWorkload.RunAsync(cluster, operations, UniqueWriters, firstProcess: 101, options.Seed, acknowledged, stopWorkloads.Token));

        RunLog.Write($"workloads running; injecting faults for {options.Duration.TotalSeconds:0}s: {string.Join(", ", options.Faults)}");
        await nemesis.RunAsync(options.Faults, stopFaults.Token);

        // Keep the clients going while the healed cluster recovers, so recovery is in the history
        // too; then stop them and let every node catch up before the final checks.
        var converged = true;
        try
        {
            await Wait.UntilAsync(async () => await cluster.FindLeaderAsync() is not null, SettleTimeout, "a leader after healing", token);
            await Task.Delay(RecoveryTraffic, token);
        }
        catch (TimeoutException e)
        {
            converged = false;
            problems.Add(e.Message);
        }

        await stopWorkloads.CancelAsync();
        await workloads;
        try
        {
            await cluster.WaitUntilConvergedAsync(SettleTimeout);
        }
        catch (TimeoutException e)
        {
            converged = false;
            problems.Add(e.Message);
        }

        RunLog.Write($"{history.Count} operations; {acknowledged.Count} unique writes acknowledged; checking");
        var lost = converged ? await UniqueWritesWorkload.FindLostAsync(cluster, acknowledged) : [];
        problems.AddRange(lost.Take(20).Select(static l => "lost: " + l));

        var historyPath = Path.Combine(options.WorkDirectory, "history.jsonl");
        history.WriteTo(historyPath);
        var results = LinearizabilityChecker.Check(history.Snapshot().Where(static op => op.Key.StartsWith(RegisterWorkload.KeyPrefix, StringComparison.Ordinal)));
        foreach (var violation in results.Where(static r => r.Verdict == Verdict.Violation))
        {
            problems.Add($"not linearizable: {violation.Key}");
            RunLog.Write($"VIOLATION on {violation.Key}:\n{violation.Explanation}");
        }

        if (!converged)
        {
            foreach (var node in cluster.Nodes)
                RunLog.Write($"--- last lines of {node.Id} ---\n{node.Tail(30)}");
        }

        return new ChaosReport
        {
            Scenario = options.Scenario,
            Nodes = options.Nodes,
            Seed = options.Seed,
            Seconds = clock.Elapsed.TotalSeconds,
            Operations = history.Count,
            Faults = new Dictionary<string, int>(nemesis.Counts),
            Linearizable = results.All(static r => r.Verdict != Verdict.Violation),
            KeysChecked = results.Count,
            KeysUndecided = results.Count(static r => r.Verdict == Verdict.Unknown),
            AcknowledgedWrites = acknowledged.Count,
            AcknowledgedWritesLost = lost.Count,
            Converged = converged,
            Problems = problems,
            History = historyPath,
            WorkDirectory = options.WorkDirectory,
        };
    }

    // Node processes run under their own uids, so they get a copy of the program they can read.
    private static string PrepareWorkDirectory(ChaosOptions options)
    {
        var source = Path.GetDirectoryName(options.QuorumProgram)!;
        if (!File.Exists(options.QuorumProgram))
            throw new FileNotFoundException($"Build src/Quorum first: {options.QuorumProgram} is missing.");

        var bin = Path.Combine(options.WorkDirectory, "bin");
        Directory.CreateDirectory(bin);
        foreach (var file in Directory.EnumerateFiles(source))
            File.Copy(file, Path.Combine(bin, Path.GetFileName(file)), overwrite: true);

        Shell.Check("chmod", "-R", "a+rX", options.WorkDirectory);

        return Path.Combine(bin, Path.GetFileName(options.QuorumProgram));
    }
}

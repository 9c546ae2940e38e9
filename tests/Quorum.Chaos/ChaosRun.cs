using System.Diagnostics;
using Quorum.Chaos.Checker;
using Quorum.Chaos.Clocks;
using Quorum.Chaos.Cluster;
using Quorum.Chaos.History;
using Quorum.Chaos.Network;
using Quorum.Chaos.Workloads;

namespace Quorum.Chaos;

/// <summary>One run, inside the namespace: start the cluster, run the workloads under the nemesis, heal, settle, and check.</summary>
internal static partial class ChaosRun
{
    /// <summary>The environment variable that makes a node skip the read barrier: a blunt planted bug, for proving the checker catches stale reads.</summary>
    public const string PlantedBugVariable = "QUORUM_TEST_ONLY_SKIP_READ_BARRIER";

    /// <summary>The environment variable that makes the leader hand out read indexes without its quorum round: the finer planted bug.</summary>
    public const string PlantedQuorumRoundBugVariable = "QUORUM_TEST_ONLY_SKIP_READ_INDEX_QUORUM_ROUND";

    /// <summary>The test-only switch that makes followers acknowledge appends before they flush them (see Quorum.Store's DurableWriteAheadLog).</summary>
    public const string PlantedUnsafeAckVariable = "QUORUM_TEST_UNSAFE_ACK_BEFORE_FLUSH";

    private const int RegisterClients = 8;
    private const int RegisterKeys = 5;
    private const int UniqueWriters = 3;
    private const int LeaseWriters = 2;
    private const int Watchers = 3;

    // Recent changes each node keeps for watches from a past revision: all of a run's, so watchers
    // and the final reference rarely meet a 410 but on a node that restarted from a snapshot.
    private const string WatchHistory = "1000000";
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(120);
    // Per 3 nodes: the work asked for grows with the (key, node) pairs, and on 2 cores the
    // throughput does not (a 5-node run got 8-9 of the 10 compare-and-sets per pair in 60 s).
    private static readonly TimeSpan RecoveryWorkTimeoutPerThreeNodes = TimeSpan.FromSeconds(60);

    public static async Task<ChaosReport> RunAsync(ChaosOptions options, CancellationToken token)
    {
        var program = PrepareWorkDirectory(options);
        RunLog.Open(Path.Combine(options.WorkDirectory, "run.log"), options.Verbose);
        var firewall = Firewall.Create();
        var environment = new Dictionary<string, string>();
        if (options.PlantedStaleReads)
            environment[PlantedBugVariable] = "1";
        if (options.PlantedSkipQuorumRound)
            environment[PlantedQuorumRoundBugVariable] = "1";
        if (options.PlantedUnsafeAck)
            environment[PlantedUnsafeAckVariable] = "1";
        string[] nodeArgs = ["--snapshot-interval", options.SnapshotInterval.ToString(System.Globalization.CultureInfo.InvariantCulture), "--watch-history", WatchHistory];

        RunLog.Write($"starting {options.Nodes} nodes in {options.WorkDirectory} (seed {options.Seed})");
        // The clock-skew kind steps clocks only of nodes on fake clocks; without libfaketime it is skipped.
        var skewClocks = options.ClockSkew || options.Scenario == "clock-proof" || (options.Faults.Contains("clock-skew") && NodeClock.IsAvailable);
        using var security = options.Secure ? ChaosSecurity.Create(options.WorkDirectory) : null;
        // Raft traffic goes through the runner's proxies only when the schedule delays it: on a loaded
        // machine the extra hops halved the clients' throughput (seed 9, kill,pause, 30 s, load 34:
        // 4,598 operations and 328 applied compare-and-sets through the proxies, 9,036 and 758 direct).
        await using var cluster = await ChaosCluster.StartAsync(options.Nodes, options.WorkDirectory, program, nodeArgs, environment, skewClocks, security, raftProxies: options.Faults.Contains("delay") && !options.NoRaftProxy, smallDisks: options.Faults.Contains("disk-full") ? Nemesis.Nemesis.SmallDiskBytes : 0, faultFs: options.Faults.Contains("lose-unsynced") ? FaultFsDisk.Build() : null);
        return options.Scenario switch
        {
            "partition-proof" => await PartitionProof.RunAsync(options, cluster, firewall),
            "clock-proof" => await ClockProof.RunAsync(options, cluster, token),
            _ => await RunChaosAsync(options, cluster, firewall, token),
        };
    }

    private static async Task<ChaosReport> RunChaosAsync(ChaosOptions options, ChaosCluster cluster, Firewall firewall, CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        var history = new HistoryRecorder();
        using var operations = new HttpOperations(history, cluster.Security);
        var uniqueWrites = new UniqueWritesWorkload();
        var nemesis = new Nemesis.Nemesis(cluster, firewall, operations, new Random(options.Seed));
        var clockNemesis = options.ClockSkew ? new ClockNemesis(cluster, new Random(options.Seed + 1)) : null;
        var leadership = new LeadershipTimeline(cluster, history);
        var leases = new LeaseWorkload(cluster, operations, history, options.Seed);
        using var streams = new WatchStreams(cluster.Security);
        var watch = new WatchWorkload(cluster, streams, options.Seed, options.PlantedWatchGap);
        var problems = new List<string>();
        var registerKeys = Enumerable.Range(0, RegisterKeys).Select(RegisterWorkload.Key).ToArray();
        var nodeIds = cluster.Nodes.Select(static n => n.Id).ToArray();

        using var stopWorkloads = CancellationTokenSource.CreateLinkedTokenSource(token);
        using var stopFaults = CancellationTokenSource.CreateLinkedTokenSource(token);
        using var stopWatchingLeaders = CancellationTokenSource.CreateLinkedTokenSource(token);
        stopFaults.CancelAfter(options.Duration);
        var watchingLeaders = leadership.RunAsync(stopWatchingLeaders.Token);
        var workloads = Task.WhenAll(
            RegisterWorkload.RunAsync(cluster, operations, RegisterClients, registerKeys, firstProcess: 1, options.Seed, stopWorkloads.Token),
            uniqueWrites.RunAsync(cluster, operations, UniqueWriters, firstProcess: 101, options.Seed, stopWorkloads.Token),
            leases.RunAsync(LeaseWriters, firstProcess: 201, stopWorkloads.Token),
            watch.RunAsync(operations, Watchers, process: 301, stopWorkloads.Token));

        RunLog.Write($"workloads running; injecting faults for {options.Duration.TotalSeconds:0}s: {string.Join(", ", options.Faults)}{(clockNemesis is null ? string.Empty : ", and stepping clocks")}");
        var steppingClocks = clockNemesis?.RunAsync(stopFaults.Token) ?? Task.CompletedTask;
        await nemesis.RunAsync(options.Faults, stopFaults.Token);
        await steppingClocks;
        var healed = history.Now;

        // Keep the clients going on the healed cluster until every key has been read and
        // compare-and-set through every node again, so recovery is checked too; then stop them and
        // let every node catch up before the final checks.
        var converged = true;
        try
        {
            await Wait.UntilAsync(async () => await cluster.FindLeaderAsync() is not null, SettleTimeout, "a leader after healing", token);
            await Wait.UntilAsync(() => Task.FromResult(CheckedWork.Shortfalls(history.Snapshot(), registerKeys, nodeIds, healed).Count == 0), RecoveryWorkTimeoutPerThreeNodes * Math.Max(1, options.Nodes / 3.0), "enough checked work after the heal", token);
        }
        catch (TimeoutException e)
        {
            problems.Add(e.Message);
        }

        await stopWorkloads.CancelAsync();
        await workloads;

        // Every leased key written must be seen gone before the leadership timeline can stop.
        await leases.FinishAsync();
        await stopWatchingLeaders.CancelAsync();
        await watchingLeaders;
        try
        {
            await cluster.WaitUntilConvergedAsync(SettleTimeout);
        }
        catch (TimeoutException e)
        {
            converged = false;
            problems.Add(e.Message);
        }

        var watched = await watch.FinishAsync(token);
        RunLog.Write($"{history.Count} operations; {uniqueWrites.Acknowledged.Count} unique writes acknowledged, {uniqueWrites.Refused.Count} refused; checking");
        var report = await CheckAsync(options, cluster, history, operations, uniqueWrites, nemesis, clockNemesis, registerKeys, healed, converged, problems);
        report = CheckLeases(report, leases, leadership, nemesis.Degraded);
        report = CheckWatches(report, watched.Verdict, watched.Watchers);
        return report with { Seconds = clock.Elapsed.TotalSeconds };
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

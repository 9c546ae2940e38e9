using Quorum.Chaos.Checker;
using Quorum.Chaos.Cluster;
using Quorum.Chaos.History;
using Quorum.Chaos.Workloads;

namespace Quorum.Chaos;

/// <summary>The checks after a run: what the clients saw, what the nodes kept, what the nemesis did, and what the nodes logged.</summary>
internal static partial class ChaosRun
{
    private static async Task<ChaosReport> CheckAsync(
        ChaosOptions options,
        ChaosCluster cluster,
        HistoryRecorder history,
        HttpOperations operations,
        UniqueWritesWorkload uniqueWrites,
        Nemesis.Nemesis nemesis,
        Clocks.ClockNemesis? clockNemesis,
        IReadOnlyCollection<string> registerKeys,
        long healed,
        bool converged,
        List<string> problems)
    {
        var checks = new Dictionary<string, bool>();
        var (lost, refusedApplied) = converged ? await uniqueWrites.CheckAsync(cluster) : ([], []);
        problems.AddRange(lost.Take(20).Select(static l => "lost: " + l));
        problems.AddRange(refusedApplied.Take(20).Select(static l => "refused but applied: " + l));

        // A status outside the contract (a 500 above all) is a bug, however the checker rules.
        problems.AddRange(operations.Unexpected.Take(20).Select(static u => "answer outside the contract: " + u));

        // A node that exits, or restarts its Raft stack, by itself is a bug the clients may not see.
        problems.AddRange(cluster.Nodes.SelectMany(static n => n.UnexpectedExits).Select(static e => "unexpected exit: " + e));
        var (knownRaceRestarts, errors) = NodeLogScan.Scan(cluster.Nodes, disksFilled: nemesis.Records.Any(static r => r.Kind == "disk-full"));
        problems.AddRange(errors.Take(20).Select(static e => "error logged: " + e));

        var records = nemesis.Records.Concat(clockNemesis?.Records ?? []).ToArray();
        problems.AddRange(records.Where(static r => r.InjectionFailed).Select(static r => "fault not injected: " + r));

        var historyPath = Path.Combine(options.WorkDirectory, "history.jsonl");
        history.WriteTo(historyPath);
        var registers = history.Snapshot().Where(static op => op.Key.StartsWith(RegisterWorkload.KeyPrefix, StringComparison.Ordinal)).ToArray();
        var results = LinearizabilityChecker.Check(registers);
        foreach (var violation in results.Where(static r => r.Verdict == Verdict.Violation))
        {
            problems.Add($"not linearizable: {violation.Key}");
            RunLog.Write($"VIOLATION on {violation.Key}:\n{violation.Explanation}");
        }

        var nodeIds = cluster.Nodes.Select(static n => n.Id).ToArray();
        foreach (var (name, from) in new[] { ("enoughCheckedWork", 0L), ("enoughCheckedWorkAfterHeal", healed) })
        {
            var shortfalls = CheckedWork.Shortfalls(registers, registerKeys, nodeIds, from);
            checks[name] = shortfalls.Count == 0;
            problems.AddRange(shortfalls.Take(5).Select(s => $"{name}: {s}"));
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
            Operations = history.Count,
            ReadsChecked = registers.Count(static op => op is { Kind: OperationKind.Read, Status: OperationStatus.Ok }),
            CompareAndSetsChecked = registers.Count(static op => op is { Kind: OperationKind.Cas, Status: OperationStatus.Ok }),
            Answers = new SortedDictionary<string, int>(operations.Answers.ToDictionary(), StringComparer.Ordinal),
            Nemesis = options.Faults,
            Faults = records.GroupBy(static r => r.Kind).ToDictionary(static g => g.Key, static g => g.Count()),
            FaultsTookEffect = records.Where(static r => r.TookEffect).GroupBy(static r => r.Kind).ToDictionary(static g => g.Key, static g => g.Count()),
            FaultsSkipped = new Dictionary<string, int>(nemesis.Skipped),
            FaultRecords = [.. records.Select(static r => r.ToString())],
            Linearizable = results.All(static r => r.Verdict != Verdict.Violation),
            KeysChecked = results.Count,
            KeysUndecided = results.Count(static r => r.Verdict == Verdict.Unknown),
            AcknowledgedWrites = uniqueWrites.Acknowledged.Count,
            AcknowledgedWritesLost = lost.Count,
            RefusedWrites = uniqueWrites.Refused.Count,
            RefusedWritesApplied = refusedApplied.Count,
            KnownRaceRestarts = knownRaceRestarts,
            Converged = converged,
            Checks = checks,
            Problems = problems,
            History = historyPath,
            WorkDirectory = options.WorkDirectory,
        };
    }
}

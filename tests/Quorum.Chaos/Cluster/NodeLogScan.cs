namespace Quorum.Chaos.Cluster;

/// <summary>
/// Reads the nodes' logs after a run for what no client sees: every error or critical line is a
/// problem, except the Raft watchdog's restart after the known race in DotNext 6.12's log flusher
/// (see DotNextSnapshotInstallRaceTests), which is counted and reported, and the warning a planted
/// bug prints on purpose.
/// </summary>
internal static class NodeLogScan
{
    // The watchdog's line names the failure's innermost exception; this one is the known race.
    private const string KnownRaceRestart = "failed internally (MissingPageException";
    private const string PlantedBugWarning = "This is a planted bug for testing the fault-injection suite";

    /// <summary>Scans every node's log.</summary>
    /// <returns>How many known-race restarts there were, and every other error line, prefixed with the node's ID.</returns>
    public static (int KnownRaceRestarts, IReadOnlyList<string> Errors) Scan(IEnumerable<ChaosNode> nodes)
        => Scan(nodes.Select(static n => (n.Id, n.ReadLog())));

    /// <summary>Scans logs given as text.</summary>
    /// <returns>How many known-race restarts there were, and every other error line, prefixed with the node's ID.</returns>
    public static (int KnownRaceRestarts, IReadOnlyList<string> Errors) Scan(IEnumerable<(string NodeId, string Log)> logs)
    {
        var restarts = 0;
        var errors = new List<string>();
        foreach (var (nodeId, log) in logs)
        {
            foreach (var line in log.Split('\n'))
            {
                if (!line.Contains(" ERR [", StringComparison.Ordinal) && !line.Contains(" CRT [", StringComparison.Ordinal))
                    continue;

                if (line.Contains(KnownRaceRestart, StringComparison.Ordinal))
                    restarts++;
                else if (!line.Contains(PlantedBugWarning, StringComparison.Ordinal))
                    errors.Add($"{nodeId}: {line.Trim()}");
            }
        }

        return (restarts, errors);
    }
}

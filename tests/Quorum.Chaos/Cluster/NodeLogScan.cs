namespace Quorum.Chaos.Cluster;

/// <summary>
/// Reads the nodes' logs after a run for what no client sees: every error or critical line is a
/// problem, except the Raft watchdog's restart after the known race in DotNext 6.12's log flusher
/// (see DotNextSnapshotInstallRaceTests), which is counted and reported, the warning a planted
/// bug prints on purpose, and, under peer TLS, a Raft handshake that ended because the other end
/// hung up (end of stream, or a reset): a peer that connected to a paused node gives up before the
/// node can answer, a peer killed mid-handshake resets it, and DotNext logs each as an error. So is
/// a handshake cancelled while its node was stopping (between the "Stopping" line and the data
/// directory's release): the stop cancels DotNext's server, handshakes in flight included. A
/// handshake that fails for any other reason (a refused certificate above all) stays a problem.
/// A replication round cut short because the leader stopped replicating to the member (it was
/// removed, or the leader lost leadership) is not a problem either, though DotNext 6.12 logs it as
/// "unexpected": either the cancellation it catches carries its request's linked token, not the one
/// it compares with, or the removed member's connection was disposed under the round (an
/// ObjectDisposedException from its lock). Both end the round as the cancellation it expects does:
/// the member counts as unavailable.
/// When the nemesis filled disks on purpose, the free-space guard's error that a node's disk is
/// full is expected too.
/// </summary>
internal static class NodeLogScan
{
    // The watchdog's line names the failure's innermost exception; this one is the known race.
    private const string KnownRaceRestart = "failed internally (MissingPageException";
    private const string PlantedBugWarning = "This is a planted bug for testing the fault-injection suite";
    private const string HandshakeFailed = "TcpServer: TLS handshake with ";

    // While the known race has broken a follower's log and before the host restarts it (within
    // 0.5 s), DotNext's transport logs every AppendEntries it fails to serve, with the log's
    // MissingPageException on the next line: the same race, not another problem.
    private const string RequestFailed = "TcpServer: Failed to process request from ";
    private const string RaceFailure = "WriteAheadLog+MissingPageException";
    private const string Unexpected = "RaftCluster: The unexpected exception occurred";
    private static readonly string[] RoundCutShort = ["System.OperationCanceledException", "System.ObjectDisposedException"];
    private const string ReplicationRound = "ReplicationProcess`1.ReplicateAsync";
    private const string DiskFull = "DiskSpaceGuard: The disk of data directory ";
    private static readonly string[] PeerHungUp = ["Received an unexpected EOF or 0 bytes from the transport stream", "Connection reset by peer"];
    private static readonly string[] Cancelled = ["System.Threading.Tasks.TaskCanceledException", "System.OperationCanceledException"];
    private const string Stopping = "Serve: Stopping: ";
    private const string Stopped = "; data directory released";

    // A node killed while stopping never logs the release; its next process's start ends the stop too.
    private const string Serving = "Serve: Node ";

    /// <summary>Scans every node's log.</summary>
    /// <returns>How many known-race restarts there were, and every other error line, prefixed with the node's ID.</returns>
    public static (int KnownRaceRestarts, IReadOnlyList<string> Errors) Scan(IEnumerable<ChaosNode> nodes, bool disksFilled = false)
        => Scan(nodes.Select(static n => (n.Id, n.ReadLog())), disksFilled);

    /// <summary>Scans logs given as text.</summary>
    /// <returns>How many known-race restarts there were, and every other error line, prefixed with the node's ID.</returns>
    public static (int KnownRaceRestarts, IReadOnlyList<string> Errors) Scan(IEnumerable<(string NodeId, string Log)> logs, bool disksFilled = false)
    {
        var restarts = 0;
        var errors = new List<string>();
        foreach (var (nodeId, log) in logs)
        {
            var lines = log.Split('\n');
            var stopping = false;
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                if (line.Contains(Stopping, StringComparison.Ordinal))
                    stopping = true;
                else if (line.Contains(Stopped, StringComparison.Ordinal) || line.Contains(Serving, StringComparison.Ordinal))
                    stopping = false;

                if (!line.Contains(" ERR [", StringComparison.Ordinal) && !line.Contains(" CRT [", StringComparison.Ordinal))
                    continue;

                if (line.Contains(KnownRaceRestart, StringComparison.Ordinal))
                    restarts++;
                else if (line.Contains(Unexpected, StringComparison.Ordinal) && IsReplicationRoundCutShort(lines, i + 1))
                    continue;
                else if (disksFilled && line.Contains(DiskFull, StringComparison.Ordinal))
                    continue;
                else if (line.Contains(HandshakeFailed, StringComparison.Ordinal) && i + 1 < lines.Length && PeerHungUp.Any(lines[i + 1].Contains))
                    continue;
                else if (stopping && line.Contains(HandshakeFailed, StringComparison.Ordinal) && i + 1 < lines.Length && Cancelled.Any(lines[i + 1].StartsWith))
                    continue;
                else if (line.Contains(RequestFailed, StringComparison.Ordinal) && i + 2 < lines.Length && (lines[i + 1] + lines[i + 2]).Contains(RaceFailure, StringComparison.Ordinal))
                    continue;
                else if (!line.Contains(PlantedBugWarning, StringComparison.Ordinal))
                    errors.Add($"{nodeId}: {line.Trim()}");
            }
        }

        return (restarts, errors);
    }

    // Whether the exception from line start ended a replication round early: a cancellation or a
    // disposed connection, then its message and frames only, the replication round's among them.
    private static bool IsReplicationRoundCutShort(string[] lines, int start)
    {
        if (start >= lines.Length || !RoundCutShort.Any(lines[start].StartsWith))
            return false;

        string[] continuations = ["   at ", " ---> ", "   --- ", "Object name: "];
        for (var i = start + 1; i < lines.Length && continuations.Any(lines[i].StartsWith); i++)
        {
            if (lines[i].Contains(ReplicationRound, StringComparison.Ordinal))
                return true;
        }

        return false;
    }
}

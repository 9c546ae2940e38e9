using Quorum.Chaos.Cluster;

namespace Quorum.Chaos.Tests;

public sealed class NodeLogScanTests
{
    private const string Info = "2026-12-06T10:00:00.000Z INF [n1] RaftNode: Became leader in term 3";
    private const string KnownRace = "2026-12-06T10:00:01.000Z ERR [n1] RaftNodeHost: The Raft log or cluster failed internally (MissingPageException: Page 12 is missing); restarting Raft from the data directory";
    private const string OtherRestart = "2026-12-06T10:00:02.000Z ERR [n2] RaftNodeHost: The Raft log or cluster failed internally (IntegrityException: bad checksum); restarting Raft from the data directory";
    private const string Failure500 = "2026-12-06T10:00:03.000Z ERR [n2] ErrorMappingMiddleware: Unexpected failure serving PUT /key/a";
    private const string Planted = "2026-12-06T10:00:00.000Z CRT [n3] Serve: QUORUM_TEST_ONLY_SKIP_READ_BARRIER=1: linearizable reads skip the read barrier and may be stale. This is a planted bug for testing the fault-injection suite; never set it in production";
    private const string Critical = "2026-12-06T10:00:04.000Z CRT [n3] RaftNodeHost: Raft cannot be restarted: damaged";

    [Fact]
    public void The_known_race_restart_is_counted_and_every_other_error_or_critical_line_is_reported()
    {
        var (restarts, errors) = NodeLogScan.Scan(
        [
            ("n1", string.Join('\n', Info, KnownRace, "   at DotNext.Something()", KnownRace)),
            ("n2", string.Join('\n', Info, OtherRestart, Failure500)),
            ("n3", string.Join('\n', Planted, Critical)),
        ]);

        Assert.Equal(2, restarts);
        Assert.Equal(["n2: " + OtherRestart, "n2: " + Failure500, "n3: " + Critical], errors);
    }

    [Fact]
    public void A_raft_handshake_the_peer_abandoned_is_not_a_problem_but_a_refused_certificate_is()
    {
        const string Handshake = "2026-12-07T01:52:15.234Z ERR [n3] TcpServer: TLS handshake with 127.0.0.1:35858 failed";
        const string HungUp = "System.IO.IOException: Received an unexpected EOF or 0 bytes from the transport stream.";
        const string Reset = "System.IO.IOException: Unable to read data from the transport connection: Connection reset by peer.";
        const string Refused = "System.Security.Authentication.AuthenticationException: The remote certificate was rejected by the provided RemoteCertificateValidationCallback.";

        var (_, errors) = NodeLogScan.Scan(
        [
            ("n3", string.Join('\n', Handshake, HungUp, "   at System.Net.Security.SslStream.ReceiveHandshakeFrameAsync()", Handshake, Reset, Handshake, Refused)),
        ]);

        Assert.Equal(["n3: " + Handshake], errors);
    }

    [Fact]
    public void A_raft_handshake_cancelled_while_its_node_stops_is_not_a_problem_but_one_cancelled_before_is()
    {
        const string Handshake = "2026-12-07T16:06:38.518Z ERR [n1] TcpServer: TLS handshake with 127.0.0.1:49436 failed";
        const string Cancelled = "System.Threading.Tasks.TaskCanceledException: A task was canceled.";
        const string Stopping = "2026-12-07T16:06:37.675Z INF [n1] Serve: Stopping: finishing requests in flight, then flushing the log";
        const string Released = "2026-12-07T16:06:38.679Z INF [n1] QuorumStore: Node n1 stopped; data directory released";

        // Killed while stopping: no release line, and the next process serves.
        const string Serving = "2026-12-07T16:06:41.840Z INF [n2] Serve: Node n2 serving HTTP at https://127.0.0.3:8080, Raft at 127.0.0.3:8081";

        var (_, errors) = NodeLogScan.Scan(
        [
            ("n1", string.Join('\n', Handshake, Cancelled, Stopping, Handshake, Cancelled, Released, Handshake, Cancelled)),
            ("n2", string.Join('\n', Stopping, Serving, Handshake, Cancelled)),
        ]);

        Assert.Equal(["n1: " + Handshake, "n1: " + Handshake, "n2: " + Handshake], errors);
    }

    [Fact]
    public void Requests_failed_by_the_known_race_are_not_problems_but_other_failed_requests_are()
    {
        const string Failed = "2026-12-07T07:59:49.089Z ERR [n1] TcpServer: Failed to process request from 127.0.0.1:35902";
        const string Race = "DotNext.Net.Cluster.Consensus.Raft.StateMachine.WriteAheadLog+InternalException: WAL page 84 doesn't exist on the disk";
        const string RaceInner = " ---> DotNext.Net.Cluster.Consensus.Raft.StateMachine.WriteAheadLog+MissingPageException: WAL page 84 doesn't exist on the disk";
        const string Other = "System.InvalidOperationException: something else";

        var (restarts, errors) = NodeLogScan.Scan([("n1", string.Join('\n', Failed, Race, RaceInner, KnownRace, Failed, Other, "   at X()"))]);

        Assert.Equal(1, restarts);
        Assert.Equal(["n1: " + Failed], errors);
    }

    [Fact]
    public void A_full_disk_is_expected_only_when_the_nemesis_filled_disks()
    {
        const string Full = "2026-12-07T08:34:16.319Z ERR [n1] DiskSpaceGuard: The disk of data directory /data/n1 is full: 46731264 bytes free, below the 67108864 bytes this node keeps in reserve (--disk-reserve-bytes).";
        var log = string.Join('\n', Info, Full, Failure500);

        Assert.Equal(["n1: " + Failure500], NodeLogScan.Scan([("n1", log)], disksFilled: true).Errors);
        Assert.Equal(["n1: " + Full, "n1: " + Failure500], NodeLogScan.Scan([("n1", log)]).Errors);
    }

    [Fact]
    public void A_replication_round_cut_short_is_not_a_problem_but_another_unexpected_exception_is()
    {
        const string Unexpected = "2026-12-07T08:34:50.359Z ERR [n2] RaftCluster: The unexpected exception occurred";
        string[] cancelled =
        [
            Unexpected,
            "System.OperationCanceledException: The operation was canceled.",
            " ---> System.OperationCanceledException: The operation was canceled.",
            "   at System.Threading.CancellationToken.ThrowOperationCanceledException()",
            "   --- End of inner exception stack trace ---",
            "   at DotNext.Net.Cluster.Consensus.Raft.ReplicationUtils.ReplicationProcess`1.ReplicateAsync(CancellationToken token) in /_/ReplicationProcess.cs:line 122",
        ];
        string[] other = [Unexpected, "System.OperationCanceledException: The operation was canceled.", "   at Somewhere.Else()", Info, "   at DotNext.Net.Cluster.Consensus.Raft.ReplicationUtils.ReplicationProcess`1.ReplicateAsync()"];
        string[] disposed =
        [
            Unexpected,
            "System.ObjectDisposedException: Cannot access a disposed object.",
            "Object name: 'DotNext.Threading.AsyncExclusiveLock'.",
            "   at DotNext.Threading.AsyncExclusiveLock.Release() in /_/AsyncExclusiveLock.cs:line 217",
            "   at DotNext.Net.Cluster.Consensus.Raft.ReplicationUtils.ReplicationProcess`1.ReplicateAsync(CancellationToken token) in /_/ReplicationProcess.cs:line 122",
        ];
        string[] failed = [Unexpected, "System.InvalidOperationException: broken", "   at DotNext.Net.Cluster.Consensus.Raft.ReplicationUtils.ReplicationProcess`1.ReplicateAsync()"];

        Assert.Empty(NodeLogScan.Scan([("n2", string.Join('\n', cancelled))]).Errors);
        Assert.Empty(NodeLogScan.Scan([("n2", string.Join('\n', disposed))]).Errors);
        Assert.Equal(["n2: " + Unexpected], NodeLogScan.Scan([("n2", string.Join('\n', other))]).Errors);
        Assert.Equal(["n2: " + Unexpected], NodeLogScan.Scan([("n2", string.Join('\n', failed))]).Errors);
    }

    [Fact]
    public void A_quiet_log_has_nothing_to_report()
    {
        var (restarts, errors) = NodeLogScan.Scan([("n1", Info + "\n" + Planted + "\n")]);

        Assert.Equal(0, restarts);
        Assert.Empty(errors);
    }
}

using System.Text.Json;

namespace Quorum.Chaos.Tests;

/// <summary>
/// The fault-injection suite as CI runs it: real nodes in a private network namespace, faults
/// from a nemesis that proves each one took effect, and a linearizability checker that must be
/// able to fail, shown by planting bugs it has to catch.
/// </summary>
public sealed class ChaosSuiteTests(ITestOutputHelper output)
{
    private static readonly string[] ProofChecks =
    [
        "isolatedStillBelievedItLed", "isolatedLeaderRefusesReadAtOnce",
        "isolatedCannotConnectToPeer", "peerCannotConnectToIsolated", "peersStillConnect", "clientsStillReachIsolated",
        "majorityElectedNewLeader", "majorityTakesWrites", "isolatedNeverSawMajorityWrite", "isolatedRefusesLinearizableRead", "healedNodeCatchesUp",
    ];

    [RootFact]
    public async Task A_partition_really_cuts_traffic_between_nodes()
    {
        var result = await ChaosRunner.RunAsync(output, TimeSpan.FromMinutes(3), "--scenario", "partition-proof");

        var checks = result.GetProperty("checks");
        foreach (var check in ProofChecks)
            Assert.True(checks.GetProperty(check).GetBoolean(), check);
    }

    [RootFact]
    public async Task Two_minutes_of_faults_on_three_nodes_stay_linearizable_and_lose_no_acknowledged_write()
    {
        var result = await ChaosRunner.RunAsync(output, TimeSpan.FromMinutes(8), "--nodes", "3", "--duration", "120s");

        Assert.Empty(result.GetProperty("problems").EnumerateArray());
        Assert.True(result.GetProperty("converged").GetBoolean(), "the cluster converged after healing");
        Assert.True(result.GetProperty("linearizable").GetBoolean(), "the register history is linearizable");
        Assert.Equal(0, result.GetProperty("keysUndecided").GetInt32());
        Assert.Equal(0, result.GetProperty("acknowledgedWritesLost").GetInt32());
        Assert.Equal(0, result.GetProperty("refusedWritesApplied").GetInt32());
        Assert.True(result.GetProperty("checks").GetProperty("enoughCheckedWork").GetBoolean(), "every key was read and compare-and-set through every node");
        Assert.True(result.GetProperty("checks").GetProperty("enoughCheckedWorkAfterHeal").GetBoolean(), "... and again after the final heal");

        // The checked work, not the attempts: failed operations are dropped by the checker.
        Assert.True(result.GetProperty("readsChecked").GetInt32() > 5_000, "enough successful reads to mean something");
        Assert.True(result.GetProperty("compareAndSetsChecked").GetInt32() > 1_000, "enough applied compare-and-sets to mean something");
        Assert.True(result.GetProperty("acknowledgedWrites").GetInt32() > 500, "enough writes were acknowledged to mean something");
        Assert.True(result.GetProperty("refusedWrites").GetInt32() > 0, "some writes were refused, and checked to have changed nothing");

        // Every kind of fault took effect, with evidence, at least once.
        var tookEffect = result.GetProperty("faultsTookEffect");
        foreach (var kind in new[] { "kill", "kill-leader", "pause", "pause-leader", "isolate-leader", "split", "snapshot-crash", "rolling-restart" })
            Assert.True(tookEffect.TryGetProperty(kind, out var count) && count.GetInt32() >= 1, $"fault {kind} took effect at least once: {Records(result)}");
    }

    [RootFact]
    public async Task The_checker_catches_stale_reads_when_the_read_barrier_is_skipped()
    {
        var result = await ChaosRunner.RunAsync(output, TimeSpan.FromMinutes(4), "--duration", "15s", "--planted-stale-reads", "--faults", "split,isolate-leader");

        Assert.False(result.GetProperty("linearizable").GetBoolean(), "the planted bug must be caught");
        Assert.Contains(result.GetProperty("problems").EnumerateArray(), p => p.GetString()!.StartsWith("not linearizable", StringComparison.Ordinal));
    }

    // The finer bug: read indexes skip only the leader's quorum round, so reads are stale only on a
    // deposed leader that still believes it leads. Isolating the leader opens that window for up to
    // a second (from the successor's first commit until the isolated leader's heartbeat round times
    // out), and the nemesis's probe reads through the old leader inside it. The window's width is
    // DotNext's timing, not the seed's: the probe landed in it in 10 of 14 isolations measured, and
    // 45 s of isolate-leader make 7 or 8 of them. (The partition proof below catches the bug
    // deterministically; pause-leader cannot catch it at all, see Nemesis.Processes.cs.)
    [RootFact]
    public async Task The_checker_catches_a_leader_that_skips_its_quorum_round_under_isolate_leader()
    {
        var result = await ChaosRunner.RunAsync(output, TimeSpan.FromMinutes(4), "--duration", "45s", "--seed", "16", "--planted-skip-quorum-round", "--faults", "isolate-leader");

        Assert.True(result.GetProperty("faultsTookEffect").GetProperty("isolate-leader").GetInt32() >= 1, Records(result));
        Assert.False(result.GetProperty("linearizable").GetBoolean(), $"the planted bug must be caught: {Records(result)}");
        Assert.Contains(result.GetProperty("problems").EnumerateArray(), p => p.GetString() == "not linearizable: register/leader-probe");
    }

    [RootFact]
    public async Task The_partition_proof_catches_a_leader_that_skips_its_quorum_round()
    {
        var result = await ChaosRunner.RunAsync(output, TimeSpan.FromMinutes(3), "--scenario", "partition-proof", "--planted-skip-quorum-round");

        var checks = result.GetProperty("checks");
        Assert.True(checks.GetProperty("isolatedStillBelievedItLed").GetBoolean(), "the read reached a leader that still believed it led");
        Assert.False(checks.GetProperty("isolatedLeaderRefusesReadAtOnce").GetBoolean(), "the isolated leader answered from its own state");
    }

    private static string Records(JsonElement result) => string.Join("\n", result.GetProperty("faultRecords").EnumerateArray().Select(static r => r.GetString()));
}

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
        // The kinds that break things; the degrading ones (loss, delay, slow-disk, clock-skew) have a
        // run of their own below, so this schedule still reaches every kind in two minutes.
        var result = await ChaosRunner.RunAsync(output, TimeSpan.FromMinutes(8), "--nodes", "3", "--duration", "120s", "--nemesis", "kill,pause,isolate-leader,split,kill-leader,pause-leader,snapshot-crash,rolling-restart");

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

        // Leases were written and watched go through every fault, none early or late.
        AssertLeasesChecked(result, minimumKeys: 200);

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

    // TLS (HTTPS, peer mTLS) and auth on: every workload request carries credentials and has its
    // permissions checked, a forwarded write carries its caller as a token, a follower asks the
    // leader's read index as a peer, and a restarted or re-joining node proves itself by certificate.
    [RootFact]
    public async Task With_tls_and_auth_on_faults_stay_linearizable_and_lose_no_acknowledged_write()
    {
        var result = await ChaosRunner.RunAsync(output, TimeSpan.FromMinutes(5), "--duration", "45s", "--seed", "7", "--secure", "--faults", "kill,kill-leader,pause-leader,isolate-leader,split,snapshot-crash,rolling-restart");

        Assert.Empty(result.GetProperty("problems").EnumerateArray());
        Assert.True(result.GetProperty("converged").GetBoolean(), "the cluster converged after healing");
        Assert.True(result.GetProperty("linearizable").GetBoolean(), "the register history is linearizable");
        Assert.Equal(0, result.GetProperty("acknowledgedWritesLost").GetInt32());
        Assert.Equal(0, result.GetProperty("refusedWritesApplied").GetInt32());
        Assert.True(result.GetProperty("readsChecked").GetInt32() > 1_000, "enough successful reads to mean something");
        Assert.True(result.GetProperty("acknowledgedWrites").GetInt32() > 200, "enough writes were acknowledged to mean something");
        var tookEffect = result.GetProperty("faultsTookEffect");
        foreach (var kind in new[] { "kill-leader", "isolate-leader", "split" })
            Assert.True(tookEffect.TryGetProperty(kind, out var count) && count.GetInt32() >= 1, $"fault {kind} took effect at least once: {Records(result)}");
    }

    [RootFact]
    public async Task A_clock_step_reaches_the_nodes_wall_clock_and_not_its_leases()
    {
        var result = await ChaosRunner.RunAsync(output, TimeSpan.FromMinutes(3), "--scenario", "clock-proof");

        var checks = result.GetProperty("checks");
        foreach (var check in new[] { "startsAtHostTime", "dateHeaderFollows+30s", "dateHeaderFollows-30s", "dateHeaderFollows0s", "leaseOutlivesAForwardJump" })
            Assert.True(checks.GetProperty(check).GetBoolean(), $"{check}: {Records(result)}");
    }

    // Clocks stepped up to 30 s either way every 2-4 s, the leader's every other step, while
    // leaders are killed and paused: no leased key may go before its TTL, none stay past its bound.
    // Against the wall-clock lease code this replaced (9bbaa31^), the same run found 16 keys gone early.
    [RootFact]
    public async Task Leases_never_expire_early_or_late_under_clock_steps_leader_kills_and_pauses()
    {
        var result = await ChaosRunner.RunAsync(output, TimeSpan.FromMinutes(5), "--duration", "45s", "--clock-skew", "--faults", "kill-leader,pause-leader,kill");

        Assert.Empty(result.GetProperty("problems").EnumerateArray());
        Assert.True(result.GetProperty("linearizable").GetBoolean(), "the register history is linearizable");
        AssertLeasesChecked(result, minimumKeys: 100);

        // A step counts when the node's Date header shows it; a node killed or paused meanwhile cannot.
        var tookEffect = result.GetProperty("faultsTookEffect");
        int TookEffect(string kind) => tookEffect.TryGetProperty(kind, out var count) ? count.GetInt32() : 0;
        Assert.True(TookEffect("clock-step") + TookEffect("clock-step-leader") >= 4, $"at least 4 clock steps seen: {Records(result)}");
        foreach (var kind in new[] { "clock-step-leader", "kill-leader", "pause-leader" })
            Assert.True(TookEffect(kind) >= 1, $"{kind} took effect at least once: {Records(result)}");
    }

    // The kinds of what operators, networks and disks do: a member replaced with an empty disk, a
    // clock step, lost packets, a follower's slow flushes, delayed Raft traffic (through the runner's
    // proxies), a full disk and a power cut to a majority or all (quorum-faultfs), each with its own
    // evidence; meanwhile the watchers must see exactly the committed history of their prefix.
    [RootFact]
    public async Task The_operator_network_and_disk_kinds_take_effect_and_watchers_see_the_committed_history()
    {
        string[] kinds = ["membership", "clock-skew", "loss", "slow-disk", "delay", "disk-full", "lose-unsynced"];
        var result = await ChaosRunner.RunAsync(output, TimeSpan.FromMinutes(5), "--duration", "55s", "--seed", "3", "--nemesis", string.Join(',', kinds));

        Assert.Empty(result.GetProperty("problems").EnumerateArray());
        Assert.True(result.GetProperty("linearizable").GetBoolean(), "the register history is linearizable");
        Assert.Equal(0, result.GetProperty("acknowledgedWritesLost").GetInt32());
        Assert.Equal(0, result.GetProperty("leaseEarlyExpiries").GetInt32());
        Assert.True(result.GetProperty("watchesMatch").GetBoolean(), "every watcher saw the committed history");
        Assert.True(result.GetProperty("watchEventsChecked").GetInt32() >= 100, "enough watched changes to mean something");
        var tookEffect = result.GetProperty("faultsTookEffect");
        foreach (var kind in kinds)
            Assert.True(tookEffect.TryGetProperty(kind, out var count) && count.GetInt32() >= 1, $"fault {kind} took effect at least once: {Records(result)}");
    }

    [RootFact]
    public async Task The_watch_check_catches_a_watcher_that_drops_a_change()
    {
        var result = await ChaosRunner.RunAsync(output, TimeSpan.FromMinutes(3), "--duration", "8s", "--seed", "4", "--nemesis", "pause", "--planted-watch-gap");

        Assert.False(result.GetProperty("watchesMatch").GetBoolean(), "the dropped change must be caught");
        Assert.Contains(result.GetProperty("problems").EnumerateArray(), p => p.GetString()!.StartsWith("watch: watcher-1: stretch 1..", StringComparison.Ordinal) && p.GetString()!.Contains(": gap: missing change", StringComparison.Ordinal));
    }

    private static void AssertLeasesChecked(JsonElement result, int minimumKeys)
    {
        Assert.Equal(0, result.GetProperty("leaseEarlyExpiries").GetInt32());
        Assert.Equal(0, result.GetProperty("leaseLateExpiries").GetInt32());
        Assert.True(result.GetProperty("leaseKeys").GetInt32() >= minimumKeys, $"at least {minimumKeys} leased keys written and watched");
        var looks = result.GetProperty("leaseLooks");
        foreach (var how in new[] { "read", "list", "watch" })
            Assert.True(looks.TryGetProperty(how, out var count) && count.GetInt32() >= minimumKeys / 2, $"leased keys were looked at by {how}");
    }

    private static string Records(JsonElement result) => string.Join("\n", result.GetProperty("faultRecords").EnumerateArray().Select(static r => r.GetString()));
}

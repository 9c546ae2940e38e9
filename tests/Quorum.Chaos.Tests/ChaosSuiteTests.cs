namespace Quorum.Chaos.Tests;

/// <summary>
/// The fault-injection suite as CI runs it: real nodes in a private network namespace, faults
/// from a nemesis, and a linearizability checker that must be able to fail.
/// </summary>
public sealed class ChaosSuiteTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_partition_really_cuts_traffic_between_nodes()
    {
        var result = await ChaosRunner.RunAsync(output, TimeSpan.FromMinutes(3), "--scenario", "partition-proof");

        var checks = result.GetProperty("checks");
        foreach (var check in new[]
        {
            "isolatedCannotConnectToPeer", "peerCannotConnectToIsolated", "peersStillConnect", "clientsStillReachIsolated",
            "majorityElectedNewLeader", "majorityTakesWrites", "isolatedNeverSawMajorityWrite", "isolatedRefusesLinearizableRead", "healedNodeCatchesUp",
        })
        {
            Assert.True(checks.GetProperty(check).GetBoolean(), check);
        }
    }

    [Fact]
    public async Task Two_minutes_of_faults_on_three_nodes_stay_linearizable_and_lose_no_acknowledged_write()
    {
        var result = await ChaosRunner.RunAsync(output, TimeSpan.FromMinutes(8), "--nodes", "3", "--duration", "120s");

        Assert.Empty(result.GetProperty("problems").EnumerateArray());
        Assert.True(result.GetProperty("converged").GetBoolean(), "the cluster converged after healing");
        Assert.True(result.GetProperty("linearizable").GetBoolean(), "the register history is linearizable");
        Assert.Equal(0, result.GetProperty("keysUndecided").GetInt32());
        Assert.Equal(0, result.GetProperty("acknowledgedWritesLost").GetInt32());
        Assert.True(result.GetProperty("acknowledgedWrites").GetInt32() > 500, "enough writes were acknowledged to mean something");
        Assert.True(result.GetProperty("operations").GetInt32() > 5_000, "enough operations ran to mean something");

        var faults = result.GetProperty("faults");
        foreach (var kind in new[] { "kill", "kill-leader", "pause", "pause-leader", "isolate-leader", "split", "snapshot-crash", "rolling-restart" })
            Assert.True(faults.TryGetProperty(kind, out var count) && count.GetInt32() >= 1, $"fault {kind} was injected");
    }

    [Fact]
    public async Task The_checker_catches_stale_reads_when_the_read_barrier_is_skipped()
    {
        var result = await ChaosRunner.RunAsync(output, TimeSpan.FromMinutes(4), "--duration", "15s", "--planted-stale-reads", "--faults", "split,isolate-leader");

        Assert.False(result.GetProperty("linearizable").GetBoolean(), "the planted bug must be caught");
        Assert.Contains(result.GetProperty("problems").EnumerateArray(), p => p.GetString()!.StartsWith("not linearizable", StringComparison.Ordinal));
    }
}

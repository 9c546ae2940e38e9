using Quorum.Chaos.Cluster;
using Quorum.Chaos.Network;

namespace Quorum.Chaos;

/// <summary>
/// Proves that a partition really cuts traffic, both at the socket level (a node's uid cannot
/// connect across the cut, while others still can) and in its effect (the majority elects a new
/// leader and takes writes the isolated node never sees, until the partition heals).
/// </summary>
internal static class PartitionProof
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<ChaosReport> RunAsync(ChaosOptions options, ChaosCluster cluster, Firewall firewall)
    {
        var checks = new Dictionary<string, bool>();
        var problems = new List<string>();
        var isolated = await cluster.FindLeaderAsync() ?? throw new InvalidOperationException("No leader.");
        var others = cluster.Nodes.Where(n => n != isolated).ToArray();
        await others[0].Client.PutAsync("proof/before", "everyone");

        firewall.Partition([(isolated.Uid, isolated.Address)], [.. others.Select(static n => (n.Uid, n.Address))]);
        RunLog.Write($"isolated {isolated.Id}:\n{firewall.Rules()}");

        checks["isolatedCannotConnectToPeer"] = !CanConnect(isolated.Uid, others[0].Address, 8081);
        checks["peerCannotConnectToIsolated"] = !CanConnect(others[0].Uid, isolated.Address, 8081);
        checks["peersStillConnect"] = others.Length < 2 || CanConnect(others[0].Uid, others[1].Address, 8081);
        checks["clientsStillReachIsolated"] = await isolated.StatusAsync() is not null;

        try
        {
            await Wait.UntilAsync(async () => await others[0].StatusAsync() is { State: "leader" } || await others[^1].StatusAsync() is { State: "leader" }, Timeout, "the majority to elect a leader");
            checks["majorityElectedNewLeader"] = true;
            await others[0].Client.PutAsync("proof/during", "majority only");
            checks["majorityTakesWrites"] = true;
        }
        catch (Exception e) when (e is TimeoutException or Quorum.Client.QuorumClientException)
        {
            problems.Add(e.Message);
        }

        checks["isolatedNeverSawMajorityWrite"] = await isolated.Client.GetStringAsync("proof/during", Quorum.Client.Consistency.Stale) is null;
        checks["isolatedRefusesLinearizableRead"] = await RefusesAsync(() => isolated.Client.GetStringAsync("proof/during"));

        firewall.Heal();
        try
        {
            await Wait.UntilAsync(async () => await isolated.Client.GetStringAsync("proof/during", Quorum.Client.Consistency.Stale) == "majority only", Timeout, "the healed node to catch up");
            checks["healedNodeCatchesUp"] = true;
        }
        catch (TimeoutException e)
        {
            checks["healedNodeCatchesUp"] = false;
            problems.Add(e.Message);
        }

        foreach (var (name, ok) in checks)
            RunLog.Write($"{(ok ? "ok  " : "FAIL")} {name}");

        return new ChaosReport
        {
            Scenario = options.Scenario,
            Nodes = options.Nodes,
            Seed = options.Seed,
            Converged = true,
            Checks = checks,
            Problems = problems,
            WorkDirectory = options.WorkDirectory,
        };
    }

    // Whether a process running as this uid can open a TCP connection to the address.
    private static bool CanConnect(int uid, string address, int port)
        => Shell.Run("setpriv", $"--reuid={uid}", $"--regid={uid}", "--clear-groups", "timeout", "2", "bash", "-c", $"exec 3<>/dev/tcp/{address}/{port}").ExitCode == 0;

    private static async Task<bool> RefusesAsync(Func<Task> read)
    {
        try
        {
            await read();
            return false;
        }
        catch (Quorum.Client.QuorumClientException e)
        {
            return e.IsRetryable;
        }
    }
}

using Quorum.Chaos.Cluster;
using Quorum.Chaos.Network;
using Quorum.Client;

namespace Quorum.Chaos;

/// <summary>
/// Proves that a partition really cuts traffic, both at the socket level (a node's uid cannot
/// connect across the cut, while others still can) and in its effect (the majority elects a new
/// leader and takes writes the isolated node never sees, until the partition heals). It also asks
/// the isolated leader for a linearizable read at once, while it still believes it leads: only the
/// read index's quorum round stands between that read and a stale answer.
/// </summary>
internal static class PartitionProof
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<ChaosReport> RunAsync(ChaosOptions options, ChaosCluster cluster, Firewall firewall)
    {
        var checks = new Dictionary<string, bool>();
        var problems = new List<string>();
        var (isolated, led) = await cluster.FindLeaderAsync() ?? throw new InvalidOperationException("No leader.");
        var others = cluster.Nodes.Where(n => n != isolated).ToArray();
        await others[0].Client.PutAsync("proof/before", "everyone");

        firewall.Partition([(isolated.Uid, isolated.Address)], [.. others.Select(static n => (n.Uid, n.Address))]);
        RunLog.Write($"isolated {isolated.Id}, leader of term {led.Term}:\n{firewall.Rules()}");

        // First, while the isolated node has had no time to notice: it still leads in its own eyes,
        // so a read it answers from its own state alone would be served by a deposed leader.
        var early = await isolated.StatusAsync();
        checks["isolatedStillBelievedItLed"] = early is { State: "leader" } && early.Term == led.Term;
        checks["isolatedLeaderRefusesReadAtOnce"] = await RefusesAsync(() => isolated.Client.GetStringAsync("proof/before"));
        RunLog.Write($"isolated node's status before the read: {early?.State} in term {early?.Term}");

        checks["isolatedCannotConnectToPeer"] = !Firewall.CanConnect(isolated.Uid, others[0].Address, ChaosNode.RaftPort);
        checks["peerCannotConnectToIsolated"] = !Firewall.CanConnect(others[0].Uid, isolated.Address, ChaosNode.RaftPort);
        checks["peersStillConnect"] = others.Length < 2 || Firewall.CanConnect(others[0].Uid, others[1].Address, ChaosNode.RaftPort);
        checks["clientsStillReachIsolated"] = await isolated.StatusAsync() is not null;

        try
        {
            await Wait.UntilAsync(async () => await cluster.FindLeaderAsync(others) is { } l && l.Status.Term > led.Term, Timeout, "the majority to elect a leader");
            checks["majorityElectedNewLeader"] = true;
            await others[0].Client.PutAsync("proof/during", "majority only");
            checks["majorityTakesWrites"] = true;
        }
        catch (Exception e) when (e is TimeoutException or QuorumClientException)
        {
            problems.Add(e.Message);
        }

        checks["isolatedNeverSawMajorityWrite"] = await isolated.Client.GetStringAsync("proof/during", Consistency.Stale) is null;
        checks["isolatedRefusesLinearizableRead"] = await RefusesAsync(() => isolated.Client.GetStringAsync("proof/during"));

        firewall.Heal();
        try
        {
            await Wait.UntilAsync(async () => await isolated.Client.GetStringAsync("proof/during", Consistency.Stale) == "majority only", Timeout, "the healed node to catch up");
            checks["healedNodeCatchesUp"] = true;
        }
        catch (TimeoutException e)
        {
            checks["healedNodeCatchesUp"] = false;
            problems.Add(e.Message);
        }

        foreach (var (name, ok) in checks)
            RunLog.Write($"{(ok ? "ok  " : "FAIL")} {name}");

        return ChaosReport.Proof(options, checks, problems);
    }

    // Whether the read is refused as the API says a read without a quorum is: 503, retry later.
    private static async Task<bool> RefusesAsync(Func<Task> read)
    {
        try
        {
            await read();
            return false;
        }
        catch (QuorumClientException e)
        {
            return e.IsRetryable;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            RunLog.Write($"a read got no answer: {e.Message}");
            return false;
        }
    }
}

using Quorum.Chaos.Cluster;

namespace Quorum.Chaos.Clocks;

/// <summary>
/// Proves that a clock step reaches the node, and reaches only its wall clock: the node's HTTP
/// <c>Date</c> header follows each offset written to its file, while a lease, timed on the
/// monotonic clock the library leaves alone, is still there after the clock jumps 60 s forward.
/// </summary>
internal static class ClockProof
{
    private static readonly int[] Offsets = [ClockNemesis.MaxOffsetSeconds, -ClockNemesis.MaxOffsetSeconds, 0];

    public static async Task<ChaosReport> RunAsync(ChaosOptions options, ChaosCluster cluster, CancellationToken token)
    {
        var checks = new Dictionary<string, bool>();
        var problems = new List<string>();
        var records = new List<string>();
        var (node, _) = await cluster.FindLeaderAsync() ?? throw new InvalidOperationException("No leader.");

        checks["startsAtHostTime"] = await ClockNemesis.MeasureOffsetAsync(node, token) is { } start && Math.Abs(start + 1) <= 1.5;
        foreach (var offset in Offsets)
        {
            var record = await ClockNemesis.StepAsync("clock-step-leader", node, offset, token);
            records.Add(record.ToString());
            checks[$"dateHeaderFollows{offset:+0;-0;0}s"] = record.TookEffect;
        }

        // A lease must not notice the wall clock: written at -30 s, read back after a jump to +30 s.
        node.Clock!.Set(-ClockNemesis.MaxOffsetSeconds);
        await Wait.UntilAsync(async () => await ClockNemesis.MeasureOffsetAsync(node, token) is <= -ClockNemesis.MaxOffsetSeconds + 0.5, TimeSpan.FromSeconds(5), "the clock at -30 s", token);
        await node.Client.PutAsync("proof/lease", System.Text.Encoding.UTF8.GetBytes("held"), new Quorum.Client.PutOptions(Ttl: TimeSpan.FromSeconds(20)), token);
        var stepped = await ClockNemesis.StepAsync("clock-step-leader", node, ClockNemesis.MaxOffsetSeconds, token);
        records.Add(stepped.ToString());
        checks["leaseOutlivesAForwardJump"] = stepped.TookEffect && await node.Client.GetStringAsync("proof/lease", token: token) == "held";

        problems.AddRange(checks.Where(static c => !c.Value).Select(static c => "check failed: " + c.Key));
        RunLog.Write(string.Join('\n', records));
        return ChaosReport.Proof(options, checks, problems) with { FaultRecords = records };
    }
}

using System.Globalization;
using Quorum.Chaos.Cluster;
using Quorum.Chaos.Network;

namespace Quorum.Chaos.Nemesis;

/// <summary>Faults on one node's links that leave them up: lost packets and delayed traffic.</summary>
internal sealed partial class Nemesis
{
    private const string RoundTrips = "quorum_network_peer_round_trip_time_seconds";

    // The round-trip histogram's bucket bounds (StoreMetrics), to count round trips above a delay.
    private static readonly double[] RoundTripBounds = [0.0512, 0.1024, 0.2048];

    // Drops 10-30% of the node's packets both ways for 3-6 s. Evidence, from the kernel: the drop
    // rules' own packet counters, and TCP retransmissions in the namespace during the fault (there
    // are none on a healthy loopback).
    private async Task<FaultRecord> LossAsync(ChaosNode node, CancellationToken token)
    {
        var probability = random.Next(10, 31) / 100.0;
        var evidence = new FaultEvidence("loss", node.Id);
        var retransmitsBefore = TcpRetransmissions();
        var holdUntil = DateTime.UtcNow + Between(3_000, 6_000);
        var from = operations.Now;
        firewall.Lose(node.Uid, node.Address, probability);
        try
        {
            evidence.Saw($"dropping {probability:P0} of its packets both ways");
            await HoldUntilAsync(holdUntil, token);
            var dropped = firewall.RandomlyDropped();
            var retransmits = TcpRetransmissions() - retransmitsBefore;
            evidence.Check(dropped > 0, $"the rules dropped {dropped} packets", "packets dropped by the rules (their counters stayed at 0)");
            evidence.Check(retransmits > 0, $"{retransmits} TCP segments retransmitted in the namespace", "TCP retransmissions during the loss");
        }
        finally
        {
            Heal();
            degraded.Enqueue((from, operations.Now));
        }

        return evidence.ToRecord();
    }

    // Delays every chunk of the node's Raft traffic (to it and from it) by 50-200 ms ± 20% for
    // 4-6 s, through the Raft proxies. Evidence, from the nodes themselves: in the leaders'
    // round-trip histograms, most replication round trips involving the node during the fault took
    // longer than the delay allows at least (a round trip crosses it twice: 2 × 80% of it), a
    // clearly larger share than before the fault (a loaded machine makes slow round trips too).
    private async Task<FaultRecord?> DelayAsync(ChaosNode node, CancellationToken token)
    {
        if (cluster.Proxies is not { } proxies)
        {
            skipReason = "the nodes' Raft traffic does not go through the proxies (--no-raft-proxy)";
            return null;
        }

        var delay = TimeSpan.FromMilliseconds(random.Next(50, 201));
        var bound = RoundTripBounds.Last(b => b <= 1.6 * delay.TotalSeconds);
        var evidence = new FaultEvidence("delay", node.Id);
        var (slowHealthy, allHealthy) = await RoundTripsAsync(node, bound, token);
        var holdUntil = DateTime.UtcNow + Between(4_500, 6_500);
        var chunks = proxies.DelayedChunks;
        var from = operations.Now;
        proxies.Delay(node.Index, delay, delay / 5);
        try
        {
            evidence.Saw($"delaying its Raft traffic by {delay.TotalMilliseconds:0} ms ± {delay.TotalMilliseconds / 5:0} ms each way");

            // Counted from when the delay is whole: while it ramps up, fast round trips outnumber the slow ones.
            await Task.Delay(RaftProxies.Ramp + TimeSpan.FromMilliseconds(500), token);
            var (slowBefore, allBefore) = await RoundTripsAsync(node, bound, token);
            await HoldUntilAsync(holdUntil, token);
            var (slowAfter, allAfter) = await RoundTripsAsync(node, bound, token);
            var (slow, all) = (slowAfter - slowBefore, allAfter - allBefore);
            var (share, shareBefore) = (all > 0 ? slow / all : 0, allHealthy > 0 ? slowHealthy / allHealthy : 0);
            evidence.Saw($"{proxies.DelayedChunks - chunks} chunks held back by the proxies");
            evidence.Check(
                all >= 3 && share >= 0.5 && share >= shareBefore + 0.2,
                $"{slow:0} of {all:0} replication round trips with {node.Id} took over {bound * 1000:0.#} ms in the leaders' histograms ({shareBefore:P0} before)",
                $"most round trips with {node.Id} over {bound * 1000:0.#} ms: {slow:0} of {all:0} during the delay, {shareBefore:P0} before");
        }
        finally
        {
            proxies.Heal();
            RunLog.Write("nemesis: heal delay");

            // Chunks held when the delay ends still go out up to a delay later.
            degraded.Enqueue((from, operations.Now + (long)(delay * 1.2).TotalMicroseconds));
        }

        return evidence.ToRecord();
    }

    // Replication round trips that involve the node (all, and those over the bound): those other
    // leaders timed to it, and all those it timed itself while it led. Summed over every node that
    // answers, so a change of leader during the fault does not hide them.
    private async Task<(double Slow, double All)> RoundTripsAsync(ChaosNode node, double bound, CancellationToken token)
    {
        var (slow, all) = (0.0, 0.0);
        foreach (var each in cluster.Nodes)
        {
            if (await NodeMetrics.ScrapeAsync(each, token) is { } text)
            {
                var counts = NodeMetrics.Counts(text, RoundTrips, bound, each == node ? null : $"peer=\"{node.Id}\"");
                (slow, all) = (slow + counts.Above, all + counts.All);
            }
        }

        return (slow, all);
    }

    // RetransSegs of the namespace's TCP counters (this process runs inside the namespace).
    private static long TcpRetransmissions()
    {
        var lines = File.ReadAllLines("/proc/net/snmp").Where(static l => l.StartsWith("Tcp:", StringComparison.Ordinal)).ToArray();
        var names = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var values = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(values[Array.IndexOf(names, "RetransSegs")], CultureInfo.InvariantCulture);
    }
}

using System.Globalization;
using System.Net;
using Quorum.Chaos.Cluster;

namespace Quorum.Chaos.Nemesis;

/// <summary>Full disks: one node's data directory filled to below the node's free-space reserve, then freed.</summary>
internal sealed partial class Nemesis
{
    /// <summary>The size of each node's own disk (a tmpfs) when <c>disk-full</c> is in the schedule.</summary>
    public const long SmallDiskBytes = 384L * 1024 * 1024;

    // The node's default reserve (StoreOptions.DefaultDiskReserveBytes); the fill leaves half of it.
    private const long Reserve = 64L * 1024 * 1024;
    private const string FreeGauge = "quorum_disk_data_dir_free_bytes";
    private const int DiskFullProbeProcess = 951;

    private int diskFullFaults;

    // Fills one node's disk (every other time the leader's) with a ballast file until less than
    // the reserve is free, holds 3-5 s, then deletes the ballast. Evidence: the node's own
    // free-space gauge below the reserve; for a follower, writes through the leader acknowledged
    // meanwhile (a majority with room goes on); for the leader, a write refused with 507 (and so
    // certainly not applied); after the ballast is gone, the gauge above the reserve again and a
    // write through the node acknowledged.
    private async Task<FaultRecord?> DiskFullAsync(CancellationToken token)
    {
        if (await LeaderAsync(token) is not var (leader, _))
            return null;

        var node = diskFullFaults++ % 2 == 0 ? leader : cluster.Nodes.Where(n => n != leader && n.IsRunning && !n.IsPaused).OrderBy(_ => random.Next()).FirstOrDefault();
        if (node is null)
        {
            skipReason = "no running follower";
            return null;
        }

        var evidence = new FaultEvidence("disk-full", node.Id + (node == leader ? " (leader)" : string.Empty));
        var ballast = Path.Combine(node.DiskRoot, "ballast");
        var from = operations.Now;
        try
        {
            var free = new DriveInfo(node.DiskRoot).AvailableFreeSpace;
            var fill = free - (Reserve / 2);
            if (fill <= 0 || Shell.Run("fallocate", "-l", fill.ToString(CultureInfo.InvariantCulture), ballast).ExitCode != 0)
                throw new InvalidOperationException($"could not fill {node.Id}'s disk ({free} bytes free)");

            await Wait.UntilAsync(async () => await FreeBytesAsync(node, token) is < Reserve, TimeSpan.FromSeconds(10), $"{node.Id} to see its disk full", token);
            evidence.Saw($"its disk filled: {await FreeBytesAsync(node, token) ?? -1:0} bytes free, under the {Reserve} byte reserve");

            var holdUntil = DateTime.UtcNow + Between(3_000, 5_000);
            if (node == leader)
            {
                var code = await ProbeWriteAsync(node, token);
                evidence.Check(code == HttpStatusCode.InsufficientStorage, "a write to it refused with 507", $"a 507 from the full leader (got {code?.ToString() ?? "no answer"})");
            }
            else
            {
                var (latencies, failed) = await TimeWritesAsync(leader, holdUntil, token);
                evidence.Check(latencies.Count >= 3, $"{latencies.Count} writes through the leader {leader.Id} acknowledged meanwhile ({failed} not)", $"writes through the leader while {node.Id} is full ({latencies.Count} ok, {failed} not)");
            }

            await HoldUntilAsync(holdUntil, token);
        }
        finally
        {
            File.Delete(ballast);

            // Also when the run ends mid-fault: the node must have room again before the checks.
            try
            {
                await Wait.UntilAsync(async () => await FreeBytesAsync(node, CancellationToken.None) is > Reserve, TimeSpan.FromSeconds(10), $"{node.Id} to see room again", CancellationToken.None);
                await Wait.UntilAsync(async () => await ProbeWriteAsync(node, CancellationToken.None) == HttpStatusCode.OK, TimeSpan.FromSeconds(30), $"a write through {node.Id} once freed", CancellationToken.None);
            }
            finally
            {
                // A full leader refuses every proposal, the expiries of leases included, until it
                // has room again: the lease check allows that time as it allows time without a leader.
                if (node == leader)
                    degraded.Enqueue((from, operations.Now));
            }
        }

        evidence.Saw("ballast deleted: room again, and a write through it acknowledged");
        return evidence.ToRecord();
    }

    private static async Task<double?> FreeBytesAsync(ChaosNode node, CancellationToken token)
        => await NodeMetrics.ScrapeAsync(node, token) is { } text ? NodeMetrics.Gauge(text, FreeGauge) : null;

    // A write of a key of the nemesis's own (no workload reads it, and it is kept out of the
    // history), answered by the node itself or relayed from the leader: its status, or null when
    // none came.
    private static async Task<HttpStatusCode?> ProbeWriteAsync(ChaosNode node, CancellationToken token)
    {
        try
        {
            using var response = await node.Http.PutAsync($"key/nemesis/disk-full/{DiskFullProbeProcess}", new StringContent("probe"), token);
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !token.IsCancellationRequested))
        {
            return null;
        }
    }
}

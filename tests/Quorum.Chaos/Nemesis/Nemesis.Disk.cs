using System.Diagnostics;
using System.Globalization;
using Quorum.Chaos.Cluster;
using Quorum.Chaos.History;

namespace Quorum.Chaos.Nemesis;

/// <summary>Faults on one node's disk: slow flushes.</summary>
internal sealed partial class Nemesis
{
    private const string Flushes = "fsync,fdatasync,msync";
    private const string FsyncHistogram = "quorum_disk_wal_fsync_duration_seconds";
    private const int DiskProbeProcess = 950;

    // The fsync histogram's bucket bounds (StoreMetrics), to count flushes above the injected delay.
    private static readonly double[] FsyncBounds = [0.064, 0.128, 0.256];

    private static readonly Lazy<bool> HasStrace = new(static () => Shell.Run("sh", "-c", "command -v strace").ExitCode == 0);

    // Holds every flush syscall of one follower for 250-500 ms, for 3-5 s: strace attaches to the
    // running node (all its threads) and injects the delay, then detaches, leaving the process as
    // it was. Evidence: the kernel names strace as the node's tracer; the node's own fsync histogram
    // counts flushes above the delay; and meanwhile writes through the leader keep completing well
    // below the delay, since the leader and the other followers make a majority without the slow one:
    // their median may not grow by half the delay over the median of the writes just before (a
    // leader that waited for the slow follower would add the whole delay to every write; the
    // machine's own load, not the fault, sets the median before).
    private async Task<FaultRecord?> SlowDiskAsync(ChaosNode leader, CancellationToken token)
    {
        if (!HasStrace.Value)
        {
            skipReason = "strace (Debian package strace) is not installed";
            return null;
        }

        if (cluster.Nodes.Where(n => n != leader && n.IsRunning && !n.IsPaused).OrderBy(_ => random.Next()).FirstOrDefault() is not { } node)
        {
            skipReason = "no running follower";
            return null;
        }

        var delay = TimeSpan.FromMilliseconds(random.Next(250, 501));
        var bound = FsyncBounds.Last(b => b <= delay.TotalSeconds);
        var evidence = new FaultEvidence("slow-disk", node.Id);
        var before = await NodeMetrics.ScrapeAsync(node, token) is { } text ? NodeMetrics.CountAbove(text, FsyncHistogram, bound) : double.NaN;
        var (healthy, _) = await TimeWritesAsync(leader, DateTime.UtcNow + TimeSpan.FromSeconds(1), token);
        var holdUntil = DateTime.UtcNow + Between(3_000, 5_000);
        var delayMicroseconds = ((long)delay.TotalMicroseconds).ToString(CultureInfo.InvariantCulture);
        using var strace = Process.Start(new ProcessStartInfo("strace", ["-f", "-qq", "-o", "/dev/null", "-p", node.Pid.ToString(CultureInfo.InvariantCulture), "-e", "trace=" + Flushes, "-e", $"inject={Flushes}:delay_enter={delayMicroseconds}"]) { UseShellExecute = false, RedirectStandardError = true })
            ?? throw new InvalidOperationException("Could not start strace.");
        try
        {
            await Wait.UntilAsync(() => Task.FromResult(TracerOf(node.Pid) == strace.Id), TimeSpan.FromSeconds(5), $"strace to attach to {node.Id}", token);
            evidence.Saw($"strace (pid {strace.Id}) traces it, holding each flush {delay.TotalMilliseconds:0} ms");

            var (latencies, failed) = await TimeWritesAsync(leader, holdUntil, token);
            var after = await NodeMetrics.ScrapeAsync(node, token) is { } later ? NodeMetrics.CountAbove(later, FsyncHistogram, bound) : double.NaN;
            evidence.Check(after - before > 0, $"{after - before:0} flushes over {bound * 1000:0} ms in its fsync histogram", $"flushes over {bound * 1000:0} ms in its fsync histogram ({before} before, {after} after)");
            var (median, healthyMedian) = (Median(latencies), Median(healthy));
            evidence.Check(
                latencies.Count >= 5 && median < healthyMedian + (delay.TotalMilliseconds / 2),
                $"{latencies.Count} writes via the leader {leader.Id} meanwhile, median {median:0.0} ms, max {latencies.DefaultIfEmpty().Max():0.0} ms ({failed} failed; median {healthyMedian:0.0} ms just before)",
                $"the leader's writes unstalled by one slow follower: {latencies.Count} writes ok, {failed} failed, median {median:0.0} ms ({healthyMedian:0.0} ms just before) against a {delay.TotalMilliseconds:0} ms flush");
        }
        finally
        {
            // strace detaches from every thread on SIGINT and lets the held syscalls go on.
            Shell.Run("kill", "-INT", strace.Id.ToString(CultureInfo.InvariantCulture));
            await strace.WaitForExitAsync(CancellationToken.None);
        }

        evidence.Check(node.Pid == 0 || TracerOf(node.Pid) == 0, "strace detached", $"strace to detach from {node.Id}");
        return evidence.ToRecord();
    }

    // Writes through the leader one after another until the deadline: the latencies of those acknowledged, and how many were not.
    private async Task<(List<double> Latencies, int Failed)> TimeWritesAsync(ChaosNode leader, DateTime until, CancellationToken token)
    {
        var latencies = new List<double>();
        var failed = 0;
        while (DateTime.UtcNow < until)
        {
            token.ThrowIfCancellationRequested();
            var write = await operations.WriteAsync(DiskProbeProcess, leader.Id, leader.HttpUrl, "probe/slow-disk", $"w{latencies.Count + failed}", token);
            if (write.Status == OperationStatus.Ok)
                latencies.Add((write.Complete - write.Invoke) / 1000.0);
            else
                failed++;
        }

        return (latencies, failed);
    }

    private static double Median(List<double> values) => values.Count == 0 ? double.NaN : values.Order().ElementAt(values.Count / 2);

    // The TracerPid of /proc/PID/status: 0 when nothing traces the process.
    private static int TracerOf(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(static l => l.StartsWith("TracerPid:", StringComparison.Ordinal));
            return line is null ? 0 : int.Parse(line["TracerPid:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}

using Quorum.Chaos.Checker;
using Quorum.Chaos.Cluster;
using Quorum.Chaos.Workloads;

namespace Quorum.Chaos;

/// <summary>
/// The lease check after a run: no key gone before its TTL since it was sent, none kept past its
/// bound; and the watch check: every watcher saw the committed history of its prefix.
/// </summary>
internal static partial class ChaosRun
{
    private static ChaosReport CheckLeases(ChaosReport report, LeaseWorkload leases, LeadershipTimeline leadership, IReadOnlyCollection<(long From, long To)> degraded)
    {
        var verdict = LeaseChecker.Check(leases.Writes, leases.Observations, leadership.Samples, degraded);

        // What the check rests on, for inspection beside the history: the writes, the looks and the leadership samples.
        File.WriteAllLines(Path.Combine(report.WorkDirectory, "leases.txt"), [
            .. leases.Writes.OrderBy(static w => w.Invoke).Select(static w => w.ToString()),
            .. leases.Observations.OrderBy(static o => o.Invoke).Select(static o => o.ToString()),
            .. leadership.Samples.Select(static s => s.ToString())]);
        RunLog.Write($"leases: {verdict.Keys} keys, looks {string.Join(' ', verdict.Looks.Select(static l => $"{l.Key}={l.Value}"))}, {verdict.Early.Count} early, {verdict.Late.Count} late, {verdict.Unobserved} never looked at");
        foreach (var line in verdict.Early.Concat(verdict.Late))
            RunLog.Write("LEASE: " + line);

        var problems = verdict.Early.Take(20).Select(static e => "lease expired early: " + e)
            .Concat(verdict.Late.Take(20).Select(static l => "lease expired late: " + l));
        if (verdict.Keys > 0 && verdict.Unobserved * 10 > verdict.Keys)
            problems = problems.Append($"leases: {verdict.Unobserved} of {verdict.Keys} keys were never looked at");

        return report with
        {
            Problems = [.. report.Problems, .. problems],
            LeaseKeys = verdict.Keys,
            LeaseLooks = verdict.Looks,
            LeaseEarlyExpiries = verdict.Early.Count,
            LeaseLateExpiries = verdict.Late.Count,
            LeaseExpiryDelayMilliseconds = Percentiles(verdict.DelaysMilliseconds),
            LeaseSmallestMarginMilliseconds = verdict.MarginsMilliseconds.Count == 0 ? null : Math.Round(verdict.MarginsMilliseconds.Min(), 1),
        };
    }

    private static ChaosReport CheckWatches(ChaosReport report, Checker.WatchVerdict verdict, IReadOnlyList<Checker.WatcherHistory> watchers)
    {
        RunLog.Write($"watch: {verdict.EventsChecked} changes seen by {watchers.Count} watchers checked against the committed history from revision {verdict.ReferenceFrom}; {verdict.Problems.Count} problems");
        foreach (var problem in verdict.Problems)
            RunLog.Write("WATCH: " + problem);

        return report with
        {
            Problems = [.. report.Problems, .. verdict.Problems.Take(20).Select(static p => "watch: " + p)],
            WatchEventsChecked = verdict.EventsChecked,
            Watchers = watchers.Count,
            WatchReconnects = watchers.Sum(static w => w.Reconnects),
            WatchGone = watchers.Sum(static w => w.Gone),
            WatchReferenceFrom = verdict.ReferenceFrom,
            WatchesMatch = verdict.Problems.Count == 0,
        };
    }

    private static Dictionary<string, double> Percentiles(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
            return [];

        var sorted = values.Order().ToArray();
        double At(double q) => Math.Round(sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(q * sorted.Length))], 1);
        return new() { ["p50"] = At(0.5), ["p99"] = At(0.99), ["max"] = Math.Round(sorted[^1], 1) };
    }
}

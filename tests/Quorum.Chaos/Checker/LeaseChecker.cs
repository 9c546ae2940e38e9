using Quorum.Chaos.Cluster;
using Quorum.Chaos.Workloads;

namespace Quorum.Chaos.Checker;

/// <summary>
/// Checks the lease guarantee of docs/API.md against what the clients saw, on the checker's own
/// clock (no node's clock enters it):
/// <list type="bullet">
/// <item><b>Early expiry</b>: a key seen gone (a linearizable read or listing answered, or a watch
/// delete received) before its write was sent + TTL. Always a bug.</item>
/// <item><b>Late expiry</b>: a key seen present by a look asked for after its bound: acknowledged +
/// TTL + <see cref="Slack"/>, where every leader change before that look restarts a full TTL from
/// when the new leader was first seen, and time with no leader is added, as is time while the
/// nemesis degraded a link (lost or delayed packets stretch the leader's rounds without bound), cut
/// the leader off from the majority until its successor was seen, or filled the leader's disk.</item>
/// </list>
/// </summary>
internal static class LeaseChecker
{
    /// <summary>
    /// How long past its due time the leader may take to delete a key: its expirer wakes at least
    /// every 250 ms and then commits the expiry in one round; docs/API.md gives the same figure.
    /// </summary>
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(1);

    public static LeaseVerdict Check(IReadOnlyCollection<LeaseWrite> writes, IReadOnlyCollection<LeaseObservation> observations, IReadOnlyList<LeadershipSample> timeline, IReadOnlyCollection<(long From, long To)>? degraded = null)
    {
        var early = new List<string>();
        var late = new List<string>();
        var delays = new List<double>();
        var margins = new List<double>();
        var byKey = observations.ToLookup(static o => o.Key, StringComparer.Ordinal);
        var unobserved = 0;
        foreach (var write in writes)
        {
            var ttl = (long)write.Ttl.TotalMicroseconds;
            var looks = byKey[write.Key].ToArray();
            if (looks.Length == 0)
            {
                unobserved++;
                continue;
            }

            // One line per key, for its first offending look.
            if (looks.Where(l => !l.Present && l.Complete < write.Invoke + ttl).MinBy(static l => l.Complete) is { } gone)
                early.Add($"{write.Key} (ttl {write.Ttl.TotalSeconds:0.0}s, written via {write.Node}) seen gone by a {gone.How} via {gone.Node} {Seconds(gone.Complete - write.Invoke)} after its write was sent");
            // A look saw the key at some time between its asking and its answer: it is late only if
            // it was asked after the bound, even counting every leader change up to its answer.
            if (looks.Where(l => l.Present).OrderBy(static l => l.Invoke).Select(l => (Look: l, Bound: LateBound(write, timeline, l.Complete, degraded))).FirstOrDefault(static k => k.Look.Invoke > k.Bound) is { Look: { } kept } late1)
                late.Add($"{write.Key} (ttl {write.Ttl.TotalSeconds:0.0}s, written via {write.Node}) seen present by a {kept.How} via {kept.Node} asked {Seconds(kept.Invoke - write.Ack)} after its write was acknowledged, {Seconds(kept.Invoke - late1.Bound)} past its bound");

            // How close each expiry came to the line either side, by the watch (the tightest look).
            if (looks.Where(static l => l.How == "watch").Select(static l => (long?)l.Complete).Min() is { } deleted)
            {
                margins.Add((deleted - (write.Invoke + ttl)) / 1000.0);
                delays.Add((deleted - (write.Ack + ttl)) / 1000.0);
            }
        }

        return new LeaseVerdict(writes.Count, unobserved, observations.GroupBy(static o => o.How).ToDictionary(static g => g.Key, static g => g.Count()), early, late, delays, margins);
    }

    /// <summary>
    /// When a key seen present at <paramref name="seen"/> had to be gone by: acknowledged + TTL +
    /// <see cref="Slack"/>, pushed back by every leader change and all the time without a leader
    /// between the write and that look. A change counts even after the key was due: a leader cut off
    /// from the others still says it leads, but commits nothing, until its successor is seen. The
    /// first sample after the look counts too: only it tells whether leadership had moved by then.
    /// </summary>
    public static long LateBound(LeaseWrite write, IReadOnlyList<LeadershipSample> timeline, long seen, IReadOnlyCollection<(long From, long To)>? degraded = null)
    {
        var ttl = (long)write.Ttl.TotalMicroseconds;
        var due = write.Ack + ttl;
        var term = timeline.LastOrDefault(s => s.Time <= write.Invoke && s.Leader is not null)?.Term ?? -1;
        var previous = write.Invoke;
        var samples = timeline.Where(s => s.Time > write.Invoke).ToList();
        var through = samples.FindIndex(s => s.Time > seen);
        foreach (var sample in through < 0 ? samples : samples.Take(through + 1))
        {
            if (sample.Leader is null)
            {
                // No one led since the last look, so no one expired anything.
                due += sample.Time - previous;
            }
            else if (sample.Term > term)
            {
                // A new leader counts the TTL from when it applied the write: at worst from now.
                due = Math.Max(due, sample.Time + ttl);
                term = sample.Term;
            }

            previous = sample.Time;
        }

        // Rounds have no fixed length while a link loses or delays packets: that time is added too.
        foreach (var (from, to) in degraded ?? [])
            due += Math.Max(0, Math.Min(to, seen) - Math.Max(from, write.Invoke));

        return due + (long)Slack.TotalMicroseconds;
    }

    private static string Seconds(long microseconds) => $"{microseconds / 1_000_000.0:0.000}s";
}

/// <summary>What the lease check found.</summary>
/// <param name="Keys">Leased keys acknowledged.</param>
/// <param name="Unobserved">Keys never looked at (no look was answered).</param>
/// <param name="Looks">Answered looks by kind.</param>
/// <param name="Early">The keys that expired early, one line each.</param>
/// <param name="Late">The keys that expired late, one line each.</param>
/// <param name="DelaysMilliseconds">Per key seen deleted by the watch: how long after acknowledgement + TTL.</param>
/// <param name="MarginsMilliseconds">Per key seen deleted by the watch: how long after sending + TTL (never negative, or it was early).</param>
internal sealed record LeaseVerdict(int Keys, int Unobserved, IReadOnlyDictionary<string, int> Looks, IReadOnlyList<string> Early, IReadOnlyList<string> Late, IReadOnlyList<double> DelaysMilliseconds, IReadOnlyList<double> MarginsMilliseconds);

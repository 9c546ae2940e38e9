using Quorum.Chaos.History;

namespace Quorum.Chaos.Cluster;

/// <summary>
/// Who led, and when, as the nodes said it: every node's status is asked about ten times a second,
/// on the history's clock. The lease checker needs it, because a lease outlives its TTL by design
/// when leadership moves (the new leader counts from when it applied the write) or when no node
/// leads (no one expires anything).
/// </summary>
internal sealed class LeadershipTimeline(ChaosCluster cluster, HistoryRecorder history)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly List<LeadershipSample> samples = [];
    private readonly Lock gate = new();

    /// <summary>Gets the samples so far, in time order.</summary>
    public IReadOnlyList<LeadershipSample> Samples
    {
        get
        {
            lock (gate)
                return [.. samples];
        }
    }

    /// <summary>Samples until <paramref name="token"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            var statuses = await Task.WhenAll(cluster.Nodes.Select(n => n.ProbeAsync(ProbeTimeout)));

            // Stamped when the answers are in: a leader seen here may have been elected any time
            // before, so the later stamp is the lenient one for the lease bound.
            var time = history.Now;

            // A deposed leader cut off from the others may still say it leads, in its old term;
            // the leader that can commit is the one with the highest term.
            var leader = statuses.Where(static s => s is { State: "leader" }).MaxBy(static s => s!.Term);
            lock (gate)
                samples.Add(new LeadershipSample(time, leader?.Id, leader?.Term ?? -1));

            try
            {
                await Task.Delay(Interval, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
        }
    }
}

/// <summary>One look at who led.</summary>
/// <param name="Time">When the nodes' answers were in, in microseconds on the history's clock.</param>
/// <param name="Leader">The node that said it led in the highest term, or <see langword="null"/> when none did.</param>
/// <param name="Term">Its term, or -1.</param>
internal sealed record LeadershipSample(long Time, string? Leader, long Term);

using System.Collections.Concurrent;
using Quorum.Chaos.Cluster;
using Quorum.Chaos.Nemesis;

namespace Quorum.Chaos.Clocks;

/// <summary>
/// Steps the nodes' wall clocks while the run goes on: every 2-4 s one node's clock jumps to a new
/// offset of up to ±30 s from the host's, every other step the leader's. A step counts only when
/// the node's own HTTP <c>Date</c> header shows the new offset; a node that does not answer at the
/// time (killed, paused) has its step recorded as not seen, and a node that answers with the old
/// time for 5 s fails the run as an injection that did not take.
/// </summary>
internal sealed class ClockNemesis(ChaosCluster cluster, Random random)
{
    /// <summary>The largest offset from the host's clock, either way.</summary>
    public const int MaxOffsetSeconds = 30;

    // Steps at least this large, so that the Date header (whole seconds, refreshed once a second)
    // tells the new offset from the old one.
    private const int MinStepSeconds = 5;

    private static readonly TimeSpan SeenTimeout = TimeSpan.FromSeconds(5);

    // How long a step waits for a node that does not answer: longer than the other nemesis keeps a
    // node down (a kill restarts within 10 s, a leader pause lasts 12 s).
    private static readonly TimeSpan DownTimeout = TimeSpan.FromSeconds(20);

    // How long a leader's step waits for a leader (one may be down or paused by the other nemesis)
    // before it steps a random node's clock instead.
    private static readonly TimeSpan LeaderTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentQueue<FaultRecord> records = new();

    /// <summary>Gets every step, with its evidence.</summary>
    public IReadOnlyCollection<FaultRecord> Records => records;

    /// <summary>Puts every node at an offset of its own, then steps clocks until <paramref name="token"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken token)
    {
        try
        {
            foreach (var node in cluster.Nodes)
                records.Enqueue(await StepAsync("clock-step", node, NextOffset(0), token));

            for (var i = 1; !token.IsCancellationRequested; i++)
            {
                await Task.Delay(random.Next(2_000, 4_000), token);
                var leader = i % 2 == 0 ? await cluster.WaitForLeaderAsync(cluster.Nodes, afterTerm: -1, LeaderTimeout, token) : null;
                var node = leader?.Node ?? cluster.Nodes[random.Next(cluster.Nodes.Count)];
                var record = await StepAsync(leader is null ? "clock-step" : "clock-step-leader", node, NextOffset(node.Clock!.OffsetSeconds), token);
                records.Enqueue(record);
                RunLog.Write("clock nemesis: " + record);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    /// <summary>Steps <paramref name="node"/>'s wall clock to <paramref name="offsetSeconds"/> and looks for the step in its <c>Date</c> header.</summary>
    public static async Task<FaultRecord> StepAsync(string kind, ChaosNode node, int offsetSeconds, CancellationToken token)
    {
        var clock = node.Clock ?? throw new InvalidOperationException($"{node.Id} was not started on a clock of its own.");
        var evidence = new FaultEvidence(kind, node.Id);
        var from = clock.OffsetSeconds;
        clock.Set(offsetSeconds);
        evidence.Saw($"offset {from:+0;-0;0}s -> {offsetSeconds:+0;-0;0}s");

        // A node that the other nemesis has killed or paused cannot show its clock until it is back;
        // the offset file outlives a restart, so the step is seen once the node answers again. The
        // step failed only if the node kept answering with the old time for 5 s on end.
        double? last = null;
        var stepped = DateTime.UtcNow;
        DateTime? answeringSince = null;
        var wasDown = false;
        while (DateTime.UtcNow < stepped + DownTimeout)
        {
            var measured = await MeasureOffsetAsync(node, token);
            if (measured is not { } seconds)
            {
                answeringSince = null;
                wasDown = true;
            }
            else
            {
                last = seconds;
                answeringSince ??= DateTime.UtcNow;
                if (Matches(seconds, offsetSeconds))
                {
                    if (wasDown)
                        evidence.Saw("it answers again after being down or paused");
                    evidence.Saw($"its Date header is {seconds:+0.0;-0.0}s from the host's clock");
                    return evidence.ToRecord();
                }

                if (DateTime.UtcNow - answeringSince >= SeenTimeout)
                {
                    evidence.Missed($"its Date header still {seconds:+0.0;-0.0}s from the host's clock after {SeenTimeout.TotalSeconds:0}s of answers");
                    return evidence.ToRecord() with { InjectionFailed = true };
                }
            }

            await Task.Delay(100, token);
        }

        evidence.Missed(last is null
            ? $"no answer to show its clock for {DownTimeout.TotalSeconds:0}s (the node was down or paused)"
            : $"the node was down or paused for most of {DownTimeout.TotalSeconds:0}s; when it answered, its Date header was {last:+0.0;-0.0}s from the host's clock");
        return evidence.ToRecord();
    }

    /// <summary>Reads how far the node's wall clock is from the host's, by the <c>Date</c> header of its answer.</summary>
    /// <returns>Seconds (the header's whole seconds, so up to 2 s below the true offset); <see langword="null"/> when the node did not answer.</returns>
    public static async Task<double?> MeasureOffsetAsync(ChaosNode node, CancellationToken token)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            using var response = await node.Http.GetAsync("status", timeout.Token);
            var host = DateTimeOffset.UtcNow;
            return response.Headers.Date is { } date ? (date - host).TotalSeconds : null;
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !token.IsCancellationRequested))
        {
            return null;
        }
    }

    // Kestrel's Date header is the node's time cut to whole seconds and refreshed once a second, so
    // it reads between 2 s below the offset and the offset itself.
    private static bool Matches(double measured, int offset) => measured >= offset - 2.5 && measured <= offset + 0.5;

    private int NextOffset(int current)
    {
        while (true)
        {
            var next = random.Next(-MaxOffsetSeconds, MaxOffsetSeconds + 1);
            if (Math.Abs(next - current) >= MinStepSeconds)
                return next;
        }
    }
}

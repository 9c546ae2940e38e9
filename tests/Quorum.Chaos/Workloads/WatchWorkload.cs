using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Quorum.Chaos.Checker;
using Quorum.Chaos.Cluster;
using Quorum.Client;

namespace Quorum.Chaos.Workloads;

/// <summary>
/// Workload (d), watches: one client puts and deletes a few keys under <see cref="Prefix"/>, one
/// request at a time (so each revision carries at most one change of the prefix, and resuming from
/// the last revision seen + 1 can skip nothing), while watchers follow the prefix from revision 1.
/// A watcher whose stream ends, breaks, refuses or goes quiet reconnects to another member from
/// the last revision it saw + 1; one refused with 410 (the node no longer keeps that history) lists
/// the prefix and watches on from the listing's revision + 1. At the end an end marker is written
/// under the prefix, every watcher reads up to it, and a final watch on the healed cluster gives
/// the reference that <see cref="WatchChecker"/> holds each watcher to.
/// </summary>
internal sealed class WatchWorkload(ChaosCluster cluster, WatchStreams streams, int seed, bool plantedGap)
{
    public const string Prefix = "watched/";

    private const string EndKey = Prefix + "~end";
    private const int Keys = 4;

    // A watch that shows nothing for this long while writes go on is taken for stuck (a paused or
    // cut-off node serves nothing) and moved to another member.
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan FinishTimeout = TimeSpan.FromSeconds(60);

    // The change a planted gap drops: well into the run, so it is not at the edge of anything.
    private const int PlantedGapAt = 25;

    private readonly ConcurrentQueue<WatchedEvent> acknowledged = new();
    private readonly ConcurrentDictionary<string, bool> refused = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource watching = new();
    private Task<WatcherHistory[]> watchers = Task.FromResult(Array.Empty<WatcherHistory>());
    private long endRevision = long.MaxValue;

    /// <summary>Runs the writer until <paramref name="token"/> is cancelled, and <paramref name="count"/> watchers until <see cref="FinishAsync"/>.</summary>
    public Task RunAsync(HttpOperations operations, int count, int process, CancellationToken token)
    {
        watchers = Task.WhenAll(Enumerable.Range(1, count).Select(i => Task.Run(() => WatchAsync($"watcher-{i}", new Random(seed + 500 + i), plantedGap && i == 1), CancellationToken.None)));
        return Task.Run(() => WriteAsync(operations, process, token), CancellationToken.None);
    }

    /// <summary>
    /// On the healed cluster: writes the end marker, waits for every watcher to read up to it,
    /// reads the reference and the final listing, and checks.
    /// </summary>
    public async Task<(WatchVerdict Verdict, IReadOnlyList<WatcherHistory> Watchers)> FinishAsync(CancellationToken token)
    {
        var problems = new List<string>();
        var end = await WriteEndAsync(token);
        if (end is null)
            problems.Add("watch: the end marker could not be written");
        else
            Volatile.Write(ref endRevision, end.Value);

        watching.CancelAfter(FinishTimeout);
        var histories = await watchers;
        var reference = end is null ? null : await ReferenceAsync(end.Value, token);
        var listing = await ListAsync(token);
        if (reference is null || listing is null)
        {
            problems.Add("watch: no reference history could be read on the healed cluster");
            return (new WatchVerdict(0, 0, problems), histories);
        }

        var verdict = WatchChecker.Check(reference, histories, [.. acknowledged], refused.Keys.ToHashSet(StringComparer.Ordinal), listing.Value.Items);
        return (verdict with { Problems = [.. problems, .. verdict.Problems] }, histories);
    }

    private async Task WriteAsync(HttpOperations operations, int process, CancellationToken token)
    {
        var random = new Random(seed + process);
        for (var n = 0; !token.IsCancellationRequested; n++)
        {
            var node = cluster.Nodes[random.Next(cluster.Nodes.Count)];
            var key = Prefix + random.Next(Keys).ToString(CultureInfo.InvariantCulture);
            var value = $"w{n.ToString(CultureInfo.InvariantCulture)}";
            try
            {
                var delete = random.Next(5) == 0;
                var (status, revision) = await operations.ChangeAsync(node.Id, node.HttpUrl, key, delete ? null : value, token);
                // A delete of an absent key is acknowledged with a revision but makes no change, so
                // only puts are held to appearing in the history.
                if (status == History.OperationStatus.Ok && !delete)
                    acknowledged.Enqueue(new WatchedEvent("put", key, value, revision));
                else if (status == History.OperationStatus.Fail && !delete)
                    refused[value] = true;

                await Task.Delay(random.Next(20, 60), token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<WatcherHistory> WatchAsync(string name, Random random, bool dropOne)
    {
        var segments = new List<WatchSegment>();
        var events = new List<WatchedEvent>();
        var (from, next) = (1L, 1L);
        IReadOnlyDictionary<string, string>? start = new Dictionary<string, string>(StringComparer.Ordinal);
        var (reconnects, gone, received) = (0, 0, 0);
        var reachedEnd = false;
        var node = cluster.Nodes[random.Next(cluster.Nodes.Count)];
        try
        {
            while (!reachedEnd)
            {
                var (status, _) = await streams.ReadAsync(node, Prefix, next, Idle, item =>
                {
                    switch (item)
                    {
                        case WatchItem.CutOff cutOff:
                            next = cutOff.Revision;
                            return false;
                        case WatchItem.Change { Event: var change }:
                            next = change.Revision + 1;
                            if (dropOne && ++received == PlantedGapAt)
                                return true;

                            events.Add(change);
                            reachedEnd = change.Key == EndKey;
                            return !reachedEnd;
                        default:
                            return true;
                    }
                }, watching.Token);

                if (reachedEnd)
                    break;

                if (status == HttpStatusCode.Gone)
                {
                    // The history is gone from this node: start a new stretch from a listing.
                    gone++;
                    if (await ListAsync(watching.Token) is var (revision, items))
                    {
                        segments.Add(new WatchSegment(from, start, [.. events], next - 1));
                        (events, start, from, next) = ([], items, revision + 1, revision + 1);

                        // A listing taken after the end marker holds it: there is nothing left to watch.
                        reachedEnd = items.ContainsKey(EndKey);
                    }
                }

                // Whatever ended the stream, go on at another member.
                reconnects++;
                node = cluster.Nodes.Count == 1 ? node : cluster.Nodes.Where(n => n != node).ElementAt(random.Next(cluster.Nodes.Count - 1));
                if (status is not HttpStatusCode.OK)
                    await Task.Delay(random.Next(100, 300), watching.Token);
            }
        }
        catch (OperationCanceledException) when (watching.IsCancellationRequested)
        {
        }

        segments.Add(new WatchSegment(from, start, events, reachedEnd ? next - 1 : Math.Min(next - 1, Volatile.Read(ref endRevision))));
        RunLog.Write($"watch: {name} saw {segments.Sum(static s => s.Events.Count)} changes in {segments.Count} stretch(es), reconnected {reconnects} times, {gone} refused with 410{(reachedEnd ? string.Empty : ", NEVER REACHED THE END")}");
        return new WatcherHistory(name, segments, reachedEnd, reconnects, gone);
    }

    private async Task<long?> WriteEndAsync(CancellationToken token)
    {
        var deadline = DateTime.UtcNow + FinishTimeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var node in cluster.Nodes)
            {
                try
                {
                    using var response = await node.Http.PutAsync(QuorumClient.KeyPath(EndKey), new StringContent("end"), token);
                    if (response.IsSuccessStatusCode)
                    {
                        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(token));
                        return body.RootElement.GetProperty("revision").GetInt64();
                    }
                }
                catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !token.IsCancellationRequested))
                {
                }
            }

            await Task.Delay(200, token);
        }

        return null;
    }

    // The committed history of the prefix up to the end marker, read by a final watch on each node
    // in turn: from revision 1 where the node still keeps it, else from the oldest revision any
    // node keeps (the 410's revision), whose state before is then unknown.
    private async Task<WatchSegment?> ReferenceAsync(long end, CancellationToken token)
    {
        long? oldest = null;
        ChaosNode? keeper = null;
        foreach (var node in cluster.Nodes)
        {
            if (await ReadThroughAsync(node, 1, end, token) is { } events)
                return new WatchSegment(1, new Dictionary<string, string>(StringComparer.Ordinal), events, end);

            if (await streams.ReadAsync(node, Prefix, 1, Idle, _ => false, token) is (HttpStatusCode.Gone, { } kept) && (oldest is null || kept < oldest))
                (oldest, keeper) = (kept, node);
        }

        if (keeper is not null && await ReadThroughAsync(keeper, oldest!.Value, end, token) is { } later)
        {
            RunLog.Write($"watch: no node keeps the history from revision 1; the reference starts at {oldest} on {keeper.Id}");
            return new WatchSegment(oldest.Value, null, later, end);
        }

        return null;
    }

    private async Task<List<WatchedEvent>?> ReadThroughAsync(ChaosNode node, long from, long end, CancellationToken token)
    {
        var events = new List<WatchedEvent>();
        var (status, _) = await streams.ReadAsync(node, Prefix, from, Idle * 3, item =>
        {
            switch (item)
            {
                case WatchItem.CutOff:
                    return false;
                case WatchItem.Change { Event: var change }:
                    events.Add(change);
                    return change.Revision < end;
                default:
                    return true;
            }
        }, token);
        return status == HttpStatusCode.OK && events is [.., { Revision: var reached }] && reached >= end ? events : null;
    }

    private async Task<(long Revision, IReadOnlyDictionary<string, string> Items)?> ListAsync(CancellationToken token)
    {
        var deadline = DateTime.UtcNow + FinishTimeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var node in cluster.Nodes)
            {
                if (await streams.ListAsync(node, Prefix, token) is { } listing)
                    return listing;
            }

            await Task.Delay(200, token);
        }

        return null;
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using Quorum.Chaos.Cluster;
using Quorum.Chaos.History;
using Quorum.Client;

namespace Quorum.Chaos.Workloads;

/// <summary>
/// Workload (c), leases: clients write keys of their own with TTLs of 2-6 s through random nodes,
/// each key once, and then watch each acknowledged key go. Three kinds of look are recorded for
/// <see cref="Checker.LeaseChecker"/>: linearizable reads of the key through random nodes (sparse
/// until a second before it is due, then every 100-200 ms until it is gone), linearizable listings
/// of every lease key, and the delete events of a watch on the prefix.
/// </summary>
internal sealed class LeaseWorkload(ChaosCluster cluster, HttpOperations operations, HistoryRecorder history, int seed)
{
    public const string KeyPrefix = "lease/";

    private const int MinTtlMilliseconds = 2_000;
    private const int MaxTtlMilliseconds = 6_000;

    // How long past its TTL a key is still looked at: past the longest run without a leader a
    // fault makes, so a key that never goes is reported late rather than lost track of.
    private static readonly TimeSpan LookFor = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, LeaseWrite> writes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LeaseWrite> open = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<LeaseObservation> observations = new();
    private readonly ConcurrentQueue<Task> observers = new();
    private readonly CancellationTokenSource looking = new();
    private Task lookers = Task.CompletedTask;

    /// <summary>Gets the acknowledged lease writes.</summary>
    public IReadOnlyCollection<LeaseWrite> Writes => [.. writes.Values];

    /// <summary>Gets every look at a lease key.</summary>
    public IReadOnlyCollection<LeaseObservation> Observations => observations;

    /// <summary>Runs <paramref name="clients"/> writers until <paramref name="token"/> is cancelled, and the listing and the watch until <see cref="FinishAsync"/>.</summary>
    public Task RunAsync(int clients, int firstProcess, CancellationToken token)
    {
        // The looks go on after the writers stop, until every key written has been seen gone.
        lookers = Task.WhenAll(Task.Run(() => ListAsync(firstProcess + clients, looking.Token), CancellationToken.None), Task.Run(() => WatchAsync(looking.Token), CancellationToken.None));
        return Task.WhenAll(Enumerable.Range(firstProcess, clients).Select(process => Task.Run(() => WriteAsync(process, token))));
    }

    /// <summary>Waits until every key written has been seen gone (or looked at for long enough), then stops looking.</summary>
    public async Task FinishAsync()
    {
        while (observers.TryDequeue(out var observer))
            await observer;

        await looking.CancelAsync();
        await lookers;
        looking.Dispose();
    }

    private async Task WriteAsync(int process, CancellationToken token)
    {
        var random = new Random(seed + process);
        for (var n = 0; !token.IsCancellationRequested; n++)
        {
            var node = cluster.Nodes[random.Next(cluster.Nodes.Count)];
            var key = $"{KeyPrefix}{process}/{n.ToString(CultureInfo.InvariantCulture)}";
            var ttl = TimeSpan.FromMilliseconds(random.Next(MinTtlMilliseconds / 100, (MaxTtlMilliseconds / 100) + 1) * 100);
            try
            {
                var operation = await operations.WriteAsync(process, node.Id, node.HttpUrl, key, $"value-of-{key}", ttl, token);
                if (operation.Status == OperationStatus.Ok)
                {
                    var write = new LeaseWrite(key, ttl, operation.Invoke, operation.Complete, node.Id);
                    writes[key] = write;
                    open[key] = write;
                    observers.Enqueue(Task.Run(() => ObserveAsync(process, write, new Random(random.Next())), CancellationToken.None));
                }

                await Task.Delay(random.Next(200, 400), token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
        }
    }

    // Reads the key through random nodes until one says it is gone.
    private async Task ObserveAsync(int process, LeaseWrite write, Random random)
    {
        var dueSoon = write.Invoke + (long)(write.Ttl - TimeSpan.FromSeconds(1)).TotalMicroseconds;
        var giveUp = write.Ack + (long)(write.Ttl + LookFor).TotalMicroseconds;
        try
        {
            while (history.Now < giveUp)
            {
                var node = cluster.Nodes[random.Next(cluster.Nodes.Count)];
                var read = await operations.ReadAsync(process, node.Id, node.HttpUrl, write.Key, looking.Token);
                if (read.Status == OperationStatus.Ok)
                {
                    observations.Enqueue(new LeaseObservation(write.Key, "read", read.Value is not null, read.Invoke, read.Complete, node.Id));
                    if (read.Value is null)
                        return;
                }

                await Task.Delay(history.Now < dueSoon ? random.Next(400, 800) : random.Next(100, 200), looking.Token);
            }
        }
        catch (OperationCanceledException) when (looking.IsCancellationRequested)
        {
        }
        finally
        {
            open.TryRemove(write.Key, out _);
        }
    }

    // Lists every lease key through random nodes; each key acknowledged before the listing was
    // asked for is looked at by it.
    private async Task ListAsync(int process, CancellationToken token)
    {
        var random = new Random(seed + process);
        while (!token.IsCancellationRequested)
        {
            var node = cluster.Nodes[random.Next(cluster.Nodes.Count)];
            var asked = history.Now;
            var candidates = open.Values.Where(w => w.Ack < asked).ToArray();
            try
            {
                var (invoke, complete, keys) = await operations.ListKeysAsync(node.Id, node.HttpUrl, KeyPrefix, token);
                if (keys is not null)
                {
                    foreach (var write in candidates)
                        observations.Enqueue(new LeaseObservation(write.Key, "list", keys.Contains(write.Key), invoke, complete, node.Id));
                }

                await Task.Delay(random.Next(300, 600), token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
        }
    }

    // Watches the prefix through whichever node answers; a delete event was applied before it was
    // received, so its receipt is a look that saw the key gone.
    private async Task WatchAsync(CancellationToken token)
    {
        using var client = new QuorumClient(cluster.Nodes.Select(static n => new Uri(n.HttpUrl)), cluster.Security?.WorkloadClient() ?? new QuorumClientOptions());
        while (!token.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in client.WatchAsync(KeyPrefix, token: token))
                {
                    if (change.Type == WatchEventType.Delete)
                    {
                        var now = history.Now;
                        observations.Enqueue(new LeaseObservation(change.Key, "watch", Present: false, now, now, "watch"));
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (QuorumClientException e)
            {
                // No node could serve the watch for a while (a long fault); watch again from now.
                RunLog.Write($"lease watch restarted: {e.Message}");
            }
        }
    }
}

/// <summary>A leased key the workload wrote and saw acknowledged.</summary>
/// <param name="Key">The key, written only this once.</param>
/// <param name="Ttl">Its lease.</param>
/// <param name="Invoke">When the write was sent, in microseconds on the history's clock.</param>
/// <param name="Ack">When it was acknowledged.</param>
/// <param name="Node">The node it was sent to.</param>
internal sealed record LeaseWrite(string Key, TimeSpan Ttl, long Invoke, long Ack, string Node);

/// <summary>One look at whether a leased key was there.</summary>
/// <param name="Key">The key.</param>
/// <param name="How"><c>read</c>, <c>list</c> or <c>watch</c> (a delete event).</param>
/// <param name="Present">Whether the key was there.</param>
/// <param name="Invoke">When the look was asked for (for a watch event: when it was received).</param>
/// <param name="Complete">When it was answered.</param>
/// <param name="Node">The node that answered.</param>
internal sealed record LeaseObservation(string Key, string How, bool Present, long Invoke, long Complete, string Node);

using System.Collections.Concurrent;
using System.Globalization;
using Quorum.Chaos.Cluster;
using Quorum.Chaos.History;

namespace Quorum.Chaos.Workloads;

/// <summary>
/// Workload (b), unique writes: each client writes keys of its own that no one else writes. At the
/// end, after healing and settling, every acknowledged key must be on every node.
/// </summary>
internal static class UniqueWritesWorkload
{
    public const string KeyPrefix = "unique/";

    /// <summary>Runs <paramref name="clients"/> writers until <paramref name="token"/> is cancelled, collecting the acknowledged keys.</summary>
    public static Task RunAsync(ChaosCluster cluster, HttpOperations operations, int clients, int firstProcess, int seed, ConcurrentDictionary<string, string> acknowledged, CancellationToken token)
        => Task.WhenAll(Enumerable.Range(firstProcess, clients).Select(process => Task.Run(async () =>
        {
            var random = new Random(seed + process);
            for (var n = 0; !token.IsCancellationRequested; n++)
            {
                var node = cluster.Nodes[random.Next(cluster.Nodes.Count)];
                var key = $"{KeyPrefix}{process}/{n.ToString(CultureInfo.InvariantCulture)}";
                try
                {
                    var operation = await operations.WriteAsync(process, node.Id, node.HttpUrl, key, $"value-of-{key}", token);
                    if (operation.Status == OperationStatus.Ok)
                        acknowledged[key] = operation.Value!;

                    await Task.Delay(operation.Status == OperationStatus.Ok ? random.Next(2, 10) : random.Next(10, 50), token);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
            }
        })));

    /// <summary>Reads every acknowledged key from every node's own replica and returns the keys some node lacks.</summary>
    public static async Task<IReadOnlyList<string>> FindLostAsync(ChaosCluster cluster, IReadOnlyDictionary<string, string> acknowledged)
    {
        var lost = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(acknowledged, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (pair, token) =>
        {
            foreach (var node in cluster.Nodes)
            {
                var value = await node.Client.GetStringAsync(pair.Key, Quorum.Client.Consistency.Stale, token);
                if (value != pair.Value)
                    lost.Add($"{pair.Key} on {node.Id}: {value ?? "(absent)"}");
            }
        });

        return [.. lost.Order(StringComparer.Ordinal)];
    }
}

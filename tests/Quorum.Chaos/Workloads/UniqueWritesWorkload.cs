using System.Collections.Concurrent;
using System.Globalization;
using Quorum.Chaos.Cluster;
using Quorum.Chaos.History;

namespace Quorum.Chaos.Workloads;

/// <summary>
/// Workload (b), unique writes: each client writes keys of its own that no one else writes, and never
/// writes a key twice. At the end, after healing and settling, every acknowledged key must be on
/// every node, and every key whose write was certainly not applied (a 503, or no connection) must be
/// on none: that is what "503 changes nothing" means.
/// </summary>
internal sealed class UniqueWritesWorkload
{
    public const string KeyPrefix = "unique/";

    private readonly ConcurrentDictionary<string, string> acknowledged = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> refused = new(StringComparer.Ordinal);

    /// <summary>Gets the keys whose write was acknowledged, with their values.</summary>
    public IReadOnlyDictionary<string, string> Acknowledged => acknowledged;

    /// <summary>Gets the keys whose write certainly did not take effect, with the answer that said so.</summary>
    public IReadOnlyDictionary<string, string> Refused => refused;

    /// <summary>Runs <paramref name="clients"/> writers until <paramref name="token"/> is cancelled.</summary>
    public Task RunAsync(ChaosCluster cluster, HttpOperations operations, int clients, int firstProcess, int seed, CancellationToken token)
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
                    else if (operation.Status == OperationStatus.Fail)
                        refused[key] = $"{operation.Answer} via {operation.Node}";

                    await Task.Delay(operation.Status == OperationStatus.Ok ? random.Next(2, 10) : random.Next(10, 50), token);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
            }
        })));

    /// <summary>Reads every acknowledged and every refused key from every node's own replica.</summary>
    /// <returns>The acknowledged keys some node lacks, and the refused keys some node has.</returns>
    public async Task<(IReadOnlyList<string> Lost, IReadOnlyList<string> RefusedButApplied)> CheckAsync(ChaosCluster cluster)
    {
        var lost = new ConcurrentBag<string>();
        var applied = new ConcurrentBag<string>();
        var expectations = acknowledged.Select(static p => (p.Key, Expected: (string?)p.Value, Why: "acknowledged"))
            .Concat(refused.Select(static p => (p.Key, Expected: (string?)null, Why: p.Value)));
        await Parallel.ForEachAsync(expectations, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (item, token) =>
        {
            foreach (var node in cluster.Nodes)
            {
                string? value;
                try
                {
                    value = await node.Client.GetStringAsync(item.Key, Quorum.Client.Consistency.Stale, token);
                }
                catch (Exception e) when (e is Quorum.Client.QuorumClientException or HttpRequestException or TaskCanceledException)
                {
                    // A settled node must answer a read of its own replica; not knowing is a failure too.
                    lost.Add($"{item.Key} on {node.Id}: could not be read ({e.Message})");
                    continue;
                }

                if (value == item.Expected)
                    continue;
                if (item.Expected is null)
                    applied.Add($"{item.Key} ({item.Why}) is on {node.Id}");
                else
                    lost.Add($"{item.Key} on {node.Id}: {value ?? "(absent)"}");
            }
        });

        return ([.. lost.Order(StringComparer.Ordinal)], [.. applied.Order(StringComparer.Ordinal)]);
    }
}

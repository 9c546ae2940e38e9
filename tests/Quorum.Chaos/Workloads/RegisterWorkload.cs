using System.Globalization;
using Quorum.Chaos.Cluster;

namespace Quorum.Chaos.Workloads;

/// <summary>
/// Workload (a), registers: concurrent clients write unique values to, and read, a handful of keys,
/// each request through a random node, with the default (linearizable) reads.
/// </summary>
internal static class RegisterWorkload
{
    public const string KeyPrefix = "register/";

    /// <summary>Runs <paramref name="clients"/> clients until <paramref name="token"/> is cancelled.</summary>
    public static Task RunAsync(ChaosCluster cluster, HttpOperations operations, int clients, int keys, int firstProcess, int seed, CancellationToken token)
        => Task.WhenAll(Enumerable.Range(firstProcess, clients).Select(process => Task.Run(async () =>
        {
            var random = new Random(seed + process);
            for (var n = 0; !token.IsCancellationRequested; n++)
            {
                var node = cluster.Nodes[random.Next(cluster.Nodes.Count)];
                var key = KeyPrefix + random.Next(keys).ToString(CultureInfo.InvariantCulture);
                try
                {
                    if (random.Next(2) == 0)
                        await operations.WriteAsync(process, node.Id, node.HttpUrl, key, $"p{process}-{n}", token);
                    else
                        await operations.ReadAsync(process, node.Id, node.HttpUrl, key, token);

                    await Task.Delay(random.Next(0, 5), token);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
            }
        })));
}

using System.Globalization;
using Quorum.Chaos.Cluster;

namespace Quorum.Chaos.Workloads;

/// <summary>
/// Workload (a), registers: concurrent clients write unique values to, read, and compare-and-set a
/// handful of keys, each request through a random node, with the default (linearizable) reads. A
/// compare-and-set reads the key (value and revision), then writes a new unique value on the
/// condition that the key is still at that revision (<c>If-Match</c>, or <c>If-None-Match: *</c>
/// when it was absent).
/// </summary>
internal static class RegisterWorkload
{
    public const string KeyPrefix = "register/";

    /// <summary>Gets the name of the workload's key number <paramref name="index"/>.</summary>
    public static string Key(int index) => KeyPrefix + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Runs <paramref name="clients"/> clients on <paramref name="keys"/> until <paramref name="token"/> is cancelled.</summary>
    public static Task RunAsync(ChaosCluster cluster, HttpOperations operations, int clients, IReadOnlyList<string> keys, int firstProcess, int seed, CancellationToken token)
        => Task.WhenAll(Enumerable.Range(firstProcess, clients).Select(process => Task.Run(async () =>
        {
            var random = new Random(seed + process);
            for (var n = 0; !token.IsCancellationRequested; n++)
            {
                var node = cluster.Nodes[random.Next(cluster.Nodes.Count)];
                var key = keys[random.Next(keys.Count)];
                try
                {
                    switch (random.Next(3))
                    {
                        case 0:
                            await operations.WriteAsync(process, node.Id, node.HttpUrl, key, $"p{process}-{n}", token);
                            break;
                        case 1:
                            await operations.ReadAsync(process, node.Id, node.HttpUrl, key, token);
                            break;
                        default:
                            var (read, revision) = await operations.ReadWithRevisionAsync(process, node.Id, node.HttpUrl, key, token);
                            if (read.Status == History.OperationStatus.Ok)
                                await operations.CompareAndSetAsync(process, node.Id, node.HttpUrl, key, read.Value, revision, $"p{process}-{n}c", token);
                            break;
                    }

                    await Task.Delay(random.Next(0, 5), token);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
            }
        })));
}

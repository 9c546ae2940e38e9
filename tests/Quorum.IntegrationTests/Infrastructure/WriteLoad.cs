using System.Collections.Concurrent;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>
/// Writers that put new keys (<c>PREFIX/WRITER/N</c>) through randomly chosen running nodes until
/// stopped, for tests that crash nodes under load: each acknowledged write is recorded with its
/// revision, and each failure is sorted by <see cref="WriteFailures"/>.
/// </summary>
internal sealed class WriteLoad
{
    private readonly CancellationTokenSource stop = new();
    private readonly System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly Task[] writers;

    private WriteLoad(TestCluster cluster, string prefix, int count)
        => writers = [.. Enumerable.Range(0, count).Select(w => Task.Run(() => WriteAsync(cluster, prefix, w)))];

    /// <summary>Gets every acknowledged write: key, value and the revision the write was acknowledged with.</summary>
    public ConcurrentDictionary<string, (string Value, long Revision)> Acknowledged { get; } = new();

    /// <summary>Gets when each acknowledged write completed, in milliseconds on <see cref="ElapsedMilliseconds"/>'s clock.</summary>
    public ConcurrentQueue<long> Completions { get; } = new();

    /// <summary>Gets the milliseconds since the writers started.</summary>
    public long ElapsedMilliseconds => clock.ElapsedMilliseconds;

    /// <summary>Gets the failed writes, sorted.</summary>
    public WriteFailures Failures { get; } = new();

    /// <summary>Starts <paramref name="writers"/> writers on <paramref name="cluster"/>.</summary>
    public static WriteLoad Start(TestCluster cluster, string prefix, int writers = 8) => new(cluster, prefix, writers);

    /// <summary>Waits until <paramref name="count"/> more writes than now are acknowledged.</summary>
    public Task WaitForMoreAsync(int count, TimeSpan timeout, string what)
    {
        var target = Acknowledged.Count + count;
        return Eventually.UntilAsync(() => Task.FromResult(Acknowledged.Count >= target), timeout, what);
    }

    /// <summary>Stops the writers and waits for their last requests.</summary>
    public async Task StopAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        stop.Dispose();
    }

    private async Task WriteAsync(TestCluster cluster, string prefix, int writer)
    {
        var random = new Random(writer);
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var node = cluster.Nodes[random.Next(cluster.Nodes.Count)];
            if (!node.IsRunning)
                continue;
            var key = $"{prefix}/{writer}/{i}";
            try
            {
                var revision = await node.Client.PutAsync(key, $"v{writer}.{i}");
                Acknowledged[key] = ($"v{writer}.{i}", revision);
                Completions.Enqueue(clock.ElapsedMilliseconds);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Expected: 503 (nothing applied), 504, a timeout or a lost connection (outcome
                // unknown). Any other failure is recorded and fails the test's AssertNoneUnexpected.
                Failures.Record(e, $"put {key} on {node.Id}");
                await Task.Delay(20);
            }
        }
    }
}

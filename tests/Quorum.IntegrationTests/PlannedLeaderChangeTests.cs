using System.Collections.Concurrent;
using System.Diagnostics;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>
/// A rolling restart under load, stopping the leader with SIGTERM each time: the leader resigns
/// before it drains, no acknowledged write is lost, and the window in which no write completes is
/// measured for each restart.
/// </summary>
public sealed class PlannedLeaderChangeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Stopping_the_leader_with_sigterm_three_times_under_load_hands_over_and_loses_no_acknowledged_write()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var acknowledged = new ConcurrentDictionary<string, string>();
        var completions = new ConcurrentQueue<long>();
        var failures = new WriteFailures();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();

        async Task WriteAsync(int writer)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = $"w{writer}-{i}";
                var node = cluster.Nodes[(writer + i) % cluster.Nodes.Count];
                if (!node.IsRunning)
                    continue;
                try
                {
                    await node.Client.PutAsync(key, $"value of {key}");
                    acknowledged[key] = $"value of {key}";
                    completions.Enqueue(clock.ElapsedMilliseconds);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    failures.Record(e, $"put {key} on {node.Id}");
                    await Task.Delay(5);
                }
            }
        }

        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() => WriteAsync(w))).ToArray();
        var windows = new List<long>();
        try
        {
            for (var round = 0; round < 3; round++)
            {
                var leader = await cluster.WaitForLeaderAsync(Timeout);
                var before = acknowledged.Count;
                await Eventually.UntilAsync(() => Task.FromResult(acknowledged.Count >= before + 100), Timeout, "100 writes before the stop");

                var stoppedAt = clock.ElapsedMilliseconds;
                Assert.Equal(0, await leader.StopAsync(Timeout));
                var successor = await cluster.WaitForLeaderAsync(Timeout, except: leader);
                var afterStop = acknowledged.Count;
                await Eventually.UntilAsync(() => Task.FromResult(acknowledged.Count >= afterStop + 100), Timeout, "100 writes after the stop");
                windows.Add(LongestGap(completions, stoppedAt - 1_000, clock.ElapsedMilliseconds));
                Assert.Contains("Resigned the leadership of term", leader.Log);
                output.WriteLine($"round {round}: {leader.Id} stopped, {successor.Id} leads; longest time with no write completed: {windows[^1]} ms");

                leader.Start();
                await leader.WaitUntilServingAsync(Timeout);
                await cluster.WaitUntilConvergedAsync(Timeout);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            output.WriteLine($"{acknowledged.Count} writes acknowledged; {failures}; windows {string.Join(", ", windows)} ms");
        }

        failures.AssertNoneUnexpected();
        var reader = await cluster.WaitForLeaderAsync(Timeout);
        await Parallel.ForEachAsync(acknowledged, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (pair, token) =>
            Assert.Equal(pair.Value, await reader.Client.GetStringAsync(pair.Key, token: token)));
    }

    // The longest stretch in [from, to] with no write completing, in milliseconds.
    private static long LongestGap(IEnumerable<long> completions, long from, long to)
    {
        var times = completions.Where(t => t >= from && t <= to).Order().ToList();
        var longest = 0L;
        for (var i = 1; i < times.Count; i++)
            longest = Math.Max(longest, times[i] - times[i - 1]);
        return longest;
    }
}

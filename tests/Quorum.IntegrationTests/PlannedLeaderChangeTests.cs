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
        var load = WriteLoad.Start(cluster, "planned", writers: 4);
        var windows = new List<long>();
        try
        {
            for (var round = 0; round < 3; round++)
            {
                var leader = await cluster.WaitForLeaderAsync(Timeout);
                await load.WaitForMoreAsync(100, Timeout, "100 writes before the stop");

                var stoppedAt = load.ElapsedMilliseconds;
                Assert.Equal(0, await leader.StopAsync(Timeout));
                var successor = await cluster.WaitForLeaderAsync(Timeout, except: leader);
                await load.WaitForMoreAsync(100, Timeout, "100 writes after the stop");
                windows.Add(LongestGap(load.Completions, stoppedAt - 1_000, load.ElapsedMilliseconds));
                Assert.Contains("Resigned the leadership of term", leader.Log);
                output.WriteLine($"round {round}: {leader.Id} stopped, {successor.Id} leads; longest time with no write completed: {windows[^1]} ms");

                leader.Start();
                await leader.WaitUntilServingAsync(Timeout);
                await cluster.WaitUntilConvergedAsync(Timeout);
            }
        }
        finally
        {
            await load.StopAsync();
            output.WriteLine($"{load.Acknowledged.Count} writes acknowledged; {load.Failures}; windows {string.Join(", ", windows)} ms");
        }

        load.Failures.AssertNoneUnexpected();
        var reader = await cluster.WaitForLeaderAsync(Timeout);
        await Parallel.ForEachAsync(load.Acknowledged, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (pair, token) =>
            Assert.Equal(pair.Value.Value, await reader.Client.GetStringAsync(pair.Key, token: token)));
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

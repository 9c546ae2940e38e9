using Quorum.Client;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>
/// Membership changes made the way operators make them, including while a member is down: a
/// replaced disk (the same ID rejoining with an empty data directory), a change that would leave no
/// reachable majority (409 unless forced), and two changes at once (409 for the second).
/// </summary>
public sealed class MembershipSafetyTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_removed_member_rejoins_under_the_same_id_with_an_empty_data_directory_even_when_the_first_member_it_asks_is_down()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var replaced = cluster.Nodes.First(n => n != leader);
        for (var i = 0; i < 20; i++)
            await leader.Client.PutAsync($"before/{i}", $"value {i}");

        // The disk of `replaced` fails: it is removed, and comes back empty under the same ID and address.
        await leader.Client.RemoveMemberAsync(replaced.Id);
        Assert.Equal(0, await replaced.StopAsync(Timeout));
        Directory.Delete(replaced.DataDirectory, recursive: true);
        await leader.Client.PutAsync("while-away", "written after the removal");

        // The first member it is told to ask is down (nothing listens there); the second is the leader.
        replaced.Start("--join", $"http://127.0.0.1:{Ports.Next()},{leader.HttpUrl}");
        await replaced.WaitUntilServingAsync(Timeout);
        await Eventually.UntilAsync(
            async () => (await leader.Client.GetMembersAsync()).Any(m => m.Id == replaced.Id && m.Http.Length > 0),
            Timeout,
            $"{replaced.Id} to be a member again");

        await cluster.WaitUntilConvergedAsync(Timeout);
        Assert.Equal("written after the removal", await replaced.Client.GetStringAsync("while-away"));
        var revision = await replaced.Client.PutWithRetryAsync("after-rejoin", "through the rejoined node", Timeout);
        await Eventually.UntilAsync(async () => (await replaced.Client.GetStatusAsync()).AppliedIndex >= revision, Timeout, "the rejoined node to apply its own write");
        for (var i = 0; i < 20; i++)
            Assert.Equal($"value {i}", await replaced.Client.GetStringAsync($"before/{i}", Consistency.Stale));
        Assert.Contains("This node is a member of its cluster's latest configuration", replaced.Log);
    }
}

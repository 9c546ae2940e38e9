using System.Net;
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

    [Fact]
    public async Task With_one_of_three_down_removing_a_live_member_or_adding_a_fourth_is_refused_with_409_unless_forced()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var followers = cluster.Nodes.Where(n => n != leader).ToArray();
        var (live, down) = (followers[0], followers[1]);
        down.Kill();
        await WaitUntilLeaderLostContactAsync(leader, down);
        var before = await MemberIdsAsync(leader);

        // Without `down`, the cluster {leader, down} would have 1 reachable voter of 2.
        using (var refused = await PostMembershipAsync(live, "/raft/remove", new { ID = live.Id }))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains(down.Id, await refused.Content.ReadAsStringAsync());
        }

        Assert.Equal(before, await MemberIdsAsync(leader));
        Assert.Equal("still writable", await WriteAndReadAsync(live, "after-refused-removal", "still writable"));

        // A fourth member needs 3 reachable voters of 4, and only 2 of the 3 are up: its own join
        // requests are refused, and it keeps asking.
        var fourth = cluster.CreateNode();
        fourth.Start("--join", live.HttpUrl);
        await fourth.WaitUntilServingAsync(Timeout);
        await Eventually.UntilAsync(() => Task.FromResult(fourth.Log.Contains("a majority is 3", StringComparison.Ordinal)), Timeout, "the fourth node's join to be refused");
        Assert.Equal(before, await MemberIdsAsync(leader));

        // Forced, the addition goes through, and the new member confirms it.
        using (var forced = await PostMembershipAsync(live, "/raft/add?force=true", new { ID = fourth.Id, Address = fourth.RaftAddress, Http = fourth.HttpUrl }))
            Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
        await Eventually.UntilAsync(() => Task.FromResult(fourth.Log.Contains("This node is a member of its cluster's latest configuration", StringComparison.Ordinal)), Timeout, "the fourth node to confirm its membership");
        var after = await MemberIdsAsync(leader);
        Assert.Equal(before.Append(fourth.Id).Order(StringComparer.Ordinal), after);
        Assert.Equal("with four", await WriteAndReadAsync(fourth, "after-forced-add", "with four"));
    }

    [Fact]
    public async Task A_second_membership_change_while_a_member_is_catching_up_gets_409_and_the_catching_up_member_is_listed_as_a_non_voter()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var nowhere = $"http://127.0.0.1:{Ports.Next()}";
        var (slow, other) = (cluster.CreateNode(), cluster.CreateNode());
        foreach (var node in new[] { slow, other })
        {
            // Told to join through an address where nothing listens, so only the test adds them.
            node.Start("--join", nowhere);
            await node.WaitUntilServingAsync(Timeout);
        }

        // Paused, `slow` cannot catch up, so its addition stays in DotNext's warm-up rounds.
        slow.Pause();
        var first = PostMembershipAsync(leader, "/raft/add", new { ID = slow.Id, Address = slow.RaftAddress, Http = slow.HttpUrl });
        var learner = await Eventually.GetAsync(
            async () => (await leader.Client.GetMembersAsync()).FirstOrDefault(m => m.Id == slow.Id),
            Timeout,
            $"{slow.Id} to be listed while it catches up");
        Assert.False(learner.Voter);
        Assert.All((await leader.Client.GetMembersAsync()).Where(m => m.Id != slow.Id), m => Assert.True(m.Voter));

        using (var second = await PostMembershipAsync(leader, "/raft/add", new { ID = other.Id, Address = other.RaftAddress, Http = other.HttpUrl }))
        {
            Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
            Assert.Contains("in progress", await second.Content.ReadAsStringAsync());
        }

        Assert.DoesNotContain(other.Id, await MemberIdsAsync(leader));

        slow.Resume();
        using (var firstResponse = await first)
            output.WriteLine($"the first addition, held up by the pause, answered {(int)firstResponse.StatusCode}");
        await leader.Client.AddMemberAsync(slow.Id, slow.RaftAddress, slow.HttpUrl);
        await leader.Client.AddMemberAsync(other.Id, other.RaftAddress, other.HttpUrl);
        var members = await leader.Client.GetMembersAsync();
        Assert.Equal(5, members.Count);
        Assert.All(members, m => Assert.True(m.Voter));
        Assert.Equal("five voters", await WriteAndReadAsync(other, "with-five", "five voters"));
    }

    private static async Task WaitUntilLeaderLostContactAsync(QuorumNode leader, QuorumNode down)
        => await Eventually.UntilAsync(
            async () => (await leader.Client.GetStatusAsync()).Replication.FirstOrDefault(f => f.Id == down.Id) is { SinceLastContactMs: > 2_000 },
            Timeout,
            $"the leader to have heard nothing from {down.Id} for 2 s");

    private static async Task<string[]> MemberIdsAsync(QuorumNode node)
        => [.. (await node.Client.GetMembersAsync()).Select(m => m.Id).Order(StringComparer.Ordinal)];

    private static Task<HttpResponseMessage> PostMembershipAsync(QuorumNode node, string path, object body)
        => node.Http.PostAsync(path, new StringContent(System.Text.Json.JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"));

    private static async Task<string?> WriteAndReadAsync(QuorumNode node, string key, string value)
    {
        await node.Client.PutWithRetryAsync(key, value, Timeout);
        return await node.Client.GetStringAsync(key);
    }
}

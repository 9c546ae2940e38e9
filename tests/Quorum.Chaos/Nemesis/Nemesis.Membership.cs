using Quorum.Chaos.Cluster;
using Quorum.Client;

namespace Quorum.Chaos.Nemesis;

/// <summary>Membership changes under load: a member removed, its disk replaced (wiped), and added back under the same ID.</summary>
internal sealed partial class Nemesis
{
    private static readonly TimeSpan MembershipTimeout = TimeSpan.FromSeconds(60);

    private int membershipFaults;

    // Removes a member through another one (every other time the leader itself), stops it, wipes
    // its data directory and starts it again with --join naming an address where nothing listens
    // first and then every other member: the way an operator replaces a failed disk. Evidence: the
    // leader's member list without it; its data directory empty; the node's own log confirming it
    // is a member of the latest configuration; the member list with it again; its applied index
    // reaching the commit index the leader had when it came back. Once the removal is asked for,
    // the rest runs to its end even if the run is ending: a removal cut short may still have been
    // committed (seen: the run ended while the request was in flight, and the member never came
    // back), and a wiped node restarted without --join would found a cluster of its own.
    private async Task<FaultRecord?> MembershipAsync(CancellationToken token)
    {
        if (cluster.Nodes.Count < 3 || cluster.Nodes.Any(n => !n.IsRunning || n.IsPaused))
        {
            skipReason = cluster.Nodes.Count < 3 ? "fewer than 3 nodes" : "a member is down";
            return null;
        }

        if (await LeaderAsync(token) is not var (leader, _))
            return null;

        var victim = membershipFaults++ % 2 == 0 ? leader : cluster.Nodes.Where(n => n != leader).OrderBy(_ => random.Next()).First();
        var others = cluster.Nodes.Where(n => n != victim).ToArray();
        var evidence = new FaultEvidence("membership", victim.Id);

        await RetryAsync(() => others[0].Client.RemoveMemberAsync(victim.Id, token: CancellationToken.None), $"removing {victim.Id}", CancellationToken.None);
        await Wait.UntilAsync(async () => await MembersOfLeaderAsync(others) is { } members && !members.Contains(victim.Id), MembershipTimeout, $"{victim.Id} to leave the member list", CancellationToken.None);
        evidence.Saw($"removed{(victim == leader ? " (it led)" : string.Empty)}: the leader lists {string.Join(",", await MembersOfLeaderAsync(others) ?? [])}");

        _ = victim.Kill();
        victim.WipeData();
        evidence.Check(!Directory.EnumerateFileSystemEntries(victim.DataDirectory).Any(), "its data directory wiped", "an empty data directory");

        var logFrom = victim.LogLength;
        var nowhere = $"http://{victim.Address}:1";
        victim.Start(join: string.Join(',', [nowhere, .. others.Select(static n => n.HttpUrl)]));
        await Wait.UntilAsync(() => Task.FromResult(victim.ReadLog(logFrom).Contains("This node is a member of its cluster's latest configuration", StringComparison.Ordinal)), MembershipTimeout, $"{victim.Id} to confirm it is a member again", CancellationToken.None);
        evidence.Saw("rejoined under its ID with an empty data directory and confirmed its membership");

        await Wait.UntilAsync(async () => await MembersOfLeaderAsync(others) is { } members && members.Contains(victim.Id), MembershipTimeout, $"{victim.Id} in the member list again", CancellationToken.None);
        var target = await cluster.FindLeaderAsync() is var (_, status) ? status.CommitIndex : 0;
        await Wait.UntilAsync(async () => await victim.StatusAsync() is { } own && own.AppliedIndex >= target, MembershipTimeout, $"{victim.Id} to catch up to {target}", CancellationToken.None);
        evidence.Saw($"listed again and caught up to index {target}");
        return evidence.ToRecord();
    }

    // The member IDs the leader lists, or null when no leader answers.
    private async Task<HashSet<string>?> MembersOfLeaderAsync(IReadOnlyCollection<ChaosNode> among)
    {
        if (await cluster.FindLeaderAsync(among) is not var (node, _))
            return null;
        try
        {
            return [.. (await node.Client.GetMembersAsync()).Where(static m => m.Voter).Select(static m => m.Id)];
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or QuorumClientException)
        {
            return null;
        }
    }

    // Retries a membership request refused for now (no leader, another change in progress) until it succeeds.
    private static Task RetryAsync(Func<Task> request, string what, CancellationToken token)
        => Wait.UntilAsync(
            async () =>
            {
                try
                {
                    await request();
                    return true;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or QuorumClientException)
                {
                    RunLog.Write($"nemesis: {what}: {e.Message}; retrying");
                    return false;
                }
            },
            MembershipTimeout,
            what,
            token);
}

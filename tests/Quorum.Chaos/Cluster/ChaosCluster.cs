using System.Globalization;
using Quorum.Chaos.Network;
using Quorum.Client;

namespace Quorum.Chaos.Cluster;

/// <summary>The nodes of a run and what the runner needs to know about them: who leads, and when they agree again.</summary>
internal sealed class ChaosCluster : IAsyncDisposable
{
    // Node uids are taken from here up, far above the ranges distributions give to users (1000+) and
    // to container subordinate ids (100000+); a block is used only if no account on the host has any
    // of its uids.
    private const int FirstCandidateUid = 1_900_000_000;

    private ChaosCluster(IReadOnlyList<ChaosNode> nodes, ChaosSecurity? security, RaftProxies? proxies)
    {
        Nodes = nodes;
        Security = security;
        Proxies = proxies;
    }

    public IReadOnlyList<ChaosNode> Nodes { get; }

    /// <summary>Gets the proxies in front of the nodes' Raft ports, through which every Raft connection goes; <see langword="null"/> when the run has none.</summary>
    public RaftProxies? Proxies { get; }

    /// <summary>Gets the run's TLS and users, or <see langword="null"/> for a plain run.</summary>
    public ChaosSecurity? Security { get; }

    /// <summary>Starts <paramref name="size"/> nodes: the first bootstraps, the others join through it.</summary>
    /// <param name="size">How many nodes.</param>
    /// <param name="workDirectory">Where their homes and logs go.</param>
    /// <param name="program">The quorum.dll to run.</param>
    /// <param name="nodeArgs">Arguments for every node's <c>serve</c>.</param>
    /// <param name="environment">Environment for every node.</param>
    /// <param name="skewClocks">Whether each node runs on a wall clock of its own (see <see cref="Clocks.NodeClock"/>).</param>
    /// <param name="security">TLS and users, for a run with them on; auth is turned on once the nodes agree.</param>
    /// <param name="raftProxies">Whether the nodes' Raft traffic goes through proxies (see <see cref="RaftProxies"/>).</param>
    /// <param name="smallDisks">The size of a disk of its own for each node's data directory (see <see cref="ChaosNode.MountSmallDisk"/>), or 0 to keep them on the work directory's disk.</param>
    /// <param name="faultFs">The quorum-faultfs program, to put each node's data directory on a disk of its own that loses what was not synced when crashed (see <see cref="ChaosNode.MountFaultFsAsync"/>), or null.</param>
    public static async Task<ChaosCluster> StartAsync(int size, string workDirectory, string program, IReadOnlyList<string> nodeArgs, IReadOnlyDictionary<string, string> environment, bool skewClocks = false, ChaosSecurity? security = null, bool raftProxies = true, long smallDisks = 0, string? faultFs = null)
    {
        var uids = FindUnusedUids(size);
        IReadOnlyList<string> args = [.. nodeArgs, .. security?.NodeArgs ?? []];
        var nodes = Enumerable.Range(1, size).Select(i => new ChaosNode(i, uids[i - 1], workDirectory, program, args, environment, skewClocks, security, raftProxies)).ToArray();
        var proxies = raftProxies ? RaftProxies.Start([.. nodes.Select(static n => (n.Index, n.Address, n.Uid))], ChaosNode.RaftPort) : null;
        var cluster = new ChaosCluster(nodes, security, proxies);
        try
        {
            foreach (var node in nodes)
            {
                if (faultFs is not null)
                    await node.MountFaultFsAsync(faultFs, smallDisks);
                else if (smallDisks > 0)
                    node.MountSmallDisk(smallDisks);
            }

            nodes[0].Start();
            await Wait.UntilAsync(async () => await nodes[0].StatusAsync() is { State: "leader" }, TimeSpan.FromSeconds(60), $"{nodes[0].Id} to bootstrap");
            foreach (var node in nodes.Skip(1))
                node.Start(join: nodes[0].HttpUrl);

            await cluster.WaitUntilConvergedAsync(TimeSpan.FromSeconds(90));
            if (security is not null)
                await security.EnableAuthAsync(nodes[0].Http, CancellationToken.None);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Finds the node that leads, as the nodes themselves report it, or <see langword="null"/>.</summary>
    public async Task<(ChaosNode Node, NodeStatus Status)?> FindLeaderAsync(IReadOnlyCollection<ChaosNode>? among = null)
    {
        foreach (var node in among ?? Nodes)
        {
            if (await node.StatusAsync() is { State: "leader" } status)
                return (node, status);
        }

        return null;
    }

    /// <summary>
    /// Waits until a node of <paramref name="among"/> reports that it leads in a term after
    /// <paramref name="afterTerm"/>, and returns it; <see langword="null"/> when none does in time.
    /// </summary>
    public async Task<(ChaosNode Node, NodeStatus Status)?> WaitForLeaderAsync(IReadOnlyCollection<ChaosNode> among, long afterTerm, TimeSpan timeout, CancellationToken token)
    {
        (ChaosNode, NodeStatus)? found = null;
        try
        {
            await Wait.UntilAsync(
                async () =>
                {
                    found = await FindLeaderAsync(among) is { } leader && leader.Status.Term > afterTerm ? leader : null;
                    return found is not null;
                },
                timeout,
                "a leader",
                TimeSpan.FromMilliseconds(20),
                token);
        }
        catch (TimeoutException)
        {
        }

        return found;
    }

    /// <summary>Ends every fault: heals the network, resumes paused nodes and starts stopped ones.</summary>
    public async Task HealAllAsync(Firewall firewall)
    {
        firewall.Heal();
        Proxies?.Heal();
        foreach (var node in Nodes)
        {
            await node.ResumeAsync();
            if (!node.IsRunning)
                node.Start();
        }
    }

    /// <summary>Waits until every node is a member, all agree on one leader, and every node has applied what the leader has committed.</summary>
    public Task WaitUntilConvergedAsync(TimeSpan timeout)
        => Wait.UntilAsync(
            async () =>
            {
                var statuses = new List<NodeStatus>();
                foreach (var node in Nodes)
                {
                    if (await node.StatusAsync() is not { } status)
                        return false;
                    statuses.Add(status);
                }

                var leader = statuses.SingleOrDefault(s => s.State == "leader");
                return leader is not null
                    && statuses.All(s => s.Leader == leader.Id && s.Members.Count == Nodes.Count && s.Members.All(m => m.Http.Length > 0))
                    && statuses.All(s => s.AppliedIndex >= leader.CommitIndex);
            },
            timeout,
            "the nodes to agree on a leader and catch up");

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
            await node.DisposeAsync();

        if (Proxies is not null)
            await Proxies.DisposeAsync();
    }

    private static int[] FindUnusedUids(int count)
    {
        for (var first = FirstCandidateUid; first < FirstCandidateUid + (1000 * count); first += count)
        {
            var uids = Enumerable.Range(first, count).ToArray();
            var (code, accounts) = Shell.Run("getent", ["passwd", .. uids.Select(static u => u.ToString(CultureInfo.InvariantCulture))]);
            if (code == 2 && accounts.Trim().Length == 0)
                return uids; // getent found none of them
        }

        throw new InvalidOperationException($"Every uid from {FirstCandidateUid} on that was tried belongs to an account on this host.");
    }
}

using Quorum.Chaos.Network;
using Quorum.Client;

namespace Quorum.Chaos.Cluster;

/// <summary>The nodes of a run and what the runner needs to know about them: who leads, and when they agree again.</summary>
internal sealed class ChaosCluster : IAsyncDisposable
{
    private ChaosCluster(IReadOnlyList<ChaosNode> nodes) => Nodes = nodes;

    public IReadOnlyList<ChaosNode> Nodes { get; }

    /// <summary>Starts <paramref name="size"/> nodes: the first bootstraps, the others join through it.</summary>
    public static async Task<ChaosCluster> StartAsync(int size, string workDirectory, string program, IReadOnlyList<string> nodeArgs, IReadOnlyDictionary<string, string> environment)
    {
        var nodes = Enumerable.Range(1, size).Select(i => new ChaosNode(i, workDirectory, program, nodeArgs, environment)).ToArray();
        var cluster = new ChaosCluster(nodes);
        try
        {
            nodes[0].Start();
            await Wait.UntilAsync(async () => await nodes[0].StatusAsync() is { State: "leader" }, TimeSpan.FromSeconds(60), $"{nodes[0].Id} to bootstrap");
            foreach (var node in nodes.Skip(1))
                node.Start(join: nodes[0].HttpUrl);

            await cluster.WaitUntilConvergedAsync(TimeSpan.FromSeconds(90));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Finds the node that leads, as the nodes themselves report it, or <see langword="null"/>.</summary>
    public async Task<ChaosNode?> FindLeaderAsync()
    {
        foreach (var node in Nodes)
        {
            if (await node.StatusAsync() is { State: "leader" })
                return node;
        }

        return null;
    }

    /// <summary>Ends every fault: heals the network, resumes paused nodes and starts stopped ones.</summary>
    public void HealAll(Firewall firewall)
    {
        firewall.Heal();
        foreach (var node in Nodes)
        {
            node.Resume();
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
    }
}

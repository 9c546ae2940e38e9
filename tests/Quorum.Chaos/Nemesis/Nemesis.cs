using System.Collections.Concurrent;
using Quorum.Chaos.Cluster;
using Quorum.Chaos.Network;

namespace Quorum.Chaos.Nemesis;

/// <summary>
/// Breaks the cluster on a schedule, one fault at a time with healing in between: kill -9 a random
/// node or the leader and restart it; pause a node (often the leader) with SIGSTOP; isolate the
/// leader; split the cluster into a minority and a majority; restart every node in turn; kill a
/// node while it is installing or taking a snapshot.
/// </summary>
internal sealed class Nemesis(ChaosCluster cluster, Firewall firewall, Random random)
{
    /// <summary>The kinds of fault, in the order the schedule cycles through them.</summary>
    public static readonly string[] Kinds = ["kill", "pause", "isolate-leader", "split", "kill-leader", "pause-leader", "snapshot-crash", "rolling-restart"];

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Gets how many faults of each kind were injected.</summary>
    public ConcurrentDictionary<string, int> Counts { get; } = new();

    /// <summary>Injects faults until <paramref name="token"/> is cancelled, then heals everything.</summary>
    public async Task RunAsync(IReadOnlyList<string> kinds, CancellationToken token)
    {
        try
        {
            for (var i = 0; !token.IsCancellationRequested; i++)
            {
                var kind = kinds[i % kinds.Count];
                await InjectAsync(kind, token);
                Counts.AddOrUpdate(kind, 1, static (_, n) => n + 1);
                await Task.Delay(Between(1_000, 2_000), token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        finally
        {
            cluster.HealAll(firewall);
            RunLog.Write("nemesis: healed everything");
        }
    }

    private async Task InjectAsync(string kind, CancellationToken token)
    {
        switch (kind)
        {
            case "kill":
                await KillAndRestartAsync(RandomNode(), token);
                break;
            case "kill-leader":
                await KillAndRestartAsync(await LeaderOrRandomAsync(), token);
                break;
            case "pause":
                await PauseAsync(RandomNode(), token);
                break;
            case "pause-leader":
                await PauseAsync(await LeaderOrRandomAsync(), token);
                break;
            case "isolate-leader":
                var leader = await LeaderOrRandomAsync();
                await PartitionAsync([leader], token);
                break;
            case "split":
                var minority = cluster.Nodes.OrderBy(_ => random.Next()).Take((cluster.Nodes.Count - 1) / 2).ToArray();
                await PartitionAsync(minority, token);
                break;
            case "snapshot-crash":
                await SnapshotCrashAsync(token);
                break;
            case "rolling-restart":
                await RollingRestartAsync(token);
                break;
            default:
                throw new ArgumentException($"Unknown fault kind '{kind}'.", nameof(kind));
        }
    }

    private async Task KillAndRestartAsync(ChaosNode node, CancellationToken token)
    {
        RunLog.Write($"nemesis: kill -9 {node.Id}");
        node.Kill();
        await Task.Delay(Between(1_000, 3_000), token);
        RunLog.Write($"nemesis: restart {node.Id}");
        node.Start();
    }

    private async Task PauseAsync(ChaosNode node, CancellationToken token)
    {
        RunLog.Write($"nemesis: SIGSTOP {node.Id}");
        node.Pause();
        try
        {
            await Task.Delay(Between(1_000, 4_000), token);
        }
        finally
        {
            RunLog.Write($"nemesis: SIGCONT {node.Id}");
            node.Resume();
        }
    }

    private async Task PartitionAsync(IReadOnlyCollection<ChaosNode> side, CancellationToken token)
    {
        var other = cluster.Nodes.Except(side).ToArray();
        RunLog.Write($"nemesis: partition [{string.Join(' ', side.Select(n => n.Id))}] | [{string.Join(' ', other.Select(n => n.Id))}]");
        firewall.Partition([.. side.Select(static n => (n.Uid, n.Address))], [.. other.Select(static n => (n.Uid, n.Address))]);
        try
        {
            await Task.Delay(Between(3_000, 6_000), token);
        }
        finally
        {
            RunLog.Write("nemesis: heal partition");
            firewall.Heal();
        }
    }

    // Cut a follower off long enough for the leader to compact its log past it, heal, and kill the
    // follower while the leader is sending it a snapshot; with the small snapshot interval of a run,
    // kills elsewhere also land in the middle of snapshots being taken.
    private async Task SnapshotCrashAsync(CancellationToken token)
    {
        var leader = await cluster.FindLeaderAsync();
        var follower = cluster.Nodes.Where(n => n != leader && n.IsRunning).OrderBy(_ => random.Next()).FirstOrDefault() ?? RandomNode();
        await PartitionAsync([follower], token);
        await Task.Delay(Between(0, 600), token);
        await KillAndRestartAsync(follower, token);
    }

    private async Task RollingRestartAsync(CancellationToken token)
    {
        foreach (var node in cluster.Nodes)
        {
            RunLog.Write($"nemesis: rolling restart of {node.Id}");
            await node.StopAsync(TimeSpan.FromSeconds(20));
            node.Start();
            await Wait.UntilAsync(async () => await node.StatusAsync() is { Leader: not null }, StartTimeout, $"{node.Id} to rejoin", token);
        }
    }

    private ChaosNode RandomNode() => cluster.Nodes[random.Next(cluster.Nodes.Count)];

    private async Task<ChaosNode> LeaderOrRandomAsync() => await cluster.FindLeaderAsync() ?? RandomNode();

    private TimeSpan Between(int lowMilliseconds, int highMilliseconds) => TimeSpan.FromMilliseconds(random.Next(lowMilliseconds, highMilliseconds));
}

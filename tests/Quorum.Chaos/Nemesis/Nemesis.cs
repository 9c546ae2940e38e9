using System.Collections.Concurrent;
using Quorum.Chaos.Cluster;
using Quorum.Chaos.Network;
using Quorum.Chaos.Workloads;
using Quorum.Client;

namespace Quorum.Chaos.Nemesis;

/// <summary>
/// Breaks the cluster on a schedule, one fault at a time with healing in between: kill -9 a random
/// node or the leader and restart it; pause a node (often the leader) with SIGSTOP; isolate the
/// leader; split the cluster into a minority and a majority; restart every node in turn; kill a
/// node while it is installing a snapshot; lose or delay one node's packets; slow one follower's
/// disk flushes; step one node's wall clock. A fault counts only with proof that it took effect (see
/// <see cref="FaultRecord"/>); a fault that cannot be aimed (a leader fault with no leader to hit, a
/// clock step with nodes not on fake clocks) is skipped, counted with its reason, not aimed elsewhere.
/// Each family of kinds lives in a file of its own (Nemesis.Processes.cs, Nemesis.Network.cs, ...):
/// a new kind is a name in <see cref="Kinds"/>, a case in <see cref="InjectAsync"/> and a method there.
/// </summary>
internal sealed partial class Nemesis(ChaosCluster cluster, Firewall firewall, HttpOperations operations, Random random)
{
    /// <summary>The kinds of fault, in the order the schedule cycles through them.</summary>
    public static readonly string[] Kinds = ["kill", "pause", "loss", "isolate-leader", "slow-disk", "split", "delay", "kill-leader", "clock-skew", "pause-leader", "snapshot-crash", "rolling-restart", "membership", "disk-full", "lose-unsynced"];

    // How long a restarted node may take to serve again, a leader to be found, and the others to
    // elect a successor to a leader that was hit. The last is long because DotNext 6.12 elects no
    // one while the old leader is paused rather than gone: a candidate waits for every member's
    // vote, and a paused one answers none (seen: 8-11 s, where a kill or a cut takes 1-3 s).
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ElectionTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SuccessionTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentQueue<FaultRecord> records = new();
    private readonly ConcurrentDictionary<string, int> skipped = new(StringComparer.Ordinal);
    private readonly LeaderProbe probe = new(operations);
    private readonly ConcurrentQueue<(long From, long To)> degraded = new();

    /// <summary>Gets every fault injected to its end, with its evidence.</summary>
    public IReadOnlyCollection<FaultRecord> Records => records;

    /// <summary>Gets when links were degraded (packets lost or delayed), a leader was cut off from the majority or a full leader could not propose, on the history's clock: the lease check allows for them.</summary>
    public IReadOnlyCollection<(long From, long To)> Degraded => degraded;

    /// <summary>Gets how many faults of each kind were skipped because they could not be aimed (no leader to hit, no fake clocks).</summary>
    public IReadOnlyDictionary<string, int> Skipped => skipped;

    // Why the last fault returned no record.
    private string skipReason = "no leader to hit";

    /// <summary>Injects faults until <paramref name="token"/> is cancelled, then heals everything.</summary>
    public async Task RunAsync(IReadOnlyList<string> kinds, CancellationToken token)
    {
        try
        {
            for (var i = 0; !token.IsCancellationRequested; i++)
            {
                var kind = kinds[i % kinds.Count];
                skipReason = "no leader to hit";
                if (await TryInjectAsync(kind, token) is { } record)
                {
                    records.Enqueue(record);
                    RunLog.Write("nemesis: " + record);
                }
                else
                {
                    skipped.AddOrUpdate(kind, 1, static (_, n) => n + 1);
                    RunLog.Write($"nemesis: {kind} skipped: {skipReason}");
                }

                await Task.Delay(Between(500, 1_000), token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        finally
        {
            await cluster.HealAllAsync(firewall);
            RunLog.Write("nemesis: healed everything");
        }
    }

    // A fault that could not be injected (a signal the kernel did not act on, a command that
    // failed) is recorded as one that took no effect, and the schedule goes on.
    private async Task<FaultRecord?> TryInjectAsync(string kind, CancellationToken token)
    {
        try
        {
            return await InjectAsync(kind, token);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or IOException)
        {
            return new FaultRecord(kind, "?", TookEffect: false, ["injection failed: " + e.Message]) { InjectionFailed = true };
        }
    }

    private async Task<FaultRecord?> InjectAsync(string kind, CancellationToken token)
    {
        switch (kind)
        {
            case "kill":
                var victim = RandomNode();
                return await KillAndRestartAsync(kind, victim, await LeadingStatusAsync(victim), token);
            case "kill-leader":
                return await LeaderAsync(token) is var (leader, status) ? await KillAndRestartAsync(kind, leader, status, token) : null;
            case "pause":
                var paused = RandomNode();
                return await PauseAsync(kind, paused, await LeadingStatusAsync(paused), token);
            case "pause-leader":
                return await LeaderAsync(token) is var (pausedLeader, pausedStatus) ? await PauseAsync(kind, pausedLeader, pausedStatus, token) : null;
            case "isolate-leader":
                return await LeaderAsync(token) is var (isolated, isolatedStatus) ? await IsolateLeaderAsync(isolated, isolatedStatus, token) : null;
            case "split":
                return await SplitAsync(token);
            case "snapshot-crash":
                return await LeaderAsync(token) is var (snapshotLeader, _) ? await SnapshotCrashAsync(snapshotLeader, token) : null;
            case "rolling-restart":
                return await RollingRestartAsync(token);
            case "loss":
                return await LossAsync(RandomNode(), token);
            case "delay":
                return await DelayAsync(RandomNode(), token);
            case "slow-disk":
                return await LeaderAsync(token) is var (diskLeader, _) ? await SlowDiskAsync(diskLeader, token) : null;
            case "disk-full":
                return await DiskFullAsync(token);
            case "lose-unsynced":
                return await LoseUnsyncedAsync(token);
            case "membership":
                return await MembershipAsync(token);
            case "clock-skew":
                return await ClockSkewAsync(token);
            default:
                throw new ArgumentException($"Unknown fault kind '{kind}'.", nameof(kind));
        }
    }

    // The leader as it reports itself, waiting a little for one to be elected.
    private Task<(ChaosNode Node, NodeStatus Status)?> LeaderAsync(CancellationToken token)
        => cluster.WaitForLeaderAsync(cluster.Nodes, afterTerm: -1, ElectionTimeout, token);

    // The node's own status if it says it leads, else null.
    private static async Task<NodeStatus?> LeadingStatusAsync(ChaosNode node) => await node.StatusAsync() is { State: "leader" } status ? status : null;

    // Waits until a node other than the one hit leads in a later term; the proof that a leader fault deposed it.
    private async Task<ChaosNode?> ExpectSuccessorAsync(FaultEvidence evidence, ChaosNode deposed, NodeStatus led, CancellationToken token)
    {
        var successor = await cluster.WaitForLeaderAsync([.. cluster.Nodes.Where(n => n != deposed)], led.Term, SuccessionTimeout, token);
        evidence.Check(successor is not null, $"{successor?.Node.Id} leads term {successor?.Status.Term}", $"a leader other than {deposed.Id} after term {led.Term} within {SuccessionTimeout.TotalSeconds:0}s");
        return successor?.Node;
    }

    // Restarts a node the nemesis stopped and checks that it is a new process that serves.
    private static async Task RestartAsync(FaultEvidence evidence, ChaosNode node, int oldPid, CancellationToken token)
    {
        node.Start();
        var pid = node.Pid;
        try
        {
            await Wait.UntilAsync(async () => await node.StatusAsync() is not null, StartTimeout, $"{node.Id} to serve after its restart", token);
            evidence.Check(pid != oldPid, $"restarted as pid {pid}, serving", $"a new pid (still {pid})");
        }
        catch (TimeoutException e)
        {
            evidence.Missed(e.Message);
        }
    }

    private ChaosNode RandomNode() => cluster.Nodes[random.Next(cluster.Nodes.Count)];

    private TimeSpan Between(int lowMilliseconds, int highMilliseconds) => TimeSpan.FromMilliseconds(random.Next(lowMilliseconds, highMilliseconds));

    // Waits out the rest of a fault's planned duration.
    private static async Task HoldUntilAsync(DateTime until, CancellationToken token)
    {
        var left = until - DateTime.UtcNow;
        if (left > TimeSpan.Zero)
            await Task.Delay(left, token);
    }
}

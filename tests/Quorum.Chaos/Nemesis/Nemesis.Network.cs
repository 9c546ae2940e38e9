using Quorum.Chaos.Cluster;
using Quorum.Chaos.Network;
using Quorum.Client;

namespace Quorum.Chaos.Nemesis;

/// <summary>Faults on the network: isolating the leader, a minority/majority split, and a crash during snapshot installation.</summary>
internal sealed partial class Nemesis
{
    private const string InstallingSnapshot = "Installing a snapshot from the leader";

    // Evidence: it led when hit; the cut holds at the socket level; another node leads. While the
    // isolated leader may still believe it leads, the stale-read trap reads through it.
    private async Task<FaultRecord> IsolateLeaderAsync(ChaosNode leader, NodeStatus led, CancellationToken token)
    {
        var evidence = new FaultEvidence("isolate-leader", leader.Id);
        evidence.Saw($"it led term {led.Term} when hit");
        var others = cluster.Nodes.Where(n => n != leader).ToArray();
        var healAt = DateTime.UtcNow + Between(3_000, 6_000);
        var cutAt = operations.Now;
        Cut([leader], others);
        try
        {
            // Checking the cut takes a dropped connection's 2 s: do it beside the trap, which must
            // read before the isolated leader gives up its leadership.
            var cutHolds = CutHoldsAsync(leader, others[0]);
            var successor = await LeaderlessUntilAsync(cutAt, ExpectSuccessorAsync(evidence, leader, led, token));
            if (successor is not null)
            {
                var write = await probe.WriteAsync(successor, token);
                evidence.Saw(LeaderProbe.Describe(write, [await probe.ReadAsync(leader, token)]));
            }

            evidence.Check(await cutHolds, $"{leader.Id} and {others[0].Id} cannot connect", $"the cut between {leader.Id} and {others[0].Id}: a connection got through");
            await HoldUntilAsync(healAt, token);
        }
        finally
        {
            Heal();
        }

        return evidence.ToRecord();
    }

    // Evidence: the cut holds at the socket level, and the majority side has a leader (a new one,
    // in a later term, when the old leader ended up in the minority).
    private async Task<FaultRecord> SplitAsync(CancellationToken token)
    {
        var minority = cluster.Nodes.OrderBy(_ => random.Next()).Take((cluster.Nodes.Count - 1) / 2).ToArray();
        var majority = cluster.Nodes.Except(minority).ToArray();
        var evidence = new FaultEvidence("split", $"[{string.Join(' ', minority.Select(static n => n.Id))}] | [{string.Join(' ', majority.Select(static n => n.Id))}]");
        var before = await cluster.FindLeaderAsync();
        var healAt = DateTime.UtcNow + Between(3_000, 6_000);
        var cutAt = operations.Now;
        Cut(minority, majority);
        try
        {
            var cutHolds = CutHoldsAsync(minority[0], majority[0]);
            if (before is var (oldLeader, led) && minority.Contains(oldLeader))
            {
                evidence.Saw($"{oldLeader.Id} led term {led.Term} and is in the minority");
                await LeaderlessUntilAsync(cutAt, ExpectSuccessorAsync(evidence, oldLeader, led, token));
            }
            else
            {
                var leader = await cluster.WaitForLeaderAsync(majority, afterTerm: -1, ElectionTimeout, token);
                evidence.Check(leader is not null, $"{leader?.Node.Id} leads the majority in term {leader?.Status.Term}", "a leader in the majority");
            }

            evidence.Check(await cutHolds, $"{minority[0].Id} and {majority[0].Id} cannot connect", $"the cut between {minority[0].Id} and {majority[0].Id}: a connection got through");
            await HoldUntilAsync(healAt, token);
        }
        finally
        {
            Heal();
        }

        return evidence.ToRecord();
    }

    // A leader cut off from the majority still says it leads, but commits nothing (lease expiries
    // included) until its successor is elected, and the leadership timeline's probes may see that
    // successor late (seen: a lease expired 0.87 s past its bound): the lease check counts the time
    // from the cut until the successor is seen as time without a leader.
    private async Task<ChaosNode?> LeaderlessUntilAsync(long cutAt, Task<ChaosNode?> successor)
    {
        try
        {
            return await successor;
        }
        finally
        {
            degraded.Enqueue((cutAt, operations.Now));
        }
    }

    // Cuts a follower off until the leader has taken a snapshot past everything the follower has,
    // heals, and kills the follower as soon as it logs that it began installing the snapshot the
    // leader then sends. Evidence: the snapshot, the install beginning, the kill, and the restart.
    private async Task<FaultRecord> SnapshotCrashAsync(ChaosNode leader, CancellationToken token)
    {
        var follower = cluster.Nodes.Where(n => n != leader).OrderBy(_ => random.Next()).First();
        var evidence = new FaultEvidence("snapshot-crash", follower.Id);
        var rest = cluster.Nodes.Where(n => n != follower).ToArray();
        long logOffset;
        Cut([follower], rest);
        try
        {
            var applied = (await follower.StatusAsync())?.AppliedIndex ?? long.MaxValue;
            try
            {
                await Wait.UntilAsync(async () => await cluster.FindLeaderAsync(rest) is { } l && l.Status.LastSnapshotIndex > applied, TimeSpan.FromSeconds(30), "a snapshot past the follower", token);
                evidence.Saw($"the leader snapshotted past {follower.Id}'s applied index {applied}");
            }
            catch (TimeoutException)
            {
                evidence.Missed($"a snapshot on the leader past {follower.Id}'s applied index {applied} within 30s");
            }

            logOffset = follower.LogLength;
        }
        finally
        {
            Heal();
        }

        try
        {
            await Wait.UntilAsync(() => Task.FromResult(follower.ReadLog(logOffset).Contains(InstallingSnapshot, StringComparison.Ordinal)), TimeSpan.FromSeconds(15), $"{follower.Id} to begin installing a snapshot", TimeSpan.FromMilliseconds(5), token);
            evidence.Saw("it logged that it began installing the leader's snapshot");
        }
        catch (TimeoutException)
        {
            evidence.Missed("a snapshot installation beginning within 15s of the heal");
        }

        var pid = follower.Kill();
        evidence.Saw($"pid {pid} ended by SIGKILL");
        await Task.Delay(Between(1_000, 3_000), token);
        await RestartAsync(evidence, follower, pid, token);
        return evidence.ToRecord();
    }

    private void Cut(IReadOnlyCollection<ChaosNode> side, IReadOnlyCollection<ChaosNode> other)
    {
        RunLog.Write($"nemesis: partition [{string.Join(' ', side.Select(static n => n.Id))}] | [{string.Join(' ', other.Select(static n => n.Id))}]");
        firewall.Partition([.. side.Select(static n => (n.Uid, n.Address))], [.. other.Select(static n => (n.Uid, n.Address))]);
    }

    private void Heal()
    {
        firewall.Heal();
        RunLog.Write("nemesis: heal partition");
    }

    // Both directions of one link of the cut, tried at the Raft port.
    private static async Task<bool> CutHoldsAsync(ChaosNode a, ChaosNode b)
    {
        var connected = await Task.WhenAll(
            Task.Run(() => Firewall.CanConnect(a.Uid, b.Address, ChaosNode.RaftPort)),
            Task.Run(() => Firewall.CanConnect(b.Uid, a.Address, ChaosNode.RaftPort)));
        return !connected.Any(static c => c);
    }
}

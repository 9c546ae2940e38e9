using Quorum.Chaos.Cluster;
using Quorum.Chaos.History;
using Quorum.Client;

namespace Quorum.Chaos.Nemesis;

/// <summary>Faults on processes: kill -9, SIGSTOP, and a rolling restart.</summary>
internal sealed partial class Nemesis
{
    // Reads queued on a paused leader. They race its step-down when it wakes, and with DotNext 6.12
    // the step-down wins every time: the leader's heartbeat requests timed out while it slept, so its
    // first round on waking fails and it steps down before it serves anything queued (0 of 24 queued
    // reads were answered by a node still leading, with a leader that skips its quorum round
    // planted). So under pause-leader this trap catches a node that serves from its own state after
    // stepping down (the blunt planted bug), not the finer one; isolate-leader catches that.
    private const int QueuedProbeReads = 3;

    // Evidence: SIGKILL ended the process; a leader hit was succeeded by another in a later term;
    // the node came back as a new process that serves.
    private async Task<FaultRecord> KillAndRestartAsync(string kind, ChaosNode node, NodeStatus? led, CancellationToken token)
    {
        var evidence = new FaultEvidence(kind, node.Id);
        if (led is not null)
            evidence.Saw($"it led term {led.Term} when hit");

        var downUntil = DateTime.UtcNow + Between(1_000, 3_000);
        var pid = node.Kill();
        evidence.Saw($"pid {pid} ended by SIGKILL");
        if (led is not null)
            await ExpectSuccessorAsync(evidence, node, led, token);

        await HoldUntilAsync(downUntil, token);
        await RestartAsync(evidence, node, pid, token);
        return evidence.ToRecord();
    }

    // Evidence: the kernel reports the process stopped; it does not answer HTTP while paused; a
    // leader hit was succeeded by another; it runs again after SIGCONT. A paused leader also gets
    // the stale-read trap: reads sent while it is paused are the first thing it sees on waking.
    private async Task<FaultRecord> PauseAsync(string kind, ChaosNode node, NodeStatus? led, CancellationToken token)
    {
        var evidence = new FaultEvidence(kind, node.Id);
        if (led is not null)
            evidence.Saw($"it led term {led.Term} when hit");

        var pausedUntil = DateTime.UtcNow + Between(1_000, 4_000);
        Operation? probeWrite = null;
        IReadOnlyList<Task<Operation>> probeReads = [];
        await node.PauseAsync();
        try
        {
            evidence.Saw("stopped (state T)");
            evidence.Check(await node.ProbeAsync(TimeSpan.FromSeconds(1)) is null, "no HTTP answer within 1s while paused", "silence: it answered HTTP while paused");
            if (led is not null && await ExpectSuccessorAsync(evidence, node, led, token) is { } successor)
            {
                probeWrite = await probe.WriteAsync(successor, token);
                if (operations.SupportsQueuedReads)
                    probeReads = await probe.QueueReadsAsync(node, QueuedProbeReads, token);
            }

            await HoldUntilAsync(pausedUntil, token);
        }
        finally
        {
            await node.ResumeAsync();
        }

        evidence.Saw("running again after SIGCONT");
        if (probeWrite is not null)
            evidence.Saw(LeaderProbe.Describe(probeWrite, await Task.WhenAll(probeReads)));

        return evidence.ToRecord();
    }

    // Evidence per node: SIGTERM stopped it with exit code 0, and it came back as a new process
    // that knows a leader.
    private async Task<FaultRecord> RollingRestartAsync(CancellationToken token)
    {
        var evidence = new FaultEvidence("rolling-restart", string.Join(' ', cluster.Nodes.Select(static n => n.Id)));
        foreach (var node in cluster.Nodes)
        {
            var pid = node.Pid;
            var code = await node.StopAsync(TimeSpan.FromSeconds(20));
            evidence.Check(code == 0, $"{node.Id} (pid {pid}) stopped by SIGTERM with exit code 0", $"{node.Id} to exit 0 on SIGTERM (it exited {code})");
            node.Start();
            try
            {
                await Wait.UntilAsync(async () => await node.StatusAsync() is { Leader: not null }, StartTimeout, $"{node.Id} to rejoin", token);
                evidence.Check(node.Pid != pid, $"{node.Id} back as pid {node.Pid}, following a leader", $"{node.Id} as a new process");
            }
            catch (TimeoutException e)
            {
                evidence.Missed(e.Message);
            }
        }

        return evidence.ToRecord();
    }
}

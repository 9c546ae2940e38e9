using Quorum.Chaos.Cluster;

namespace Quorum.Chaos.Nemesis;

/// <summary>Power cuts: a majority or every node, the leader among them, crashed at once, losing all they had not synced.</summary>
internal sealed partial class Nemesis
{
    private int powerCuts;

    // Freezes a majority (the leader and random others; every other time, every node) with
    // SIGSTOP, so they stop at the same moment, kills them, and crashes their quorum-faultfs disks:
    // every write they had not fsync'd or msync'd is gone, and the kernel's cached pages with the unmount. The followers come back
    // first and elect a leader without the old one, which comes back last: only what the crashed
    // nodes had made durable can carry the acknowledged writes (the final check reads every one).
    // Evidence: every victim killed by SIGKILL; the disks dropped unsynced changes; a leader in a
    // later term; each victim back as a new process that serves.
    private async Task<FaultRecord?> LoseUnsyncedAsync(CancellationToken token)
    {
        if (cluster.Nodes.Any(static n => n.Disk is null))
        {
            skipReason = "the data directories are not on quorum-faultfs";
            return null;
        }

        if (await LeaderAsync(token) is not var (leader, led))
            return null;

        var others = cluster.Nodes.Where(n => n != leader && n.IsRunning && !n.IsPaused).OrderBy(_ => random.Next()).ToArray();
        var majority = (cluster.Nodes.Count / 2) + 1;
        if (others.Length < majority - 1)
        {
            skipReason = "too few running nodes for a majority";
            return null;
        }

        // A whole-cluster cut leaves no survivor whose page cache still holds what the others lost.
        ChaosNode[] victims = [.. others.Take(powerCuts++ % 2 == 0 ? majority - 1 : others.Length), leader];
        var evidence = new FaultEvidence("lose-unsynced", $"{string.Join(' ', victims.Select(static v => v.Id))} (leader {leader.Id})");
        var pids = new Dictionary<ChaosNode, int>();
        try
        {
            foreach (var victim in victims)
                await victim.PauseAsync();
            foreach (var victim in victims)
                pids[victim] = victim.Kill();
            evidence.Saw($"stopped together, then killed by SIGKILL (pids {string.Join(", ", pids.Values)})");

            long files = 0, names = 0;
            foreach (var victim in victims)
            {
                var (droppedFiles, droppedNames) = await victim.Disk!.CrashAsync();
                files += droppedFiles;
                names += droppedNames;
            }

            evidence.Check(files + names > 0, $"their disks crashed, dropping unsynced writes to {files} files and {names} name changes", "unsynced changes to drop (the disks had none)");
            await HoldUntilAsync(DateTime.UtcNow + Between(500, 1_500), token);
        }
        finally
        {
            // Back in any case: the followers first, so they elect a leader without the old one.
            foreach (var victim in victims.Where(static v => !v.IsRunning).Except([leader]))
                await RestartAsync(evidence, victim, pids.GetValueOrDefault(victim), CancellationToken.None);
        }

        try
        {
            await ExpectSuccessorAsync(evidence, leader, led, token);
        }
        finally
        {
            if (!leader.IsRunning)
                await RestartAsync(evidence, leader, pids.GetValueOrDefault(leader), CancellationToken.None);
        }

        return evidence.ToRecord();
    }
}

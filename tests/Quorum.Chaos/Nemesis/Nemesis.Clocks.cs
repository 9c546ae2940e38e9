using Quorum.Chaos.Clocks;

namespace Quorum.Chaos.Nemesis;

/// <summary>Faults on one node's wall clock.</summary>
internal sealed partial class Nemesis
{
    // Steps one node's wall clock 5-30 s either way, holds it 3-5 s, and steps it back: a clock that
    // NTP steps, then corrects. Leases must not notice (the lease workload checks it). Evidence, for
    // each step: the node's own Date header shows the offset (see ClockNemesis.StepAsync). Nodes run
    // on fake clocks only when libfaketime is installed; without it the kind is skipped.
    private async Task<FaultRecord?> ClockSkewAsync(CancellationToken token)
    {
        if (cluster.Nodes[0].Clock is null)
        {
            skipReason = "nodes are not on fake clocks (libfaketime, Debian package faketime, is missing)";
            return null;
        }

        var node = RandomNode();
        var offset = random.Next(5, ClockNemesis.MaxOffsetSeconds + 1) * (random.Next(2) == 0 ? -1 : 1);
        var holdUntil = DateTime.UtcNow + Between(3_000, 5_000);
        var step = await ClockNemesis.StepAsync("clock-skew", node, offset, token);
        await HoldUntilAsync(holdUntil, token);
        var back = await ClockNemesis.StepAsync("clock-skew", node, 0, token);
        return new FaultRecord("clock-skew", node.Id, step.TookEffect && back.TookEffect, [.. step.Evidence, .. back.Evidence.Select(static e => "back: " + e)])
        {
            InjectionFailed = step.InjectionFailed || back.InjectionFailed,
        };
    }
}

using Quorum.Chaos.Cluster;
using Quorum.Chaos.History;
using Quorum.Chaos.Workloads;

namespace Quorum.Chaos.Nemesis;

/// <summary>
/// The trap a leader fault sets for stale reads: once a successor leads, write a fresh value through
/// it, then read through the deposed leader, which may still believe it leads. A correct node
/// refuses that read or answers the fresh value; one that hands out read indexes without its quorum
/// round answers from its own, older state. The operations go into the history like any other, on a
/// register key of their own, so the linearizability checker judges them.
/// </summary>
internal sealed class LeaderProbe(HttpOperations operations)
{
    /// <summary>The key the probes write and read.</summary>
    public const string Key = Workloads.RegisterWorkload.KeyPrefix + "leader-probe";

    // The probe's client IDs: the write and the reads of one probe, which never overlap with another's.
    private const int Process = 900;

    private int count;

    /// <summary>Writes a fresh value through <paramref name="successor"/>.</summary>
    /// <returns>The recorded write.</returns>
    public Task<Operation> WriteAsync(ChaosNode successor, CancellationToken token)
        => operations.WriteAsync(Process, successor.Id, successor.HttpUrl, Key, $"probe-{Interlocked.Increment(ref count)}", token);

    /// <summary>Reads through a deposed leader that is running.</summary>
    /// <returns>The recorded read.</returns>
    public Task<Operation> ReadAsync(ChaosNode deposed, CancellationToken token)
        => operations.ReadAsync(Process, deposed.Id, deposed.HttpUrl, Key, token);

    /// <summary>Sends <paramref name="reads"/> reads to a paused deposed leader; each is answered once it runs again.</summary>
    /// <returns>The reads, to await after the node is resumed.</returns>
    public async Task<IReadOnlyList<Task<Operation>>> QueueReadsAsync(ChaosNode paused, int reads, CancellationToken token)
    {
        var queued = new List<Task<Operation>>();
        for (var i = 1; i <= reads; i++)
            queued.Add(await operations.StartQueuedReadAsync(Process + i, paused.Id, paused.Address, ChaosNode.HttpPort, Key, token));

        return queued;
    }

    /// <summary>Describes a probe for the fault's evidence, marking a read that missed the acknowledged write.</summary>
    /// <returns>One line.</returns>
    public static string Describe(Operation write, IEnumerable<Operation> reads)
        => $"probe: {write.Value} written via {write.Node} ({write.Answer}); read via {string.Join(", ", reads.Select(r => $"{r.Node}: {r.Answer} {r.Value ?? "(absent)"}{(write.Status == OperationStatus.Ok && r.Status == OperationStatus.Ok && r.Value != write.Value ? " STALE" : string.Empty)}"))}";
}

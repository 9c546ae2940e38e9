using DotNext.Net.Cluster.Consensus.Raft;
using Quorum.Store.Metrics;
using Quorum.Store.Native;

namespace Quorum.Store;

/// <summary>The store's metrics: the gauges read from its state when a scrape asks.</summary>
public sealed partial class QuorumStore
{
    /// <summary>Gets the store's instruments; a metrics exporter listens to <see cref="StoreMetrics.Meter"/>.</summary>
    public StoreMetrics Metrics { get; }

    private void ObserveGauges()
    {
        var meter = Metrics.Meter;
        meter.CreateObservableGauge("quorum.server.has_leader", () => Leader is null ? 0 : 1, description: "1 if this node knows a leader, else 0.");
        meter.CreateObservableGauge("quorum.server.is_leader", () => IsLeader ? 1 : 0, description: "1 on the leader.");
        meter.CreateObservableGauge("quorum.server.term", () => Node.Cluster.Term, description: "The current Raft term.");
        meter.CreateObservableGauge("quorum.server.commit_index", () => Node.Log.LastCommittedEntryIndex, description: "The highest log index known to be committed.");
        meter.CreateObservableGauge("quorum.server.applied_index", () => AppliedIndex, description: "The highest log index applied to this node's state.");
        meter.CreateObservableGauge("quorum.store.keys", () => State.Keys.Count, description: "Live keys.");
        meter.CreateObservableGauge("quorum.store.size", static () => KeyWithPayload.LiveBytes, unit: "By", description: "Bytes of keys and values held in memory, including versions a reader or a snapshot in progress still sees.");
        meter.CreateObservableGauge("quorum.store.quota", () => options.QuotaBytes, unit: "By", description: "The quota on live keys and values (--quota-bytes); 0 for none.");
        meter.CreateObservableGauge("quorum.store.quota_used", () => QuotaUsedBytes, unit: "By", description: "Bytes of live keys and values, as the quota counts them.");
        meter.CreateObservableGauge("quorum.disk.data_dir_free", () => raft.DiskSpace.ReserveBytes == 0 ? -1 : raft.DiskSpace.AvailableBytes, unit: "By", description: "Free space on the data directory's filesystem, as the write guard last read it; -1 when the guard is off.");
        meter.CreateObservableGauge("quorum.watch.watchers", () => listeners.Watches.Count, description: "Open watch streams.");
    }
}

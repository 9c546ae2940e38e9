using System.Diagnostics.Metrics;

namespace Quorum.Store.Metrics;

/// <summary>
/// The store's instruments, on a <see cref="Meter"/> of its own so that a process holding several
/// stores (tests do) can tell their measurements apart. Names follow the Prometheus names of
/// operations.md once dots become underscores and the unit suffix is added: a histogram in
/// seconds named <c>quorum.disk.wal_fsync_duration</c> is served as
/// <c>quorum_disk_wal_fsync_duration_seconds</c>.
/// </summary>
public sealed class StoreMetrics : IDisposable
{
    /// <summary>The name of the store's meter.</summary>
    public const string MeterName = "Quorum.Store";

    // Disk flushes here take ~0.1-0.3 ms; etcd's buckets start at 1 ms, which would put every
    // healthy flush in the first bucket, so these start lower and reach etcd's 8 s top.
    private static readonly double[] FsyncBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192];
    private static readonly double[] SnapshotBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    private static readonly double[] RoundTripBuckets = [0.0001, 0.0002, 0.0004, 0.0008, 0.0016, 0.0032, 0.0064, 0.0128, 0.0256, 0.0512, 0.1024, 0.2048, 0.4096, 0.8192, 1.6384, 3.2768];

    /// <summary>Initializes the meter and its pushed instruments; <see cref="QuorumStore"/> adds the observed ones.</summary>
    public StoreMetrics()
    {
        Meter = new Meter(MeterName);
        LeaderChanges = Meter.CreateCounter<long>("quorum.server.leader_changes_seen", description: "Leader changes this node has seen.");
        ElectionsStarted = Meter.CreateCounter<long>("quorum.server.elections_started", description: "Times this node became a candidate and asked for votes.");
        ProposalsCommitted = Meter.CreateCounter<long>("quorum.server.proposals_committed", description: "Commands this node proposed that committed.");
        ProposalsFailed = Meter.CreateCounter<long>("quorum.server.proposals_failed", description: "Commands this node proposed that failed or whose fate is unknown (timed out).");
        ProposalsPending = Meter.CreateUpDownCounter<long>("quorum.server.proposals_pending", description: "Commands waiting to commit.");
        WalFsyncDuration = Meter.CreateHistogram(
            "quorum.disk.wal_fsync_duration", unit: "s", description: "Each flush of the write-ahead log to disk.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FsyncBuckets });
        SnapshotDuration = Meter.CreateHistogram(
            "quorum.snapshot.duration", unit: "s", description: "Taking a snapshot of the state.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SnapshotBuckets });
        PeerRoundTripTime = Meter.CreateHistogram(
            "quorum.network.peer_round_trip_time", unit: "s", description: "Replication round trips (AppendEntries, including the follower's flush), seen by the leader.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RoundTripBuckets });
    }

    /// <summary>Gets the meter every store instrument is on.</summary>
    public Meter Meter { get; }

    internal Counter<long> LeaderChanges { get; }

    internal Counter<long> ElectionsStarted { get; }

    internal Counter<long> ProposalsCommitted { get; }

    internal Counter<long> ProposalsFailed { get; }

    internal UpDownCounter<long> ProposalsPending { get; }

    internal Histogram<double> WalFsyncDuration { get; }

    internal Histogram<double> SnapshotDuration { get; }

    internal Histogram<double> PeerRoundTripTime { get; }

    /// <inheritdoc/>
    public void Dispose() => Meter.Dispose();
}

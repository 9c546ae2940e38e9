using System.Net;
using Quorum.Store.Raft;

namespace Quorum.Store;

/// <summary>
/// How to open a store: where its data lives, how it is reached, and its limits. Immutable once built.
/// </summary>
public sealed record StoreOptions
{
    /// <summary>Gets the options as they are when nothing is set: the one place the defaults are written down (<c>quorum serve</c>'s help shows them from here).</summary>
    public static StoreOptions Defaults { get; } = new();

    /// <summary>The default of <see cref="WatchHistoryChanges"/>.</summary>
    public const long DefaultWatchHistoryChanges = 10_000;

    /// <summary>The default of <see cref="WatchHistoryBytes"/>.</summary>
    public const long DefaultWatchHistoryBytes = 64L * 1024 * 1024;

    /// <summary>The default of <see cref="DiskReserveBytes"/>.</summary>
    public const long DefaultDiskReserveBytes = 64L * 1024 * 1024;

    private readonly string dataDirectory = "data";
    private readonly string? nodeId;
    private readonly IPEndPoint raftEndPoint = new(IPAddress.Loopback, 8081);
    private readonly string? advertisedRaftAddress;
    private readonly string httpAddress = "http://127.0.0.1:8080";
    private readonly bool joinExistingCluster;
    private readonly long snapshotInterval = 50_000;
    private readonly long snapshotLogBytes = 64L * 1024 * 1024;
    private readonly int maxValueBytes = 1024 * 1024;
    private readonly TimeSpan electionTimeout = TimeSpan.FromMilliseconds(300);
    private readonly TimeSpan? raftRequestTimeout;
    private readonly TimeSpan writeTimeout = TimeSpan.FromSeconds(5);
    private readonly TimeSpan readTimeout = TimeSpan.FromSeconds(5);
    private readonly TimeSpan groupCommitWait = TimeSpan.FromMilliseconds(2);
    private readonly long watchHistoryChanges = DefaultWatchHistoryChanges;
    private readonly long watchHistoryBytes = DefaultWatchHistoryBytes;
    private readonly int watcherBufferChanges = 10_000;
    private readonly long diskReserveBytes = DefaultDiskReserveBytes;
    private readonly long quotaBytes;

    /// <summary>Gets the data directory (WAL, snapshots, identity, cluster configuration).</summary>
    public string DataDirectory
    {
        get => dataDirectory;
        init => dataDirectory = !string.IsNullOrWhiteSpace(value) ? value : throw new ArgumentException("The data directory must not be empty.", nameof(value));
    }

    /// <summary>Gets this node's ID; <see langword="null"/> to use the one kept in the data directory, or generate one.</summary>
    public string? NodeId
    {
        get => nodeId;
        init => nodeId = value is null || IsValidNodeId(value) ? value : throw new ArgumentException($"Node ID '{value}' is not valid: use 1 to 64 letters, digits, '-', '_' or '.'.", nameof(value));
    }

    /// <summary>Gets the address the Raft transport binds.</summary>
    public IPEndPoint RaftEndPoint
    {
        get => raftEndPoint;
        init => raftEndPoint = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Gets the Raft address other members dial (<c>host:port</c>); defaults to <see cref="RaftEndPoint"/>.</summary>
    public string AdvertisedRaftAddress
    {
        get => advertisedRaftAddress ?? NetworkAddress.Format(raftEndPoint);
        init => advertisedRaftAddress = NetworkAddress.TryParse(value, out _) ? value : throw new ArgumentException($"Raft address '{value}' is not host:port.", nameof(value));
    }

    /// <summary>Gets the base URL of this node's HTTP API, as other nodes and clients reach it.</summary>
    public string HttpAddress
    {
        get => httpAddress;
        init => httpAddress = Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? value.TrimEnd('/')
            : throw new ArgumentException($"HTTP address '{value}' is not an http:// or https:// URL.", nameof(value));
    }

    /// <summary>
    /// Gets a value indicating that a node with an empty data directory should wait to be added to an
    /// existing cluster instead of bootstrapping a new one. Ignored when the data directory already
    /// belongs to a cluster.
    /// </summary>
    public bool JoinExistingCluster
    {
        get => joinExistingCluster;
        init => joinExistingCluster = value;
    }

    /// <summary>Gets how many log entries are applied between two snapshots.</summary>
    public long SnapshotInterval
    {
        get => snapshotInterval;
        init => snapshotInterval = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "The snapshot interval must be at least 1.");
    }

    /// <summary>Gets how many bytes of log entries are applied, at most, between two snapshots (whichever of this and <see cref="SnapshotInterval"/> comes first), unless the last snapshot was larger: then as many bytes as it had.</summary>
    public long SnapshotLogBytes
    {
        get => snapshotLogBytes;
        init => snapshotLogBytes = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "The snapshot log size must be at least 1 byte.");
    }

    /// <summary>Gets the largest value accepted, in bytes.</summary>
    public int MaxValueBytes
    {
        get => maxValueBytes;
        init => maxValueBytes = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "The value size limit must be at least 1 byte.");
    }

    /// <summary>Gets the shortest election timeout; the longest is twice as long, and heartbeats go out at half of it.</summary>
    public TimeSpan ElectionTimeout
    {
        get => electionTimeout;
        init => electionTimeout = value >= TimeSpan.FromMilliseconds(50) && value <= TimeSpan.FromSeconds(60)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), "The election timeout must be between 50ms and 60s.");
    }

    /// <summary>
    /// Gets how long one Raft request may take, or null for the larger of 2 s and 4 election
    /// timeouts. DotNext sends a far-behind member the whole snapshot as one request, so adding a
    /// member to a large store needs room for the snapshot's transfer and load (a 2.43 GB snapshot
    /// installed in 16.3 s on the test host). The same timeout bounds a vote to a hung member, which
    /// holds up every election that needs it: raised to 30 s, a paused leader had no successor
    /// within 30 s, against 11 s at the default.
    /// </summary>
    public TimeSpan? RaftRequestTimeout
    {
        get => raftRequestTimeout;
        init => raftRequestTimeout = value is null || (value >= TimeSpan.FromMilliseconds(100) && value <= TimeSpan.FromHours(1))
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), "The Raft request timeout must be between 100ms and 1h.");
    }

    /// <summary>Gets the write-ahead log flush p99 above which the node warns in its log (checked every 5 s); the alert rules' warning level by default.</summary>
    public TimeSpan SlowFsyncWarning { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets the AppendEntries round-trip p99 to a peer above which the leader warns in its log (checked every 5 s); the alert rules' level by default.</summary>
    public TimeSpan SlowPeerWarning { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>Gets how long a write may wait for its commit before its outcome is reported unknown.</summary>
    public TimeSpan WriteTimeout
    {
        get => writeTimeout;
        init => writeTimeout = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "The write timeout must be positive.");
    }

    /// <summary>Gets how long a linearizable read may wait to confirm it is up to date.</summary>
    public TimeSpan ReadTimeout
    {
        get => readTimeout;
        init => readTimeout = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "The read timeout must be positive.");
    }

    /// <summary>
    /// Gets how long, at most, the leader holds the next log entry open for the writers it has just
    /// answered to come back with their next writes, so that under load they share one entry (one
    /// disk flush on every node) instead of splitting into two. Only when more than one writer is
    /// active, and it backs off when writers do not come back. <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan GroupCommitWait
    {
        get => groupCommitWait;
        init => groupCommitWait = value >= TimeSpan.Zero && value <= TimeSpan.FromSeconds(1)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), "The group commit wait must be between 0 and 1s.");
    }

    /// <summary>
    /// Gets how many recent changes each node keeps for watchers that start from a past revision (or
    /// reconnect); a watch from before them is refused with the oldest revision still available.
    /// </summary>
    public long WatchHistoryChanges
    {
        get => watchHistoryChanges;
        init => watchHistoryChanges = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "The watch history must not be negative.");
    }

    /// <summary>Gets how many bytes of keys and values the watch history may hold, whatever the number of changes.</summary>
    public long WatchHistoryBytes
    {
        get => watchHistoryBytes;
        init => watchHistoryBytes = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "The watch history size must not be negative.");
    }

    /// <summary>
    /// Gets how many changes may wait for one watcher to take them; a watcher further behind is cut
    /// off (it can resume from its last revision), so a slow watcher never holds up writes.
    /// </summary>
    public int WatcherBufferChanges
    {
        get => watcherBufferChanges;
        init => watcherBufferChanges = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "The watcher buffer must hold at least 1 change.");
    }

    /// <summary>
    /// Gets how much free space writes must leave on the data directory's filesystem: below it the
    /// leader refuses writes (<see cref="InsufficientStorageException"/>, HTTP 507) before they reach
    /// the log, and a follower stops taking entries, until space is freed. 0 turns the check off.
    /// </summary>
    /// <remarks>
    /// The log is written through memory mappings, and a mapped page the disk has no room for kills
    /// the process (SIGBUS) instead of failing a call; the reserve is room for what still reaches
    /// the log after the check: the entries in flight (up to 4 MiB each) and a follower's batch.
    /// </remarks>
    public long DiskReserveBytes
    {
        get => diskReserveBytes;
        init => diskReserveBytes = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "The disk reserve must not be negative.");
    }

    /// <summary>
    /// Gets the most bytes of live keys and values (a leased key's lease counts too) the store may
    /// hold; a write that would take it over is refused (<see cref="InsufficientStorageException"/>,
    /// HTTP 507), deletes never are. 0 means no quota.
    /// </summary>
    /// <remarks>
    /// Checked on the leader before the write is proposed, against the state it has applied, so
    /// writes in flight at the same moment can take the store over the quota by at most their own size.
    /// </remarks>
    public long QuotaBytes
    {
        get => quotaBytes;
        init => quotaBytes = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "The quota must not be negative.");
    }

    /// <summary>
    /// Gets the Raft transport's mutual TLS: the certificate this node presents and how it checks its
    /// peers'; <see langword="null"/> for a plain transport.
    /// </summary>
    public DotNext.Net.Security.SslOptions? PeerTls { get; init; }

    /// <summary>
    /// Gets the instruments the store records to, or <see langword="null"/> for a set of its own.
    /// Made by the caller when an exporter must listen from the store's first measurement (the
    /// election and the log replay at start-up); the caller then disposes it.
    /// </summary>
    public Metrics.StoreMetrics? Metrics { get; init; }

    /// <summary>
    /// Gets a value indicating that linearizable reads skip the read barrier and answer from local
    /// state. A planted bug, only for proving that the fault-injection suite catches stale reads;
    /// the <c>quorum</c> program sets it from a test-only environment variable and warns loudly.
    /// </summary>
    internal bool SkipReadBarrier { get; init; }

    /// <summary>
    /// Gets a value indicating that the leader hands out read indexes without the quorum round that
    /// confirms it still leads. A finer planted bug than <see cref="SkipReadBarrier"/>: reads stay
    /// current while leadership is stable and go stale only on a deposed leader that has not yet
    /// heard of its successor (a paused or isolated one), which is what the fault suite must catch.
    /// </summary>
    internal bool SkipReadIndexQuorumRound { get; init; }

    /// <summary>Tells whether a node ID is acceptable: 1 to 64 ASCII letters, digits, '-', '_' or '.'.</summary>
    /// <param name="id">The ID.</param>
    /// <returns><see langword="true"/> when valid.</returns>
    public static bool IsValidNodeId(string? id)
        => id is { Length: >= 1 and <= 64 } && id.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
